// tests/reliability/server_budget_test.cpp: HttpServer's memory budget and minimum rates
// against clients that do not read, read too slowly, or send a body too slowly (issue 19).
//
// nginx:   send_timeout and client_body_timeout (here with a minimum rate as well)
// aiohttp: StreamResponse.write() awaiting drain()
//
// The server runs on the test's loop so the test can watch write_buffer_size(); the clients
// are threads with blocking sockets. What is asserted is a bound (bytes held, a status), never
// how fast anything went.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server/demo_routes.hpp"
#include "http/server/response_channel.hpp"
#include "http/server/server.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/net_test_loop.hpp"
#include "reliability/support/raw_client.hpp"
#include "runtime/looplab.hpp"

namespace looplab::reliability {
namespace {

using namespace std::chrono_literals;

class ServerBudget : public net::testing::NoFdLeaks {};

constexpr int kNonReadingClients = 20;
constexpr std::size_t kSmallBudget = 2 * 1024 * 1024;

// Samples the server's write buffer every few milliseconds until `done`; returns the largest.
Coro<std::size_t> largest_write_buffer(const http::HttpServer& server,
                                       const std::atomic<bool>& done) {
    std::size_t largest = 0;
    while (!done.load()) {
        largest = std::max(largest, server.write_buffer_size());
        co_await sleep(2ms);
    }
    co_return largest;
}

TEST_F(ServerBudget, TwentyClientsThatDoNotReadA60MBBodyStayUnderTheBudget) {
    auto main = [](EventLoop&) -> Coro<void> {
        http::HttpServerOptions options;
        options.memory_budget = kSmallBudget;
        options.send_timeout = 30s;  // this test watches the bound, not the abort
        options.min_send_rate = 0;
        auto server =
            co_await http::HttpServer::start(http::demo_routes(), "127.0.0.1", 0, options);
        std::atomic<bool> done{false};
        std::atomic<int> connected{0};
        std::thread clients([&] {
            std::vector<std::unique_ptr<RawClient>> raw;
            for (int i = 0; i < kNonReadingClients; ++i) {
                raw.push_back(std::make_unique<RawClient>(server->port(), 4096));
                raw.back()->send("GET /bytes/60000000 HTTP/1.1\r\nHost: x\r\n\r\n");
                ++connected;
            }
            std::this_thread::sleep_for(1500ms);  // the server fills every buffer it may
            done = true;
            for (auto& r : raw) r->reset();
        });
        const std::size_t largest = co_await largest_write_buffer(*server, done);
        clients.join();
        EXPECT_EQ(connected.load(), kNonReadingClients);
        EXPECT_GT(largest, 0u) << "the write buffer was never used: the test proves nothing";
        // Each connection holds its mark plus one piece at most; all of them the budget plus
        // a piece each. Without streaming one connection alone would hold 60 MB.
        EXPECT_LE(largest, kSmallBudget + kNonReadingClients * http::ResponseChannel::kPiece);
        for (int i = 0; i < 500 && server->active_connections() > 0; ++i) co_await sleep(10ms);
        co_await server->shutdown(1s);
    };
    net::testing::run_net_test(main, 60s);
}

TEST_F(ServerBudget, ABodyThatWouldPassTheBudgetGets503) {
    auto main = [](EventLoop&) -> Coro<void> {
        http::HttpServerOptions options;
        options.memory_budget = 64 * 1024;
        auto server =
            co_await http::HttpServer::start(http::demo_routes(), "127.0.0.1", 0, options);
        std::string answer;
        std::thread client([&] {
            RawClient raw(server->port());
            const std::string body(200 * 1024, 'b');
            raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n");
            raw.send(body);
            answer = raw.read_until_close(5s);
        });
        while (server->budget_refusals() == 0 && answer.empty()) co_await sleep(5ms);
        client.join();
        EXPECT_EQ(status_of(answer), 503) << answer.substr(0, 200);
        EXPECT_EQ(server->budget_refusals(), 1u);
        co_await server->shutdown(1s);
    };
    net::testing::run_net_test(main, 30s);
}

TEST_F(ServerBudget, ABodyTrickledBelowTheMinimumRateGets408) {
    auto main = [](EventLoop&) -> Coro<void> {
        http::HttpServerOptions options;
        options.min_body_rate = 1000;  // bytes a second
        options.rate_window = 300ms;
        auto server =
            co_await http::HttpServer::start(http::demo_routes(), "127.0.0.1", 0, options);
        std::atomic<bool> done{false};
        std::string answer;
        bool finished_trickle = true;
        std::thread client([&] {
            RawClient raw(server->port());
            raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n");
            // 20 bytes a second: one byte every 50 ms, 100 of them would take 5 s.
            finished_trickle = raw.trickle(std::string(100, 'x'), 50ms);
            answer = raw.read_until_close(5s);
            done = true;
        });
        while (!done.load()) co_await sleep(5ms);
        client.join();
        EXPECT_FALSE(finished_trickle) << "the server waited for the whole trickled body";
        EXPECT_EQ(status_of(answer), 408) << answer;
        co_await server->shutdown(1s);
    };
    net::testing::run_net_test(main, 30s);
}

TEST_F(ServerBudget, AClientReadingBelowTheMinimumSendRateIsAborted) {
    auto main = [](EventLoop&) -> Coro<void> {
        http::HttpServerOptions options;
        options.min_send_rate = 100'000;  // bytes a second
        options.rate_window = 300ms;
        options.send_timeout = 30s;  // only the rate can cut this client off
        options.write_buffer_size = 16 * 1024;
        auto server =
            co_await http::HttpServer::start(http::demo_routes(), "127.0.0.1", 0, options);
        std::atomic<bool> stop{false};
        std::thread client([&] {
            RawClient raw(server->port(), 4096);
            raw.send("GET /bytes/50000000 HTTP/1.1\r\nHost: x\r\n\r\n");
            // 32 bytes every 50 ms (slowhttptest -X): 640 bytes a second. The kernel may
            // still hold bytes the server handed over before it gave up, so the client keeps
            // reading; what matters is that the server let go of the connection.
            char buffer[32];
            while (!stop.load() && ::recv(raw.fd(), buffer, sizeof buffer, 0) > 0)
                std::this_thread::sleep_for(50ms);
        });
        for (int i = 0; i < 1000 && server->write_buffer_size() == 0; ++i) co_await sleep(5ms);
        const bool answering = server->write_buffer_size() > 0;
        bool freed = false;
        for (int i = 0; i < 1000 && !freed; ++i) {
            freed = server->active_connections() == 0;
            co_await sleep(10ms);
        }
        stop = true;
        client.join();
        EXPECT_TRUE(answering) << "the response never started";
        EXPECT_TRUE(freed) << "a client reading 640 bytes a second kept its connection";
        co_await server->shutdown(1s);
    };
    net::testing::run_net_test(main, 60s);
}

}  // namespace
}  // namespace looplab::reliability
