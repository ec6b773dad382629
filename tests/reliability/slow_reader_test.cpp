// tests/reliability/slow_reader_test.cpp: HttpServer against a client that sends requests and
// never reads the responses.
//
// asyncio: the write-buffer water marks (transports.py, WriteTransport.set_write_buffer_limits)
//          and aiohttp's StreamResponse drain(); nginx: send_timeout
//
// The most dangerous client is the quiet one: it pipelines requests for large responses and
// reads nothing. Without back-pressure the server answers request after request into a write
// buffer that only grows, and reads request after request into a parser buffer that only
// grows. The server must instead (server_connection.hpp): stop answering once its write
// buffer passes the high water mark, stop reading once a head's worth of requests waits, and
// abort the connection after send_timeout. The server runs on the test's loop so the test can
// watch write_buffer_size(); the client is a thread with a blocking socket.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "http/server/demo_routes.hpp"
#include "http/server/server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/net_test_loop.hpp"
#include "reliability/support/raw_client.hpp"
#include "runtime/looplab.hpp"

namespace looplab::reliability {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kResponseBody = 200'000;
constexpr std::size_t kHighWater = 64 * 1024;  // the transport's default (transport.hpp)
const std::string kRequest = "GET /bytes/200000 HTTP/1.1\r\nHost: x\r\n\r\n";

class SlowReader : public net::testing::NoFdLeaks {};

// Samples the server's write buffer every few milliseconds until `done`; returns the largest.
Coro<std::size_t> watch_write_buffer(const http::HttpServer& server,
                                     const std::atomic<bool>& done) {
    std::size_t largest = 0;
    while (!done.load()) {
        largest = std::max(largest, server.write_buffer_size());
        co_await sleep(2ms);
    }
    co_return largest;
}

// Waits (bounded) until the server has no connection left.
Coro<bool> wait_until_no_connections(const http::HttpServer& server) {
    for (int i = 0; i < 1000 && server.active_connections() > 0; ++i) co_await sleep(10ms);
    co_return server.active_connections() == 0;
}

TEST_F(SlowReader, TheServerStopsReadingAndItsWriteBufferStaysBounded) {
    auto main = [](EventLoop&) -> Coro<void> {
        http::HttpServerOptions options;
        options.send_timeout = 30s;  // this test watches the bound, not the abort
        auto server =
            co_await http::HttpServer::start(http::demo_routes(), "127.0.0.1", 0, options);
        std::atomic<bool> done{false};
        std::size_t sent = 0;
        bool stuck = false;
        std::thread client([&] {
            RawClient raw(server->port(), /*receive_buffer=*/4096);
            // Up to 256 MiB of pipelined requests (6 million of them, asking for 1.2 TB of
            // responses): a server without back-pressure would take them all.
            sent = raw.flood(kRequest, 256u << 20, 1000ms);
            stuck = raw.stuck();
            done = true;
            raw.reset();
        });
        const std::size_t largest = co_await watch_write_buffer(*server, done);
        client.join();
        EXPECT_TRUE(stuck) << "the client could send " << sent
                           << " bytes of requests: the server never stopped reading";
        EXPECT_LT(sent, 256u << 20);
        EXPECT_GT(largest, 0u) << "the write buffer was never used: the test proves nothing";
        EXPECT_LE(largest, kHighWater + kResponseBody + 1024)
            << "the server buffered more than one response past the high water mark";
        // Awaited into a variable, not inside EXPECT_TRUE (an if condition): GCC 12.
        const bool all_gone = co_await wait_until_no_connections(*server);
        EXPECT_TRUE(all_gone);
        co_await server->shutdown(1s);
    };
    net::testing::run_net_test(main, 60s);
}

TEST_F(SlowReader, AClientThatNeverReadsIsAbortedAfterTheSendTimeout) {
    auto main = [](EventLoop&) -> Coro<void> {
        http::HttpServerOptions options;
        options.send_timeout = 300ms;
        auto server =
            co_await http::HttpServer::start(http::demo_routes(), "127.0.0.1", 0, options);
        std::atomic<bool> sent{false};
        std::atomic<bool> read_done{false};
        std::string received;
        bool read_timed_out = false;
        std::atomic<bool> may_read{false};
        std::thread client([&] {
            RawClient raw(server->port(), /*receive_buffer=*/4096);
            std::string requests;
            for (int i = 0; i < 200; ++i) requests += kRequest;  // 40 MB of responses asked for
            raw.send(requests);
            sent = true;
            while (!may_read.load()) std::this_thread::sleep_for(5ms);
            received = raw.read_until_close(10s);
            read_timed_out = raw.timed_out();
            read_done = true;
        });
        while (!sent.load()) co_await sleep(5ms);
        // The kernel completes the connection before the server's loop accepts it: wait for
        // the server to have it, or "no connection left" below would be true from the start.
        for (int i = 0; i < 1000 && server->requests_served() == 0; ++i) co_await sleep(5ms);
        EXPECT_GT(server->requests_served(), 0u) << "the server never answered the first request";
        // The client holds its socket open and reads nothing: only the send timeout can free
        // the server's side.
        const bool freed = co_await wait_until_no_connections(*server);
        may_read = true;
        while (!read_done.load()) co_await sleep(5ms);
        client.join();
        EXPECT_TRUE(freed) << "the server kept a connection whose client never reads";
        EXPECT_FALSE(read_timed_out) << "the client's connection was not closed";
        EXPECT_LT(received.size(), 200 * kResponseBody) << "all 200 responses were delivered";
        co_await server->shutdown(1s);
    };
    net::testing::run_net_test(main, 60s);
}

}  // namespace
}  // namespace looplab::reliability
