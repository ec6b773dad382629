// benchmarks/http_load.cpp: `http_load URL CONNECTIONS REQUESTS [close]`, looplab's HTTP client
// under load against a server in another process, the program compare.sh runs next to its peers
// (peers/curl_multi_peer.c, peers/aiohttp_peer.py, wrk) against the same server.
//
// One ClientSession with `limit` CONNECTIONS; CONNECTIONS tasks each GET URL and read its body
// in turn until REQUESTS have been made in all. So "1 100000" is the keep-alive latency row,
// "64 100000" the keep-alive throughput row, and "10000 10000" against /delay/100 is the
// 10,000-concurrent-requests row (one request per connection, all in flight at once).
//
// https URLs work as they are: the server's certificate is checked against the system's CAs,
// or against SSL_CERT_FILE's (OpenSSL's variable, which compare.sh sets to its run-time CA).
// "close" keeps no connection alive: every request is a new TCP connection and a new TLS
// handshake (resumed from the first, as curl's and aiohttp's are), the "new TLS connections per
// second" row.
//
// Prints one line: wall seconds, requests/s, client CPU microseconds per request (user +
// system, this process), and peak RSS in MiB. Exit status 1 if any response was not a 200.
// It is a plain program rather than a Google Benchmark row because the delay row is one
// long run whose wall time and peak memory are the figures, not a loop of iterations.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "http/client/client_session.hpp"
#include "runtime/looplab.hpp"

namespace {

using namespace looplab;

struct LoadOutcome {
    std::int64_t ok = 0;
    std::int64_t failed = 0;
};

// Raises the soft descriptor limit to the hard one: 10,000 connections need 10,000 fds.
void raise_fd_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
}

double cpu_seconds(const rusage& usage) {
    const auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return s(usage.ru_utime) + s(usage.ru_stime);
}

Coro<void> worker(http::ClientSession& session, const std::string& url, std::int64_t& left,
                  LoadOutcome& outcome) {
    while (left > 0) {
        --left;
        try {
            http::ClientResponse response = co_await session.get(url);
            const std::string body = co_await response.text();
            ++(response.status == 200 ? outcome.ok : outcome.failed);
        } catch (const std::exception& e) {
            if (outcome.failed++ == 0) std::fprintf(stderr, "http_load: %s\n", e.what());
        }
    }
}

Coro<LoadOutcome> load(std::string url, std::int64_t connections, std::int64_t requests,
                       bool close) {
    http::ClientSessionOptions options;
    options.limit = static_cast<std::size_t>(connections);
    if (close) options.keepalive_timeout = Duration::zero();
    http::ClientSession session(options);
    LoadOutcome outcome;
    std::int64_t left = requests;
    std::vector<Coro<void>> workers;
    for (std::int64_t i = 0; i < connections; ++i)
        workers.push_back(worker(session, url, left, outcome));
    co_await gather(std::move(workers));
    co_await session.close();
    co_return outcome;
}

}  // namespace

int main(int argc, char** argv) {
    const bool close = argc == 5 && std::string_view(argv[4]) == "close";
    if ((argc != 4 && !close) || std::atoll(argv[2]) <= 0 || std::atoll(argv[3]) <= 0) {
        std::fprintf(stderr, "usage: http_load URL CONNECTIONS REQUESTS [close] (both > 0)\n");
        return 2;
    }
    raise_fd_limit();
    const std::string url = argv[1];
    const std::int64_t connections = std::atoll(argv[2]);
    const std::int64_t requests = std::atoll(argv[3]);
    const auto start = std::chrono::steady_clock::now();
    LoadOutcome outcome;
    try {
        outcome = looplab::run(load(url, connections, requests, close));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_load: %s\n", e.what());
        return 1;
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    rusage usage{};
    ::getrusage(RUSAGE_SELF, &usage);
    std::printf("%.4f %.1f %.2f %.1f\n", wall, static_cast<double>(requests) / wall,
                cpu_seconds(usage) * 1e6 / static_cast<double>(requests),
                static_cast<double>(usage.ru_maxrss) / 1024.0);
    if (outcome.failed != 0) {
        std::fprintf(stderr, "http_load: %lld of %lld requests failed\n",
                     static_cast<long long>(outcome.failed), static_cast<long long>(requests));
        return 1;
    }
    return 0;
}
