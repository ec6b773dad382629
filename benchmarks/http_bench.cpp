// benchmarks/http_bench.cpp: the HTTP layer, client against looplab's own server.
//
// What each row measures:
//   KeepAliveGet/C      ClientSession, C connections kept alive (C workers, each awaiting
//                       GET / and its body in turn) against looplab's server on a thread of its
//                       own: requests/s, and client_cpu_us/req, the client thread's CPU per
//                       request (the server's thread is not counted)
//   ParseResponses      ResponseParser over a buffer of pipelined 200 responses with small
//                       bodies: bytes/s and responses/s, the sans-I/O engine alone
//   BlockingGet         blocking::Session (requests.Session) keep-alive GET /: requests/s
// The server runs in this process, so these rows are for tracking looplab itself; the rows
// against a server in another process, shared with the peers (aiohttp, libcurl, wrk, nginx),
// are http_load.cpp's, driven by compare.sh.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <string>
#include <vector>

#include "benchmarks/support/allocation_counter.hpp"
#include "http/client/blocking_client.hpp"
#include "http/client/client_session.hpp"
#include "http/proto/response_parser.hpp"
#include "http/server/server_thread.hpp"
#include "runtime/looplab.hpp"

namespace {

using namespace looplab;
using bench::AllocationCounter;

// CPU time used by the calling thread so far, in microseconds.
double thread_cpu_us() {
    rusage usage{};
    ::getrusage(RUSAGE_THREAD, &usage);
    const auto us = [](const timeval& t) {
        return t.tv_sec * 1e6 + static_cast<double>(t.tv_usec);
    };
    return us(usage.ru_utime) + us(usage.ru_stime);
}

http::ServerThread& shared_server() {
    static http::ServerThread server;  // demo routes, 127.0.0.1, a free port
    return server;
}

Coro<std::int64_t> get_in_turn(http::ClientSession& session, const std::string& url,
                               std::int64_t count) {
    std::int64_t bytes = 0;
    for (std::int64_t i = 0; i < count; ++i) {
        http::ClientResponse response = co_await session.get(url);
        const std::string body = co_await response.text();
        bytes += static_cast<std::int64_t>(body.size());
    }
    co_return bytes;
}

Coro<std::int64_t> get_concurrently(http::ClientSession& session, std::string url,
                                    std::int64_t workers, std::int64_t per_worker) {
    std::vector<Coro<std::int64_t>> all;
    for (std::int64_t w = 0; w < workers; ++w) all.push_back(get_in_turn(session, url, per_worker));
    std::vector<std::int64_t> bytes = co_await gather(std::move(all));
    std::int64_t total = 0;
    for (std::int64_t b : bytes) total += b;
    co_return total;
}

void KeepAliveGet(benchmark::State& state) {
    const std::int64_t connections = state.range(0);
    const std::int64_t per_worker = bench::scaled(connections == 1 ? 2000 : 100);
    const std::string url = shared_server().url("/");
    EventLoop loop;
    http::ClientSessionOptions options;
    options.limit = static_cast<std::size_t>(connections);
    http::ClientSession session(options);
    // Warm up: open the connections outside the timing.
    loop.run_until_complete(get_concurrently(session, url, connections, 1));
    const AllocationCounter allocations;
    const double cpu_before = thread_cpu_us();
    std::int64_t bytes = 0;
    for (auto _ : state)
        bytes += loop.run_until_complete(get_concurrently(session, url, connections, per_worker));
    const std::int64_t requests = state.iterations() * connections * per_worker;
    state.counters["client_cpu_us/req"] =
        (thread_cpu_us() - cpu_before) / static_cast<double>(requests);
    if (bytes != requests * 12) state.SkipWithError("a response had the wrong body");
    if (session.connections_opened() != static_cast<std::size_t>(connections))
        state.SkipWithError("connections were not kept alive");
    allocations.report(state, requests);
    state.SetItemsProcessed(requests);
    loop.run_until_complete(session.close());
}
BENCHMARK(KeepAliveGet)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond)->UseRealTime();

std::string pipelined_responses(int count) {
    std::string one =
        "HTTP/1.1 200 OK\r\nServer: bench\r\nContent-Type: text/plain; charset=utf-8\r\n"
        "Date: Mon, 23 Nov 2026 05:00:00 GMT\r\nContent-Length: 12\r\n\r\nHello World!";
    std::string all;
    for (int i = 0; i < count; ++i) all += one;
    return all;
}

void ParseResponses(benchmark::State& state) {
    const int count = static_cast<int>(bench::scaled(state.range(0)));
    const std::string wire = pipelined_responses(count);
    const AllocationCounter allocations;
    std::int64_t bodies = 0;
    for (auto _ : state) {
        http::ResponseParser parser;
        parser.feed(wire);
        for (int done = 0; done < count;) {
            http::ResponseEvent event = parser.next_event();
            if (auto* data = std::get_if<http::Data>(&event))
                bodies += static_cast<std::int64_t>(data->bytes.size());
            if (std::holds_alternative<http::EndOfMessage>(event)) {
                ++done;
                if (done < count) parser.start_next_message();
            }
            if (std::holds_alternative<http::NeedData>(event)) {
                state.SkipWithError("parser wanted more data than was sent");
                break;
            }
        }
    }
    benchmark::DoNotOptimize(bodies);
    allocations.report(state, state.iterations() * count);
    state.SetItemsProcessed(state.iterations() * count);
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(wire.size()));
}
BENCHMARK(ParseResponses)->Arg(10'000)->Unit(benchmark::kMillisecond);

void BlockingGet(benchmark::State& state) {
    const std::string url = shared_server().url("/");
    http::blocking::Session session;
    const AllocationCounter allocations;
    std::int64_t requests = 0;
    for (auto _ : state) {
        http::blocking::Response response = session.get(url);
        if (response.body != "Hello World!") state.SkipWithError("wrong body");
        ++requests;
    }
    allocations.report(state, requests);
    state.SetItemsProcessed(requests);
}
BENCHMARK(BlockingGet)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
