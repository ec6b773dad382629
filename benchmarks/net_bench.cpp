// benchmarks/net_bench.cpp: the transport layer's hot paths over TCP loopback.
//
// What each row measures (peers: libuv and Boost.Asio doing the same in benchmarks/peers/):
//   TcpPingPong     one loop is both client and server; the client writes 64 bytes, the
//                   server echoes them, the client writes again when all 64 are back:
//                   round trips/s, the cost of two reads, two writes and two wake-ups
//   TcpThroughput   64 connections on one loop each write 16 KiB chunks as fast as flow
//                   control (pause_writing / resume_writing) allows; the server discards:
//                   bytes/s through transports
//   StreamRead      one connection: the server's transport writes 16 KiB chunks as fast as
//                   flow control allows, the client reads them with StreamReader::read(64 KiB):
//                   bytes/s through the stream layer (the transport reads into the reader's
//                   own buffer: StreamReaderProtocol is a BufferedProtocol)
//   AcceptRate      batches of 100 concurrent create_connection calls to a server that
//                   closes each connection as it is made: connections/s (connect, the
//                   server's batched accept, connection_made, close)
// Everything runs on one thread, as the peers do, so the figure is CPU per operation and not
// thread hand-off.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "benchmarks/support/allocation_counter.hpp"
#include "net/net.hpp"
#include "runtime/looplab.hpp"

namespace {

using namespace looplab;
using bench::AllocationCounter;

// Echoes everything back (the ping-pong server).
class Echo : public net::Protocol {
public:
    void connection_made(net::Transport& transport) override { transport_ = &transport; }
    void data_received(std::string_view data) override { transport_->write(data); }

private:
    net::Transport* transport_ = nullptr;
};

// Writes a 64-byte ping, waits for all 64 bytes to come back, repeats `rounds` times, then
// stops the loop.
class Pinger : public net::Protocol {
public:
    Pinger(EventLoop& loop, std::int64_t rounds) : loop_(loop), rounds_(rounds) {}
    void connection_made(net::Transport& transport) override { transport_ = &transport; }
    void start() { transport_->write(ping_); }
    void data_received(std::string_view data) override {
        received_ += data.size();
        if (received_ < ping_.size()) return;
        received_ = 0;
        if (--rounds_ > 0)
            transport_->write(ping_);
        else
            loop_.stop();
    }
    void set_rounds(std::int64_t rounds) { rounds_ = rounds; }

private:
    EventLoop& loop_;
    std::int64_t rounds_;
    std::size_t received_ = 0;
    net::Transport* transport_ = nullptr;
    const std::string ping_ = std::string(64, 'p');
};

std::uint16_t port_of(const net::Server& server) {
    return server.sockets().at(0).address.port();
}

void TcpPingPong(benchmark::State& state) {
    EventLoop loop;
    const std::int64_t n = bench::scaled(state.range(0));
    auto server = loop.run_until_complete(net::create_server(
        loop, [] { return std::make_shared<Echo>(); }, "127.0.0.1", 0));
    auto [transport, pinger] = loop.run_until_complete(net::create_connection(
        loop, [&loop, n] { return std::make_shared<Pinger>(loop, n); }, "127.0.0.1",
        port_of(*server)));
    const AllocationCounter allocations;
    for (auto _ : state) {
        pinger->set_rounds(n);
        pinger->start();
        loop.run_forever();
    }
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
    transport->close();
    server->close();
    loop.run_until_complete(server->wait_closed());
}
BENCHMARK(TcpPingPong)->Arg(20'000)->Unit(benchmark::kMillisecond);

// Counts what it receives and stops the loop when the target is reached.
class Sink : public net::Protocol {
public:
    Sink(EventLoop& loop, std::int64_t& received, std::int64_t& target)
        : loop_(loop), received_(received), target_(target) {}
    void data_received(std::string_view data) override {
        received_ += static_cast<std::int64_t>(data.size());
        if (received_ >= target_ && loop_.is_running()) loop_.stop();
    }

private:
    EventLoop& loop_;
    std::int64_t& received_;
    std::int64_t& target_;
};

// Writes 16 KiB chunks while the transport is not paused and its budget lasts.
class Firehose : public net::Protocol {
public:
    void connection_made(net::Transport& transport) override { transport_ = &transport; }
    void pause_writing() override { paused_ = true; }
    void resume_writing() override {
        paused_ = false;
        pump();
    }
    void send(std::int64_t bytes) {
        budget_ += bytes;
        pump();
    }

private:
    void pump() {
        while (!paused_ && budget_ > 0) {
            transport_->write(chunk_);
            budget_ -= static_cast<std::int64_t>(chunk_.size());
        }
    }
    net::Transport* transport_ = nullptr;
    std::int64_t budget_ = 0;
    bool paused_ = false;
    const std::string chunk_ = std::string(16 * 1024, 'x');
};

void TcpThroughput(benchmark::State& state) {
    EventLoop loop;
    const int connections = static_cast<int>(state.range(0));
    // 1 MiB each per iteration (one 16 KiB chunk in a smoke run).
    const std::int64_t per_connection = std::max<std::int64_t>(16 * 1024, bench::scaled(1 << 20));
    std::int64_t received = 0;
    std::int64_t target = 0;
    auto server = loop.run_until_complete(net::create_server(
        loop, [&] { return std::make_shared<Sink>(loop, received, target); }, "127.0.0.1", 0));
    std::vector<std::shared_ptr<net::Transport>> transports;
    std::vector<std::shared_ptr<Firehose>> writers;
    for (int i = 0; i < connections; ++i) {
        auto [transport, writer] = loop.run_until_complete(net::create_connection(
            loop, [] { return std::make_shared<Firehose>(); }, "127.0.0.1", port_of(*server)));
        transports.push_back(transport);
        writers.push_back(writer);
    }
    const AllocationCounter allocations;
    const std::int64_t chunks_per_iteration = per_connection / (16 * 1024) * connections;
    for (auto _ : state) {
        target += per_connection * connections;
        for (auto& w : writers) w->send(per_connection);
        loop.run_forever();
    }
    allocations.report(state, state.iterations() * chunks_per_iteration);
    state.SetBytesProcessed(state.iterations() * per_connection * connections);
    for (auto& t : transports) t->close();
    server->close();
    loop.run_until_complete(server->wait_closed());
}
BENCHMARK(TcpThroughput)->Arg(64)->Unit(benchmark::kMillisecond);

Coro<void> one_iteration() {
    co_await sleep(Duration::zero());
}

// Reads `bytes` from the stream, 64 KiB at a time.
Coro<void> read_bytes(net::StreamReader& reader, std::int64_t bytes) {
    while (bytes > 0) {
        std::string block = co_await reader.read(64 * 1024);
        if (block.empty()) break;
        bytes -= static_cast<std::int64_t>(block.size());
    }
}

void StreamRead(benchmark::State& state) {
    EventLoop loop;
    // A whole number of Firehose chunks (16 KiB), so each iteration sends exactly what it reads:
    // with the smoke size (16 MiB / 1000, not a multiple) the sender's rounding carried bytes
    // into the next iteration, the reader took them early and then waited for bytes never sent.
    constexpr std::int64_t chunk = 16 * 1024;
    const std::int64_t per_iteration =
        std::max<std::int64_t>(chunk, bench::scaled(16 << 20) / chunk * chunk);
    std::shared_ptr<Firehose> writer;
    auto server = loop.run_until_complete(net::create_server(
        loop,
        [&] {
            writer = std::make_shared<Firehose>();
            return writer;
        },
        "127.0.0.1", 0));
    auto [reader, stream_writer] =
        loop.run_until_complete(net::open_connection(loop, "127.0.0.1", port_of(*server)));
    while (!writer) loop.run_until_complete(one_iteration());
    const AllocationCounter allocations;
    for (auto _ : state) {
        writer->send(per_iteration);
        loop.run_until_complete(read_bytes(*reader, per_iteration));
    }
    allocations.report(state, state.iterations() * (per_iteration / (64 * 1024)));
    state.SetBytesProcessed(state.iterations() * per_iteration);
    stream_writer->close();
    server->close();
    loop.run_until_complete(server->wait_closed());
}
BENCHMARK(StreamRead)->Unit(benchmark::kMillisecond);

// Closes each connection as soon as it is made.
class Closer : public net::Protocol {
public:
    void connection_made(net::Transport& transport) override { transport.close(); }
};

Coro<void> connect_and_close(std::uint16_t port) {
    auto [transport, protocol] = co_await net::create_connection(
        get_running_loop(), [] { return std::make_shared<net::Protocol>(); }, "127.0.0.1", port);
    transport->close();
}

Coro<void> connect_batch(std::uint16_t port, int count) {
    std::vector<Coro<void>> connects;
    for (int i = 0; i < count; ++i) connects.push_back(connect_and_close(port));
    co_await gather(std::move(connects));
}

void AcceptRate(benchmark::State& state) {
    EventLoop loop;
    const int batch = static_cast<int>(state.range(0));
    auto server = loop.run_until_complete(net::create_server(
        loop, [] { return std::make_shared<Closer>(); }, "127.0.0.1", 0));
    const std::uint16_t port = port_of(*server);
    const AllocationCounter allocations;
    for (auto _ : state) loop.run_until_complete(connect_batch(port, batch));
    allocations.report(state, state.iterations() * batch);
    state.SetItemsProcessed(state.iterations() * batch);
    server->close();
    loop.run_until_complete(server->wait_closed());
}
// A fixed number of iterations: every connection leaves a TIME_WAIT socket behind, and an
// open-ended run would exhaust the ephemeral ports.
BENCHMARK(AcceptRate)->Arg(100)->Iterations(50)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
