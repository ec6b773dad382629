// tests/reliability/load_test.cpp: 10,000 concurrent connections from looplab's ClientSession
// to looplab's HttpServer, and 10,000 tasks cancelled in the middle of their I/O.
//
// aiohttp: the connector's limit and cancellation tests; asyncio: test_tasks' cancellation
//
// tests/http/load_test.cpp runs the same load against the lab-serve binary; this one runs the
// library's server itself, forked (support/forked_server.hpp: each side needs its own 10,000
// descriptors), so a failure points at the code, not at a tool. Counts are scaled down under
// sanitizers (support/scale.hpp) and printed.
#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "http/client/client_session.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/net_test_loop.hpp"
#include "reliability/support/fd_limit.hpp"
#include "reliability/support/forked_server.hpp"
#include "reliability/support/scale.hpp"
#include "runtime/looplab.hpp"

namespace looplab::reliability {
namespace {

using namespace std::chrono_literals;

// How many connections fit: the limit, less room for the test's own descriptors.
std::size_t connection_count(std::size_t wanted) {
    const rlim_t fds = raise_fd_limit();  // the forked server raises its own
    const std::size_t n = std::min<std::size_t>(wanted, fds > 400 ? fds - 300 : 100);
    std::cout << "[ load     ] " << n << " connections (RLIMIT_NOFILE " << fds
              << (kSanitized ? ", sanitizer build" : "") << ")\n";
    return n;
}

http::HttpServerOptions load_server_options() {
    http::HttpServerOptions options;
    options.backlog = 4096;  // 10,000 SYNs at once; the kernel caps it at somaxconn
    return options;
}

Coro<std::string> fetch(http::ClientSession& session, std::string url) {
    http::ClientResponse response = co_await session.get(std::move(url));
    std::string body = co_await response.text();
    co_return std::to_string(response.status) + " " + body;
}

class ReliabilityLoad : public net::testing::NoFdLeaks {};

TEST_F(ReliabilityLoad, TenThousandConcurrentConnectionsToTheLooplabServerAllSucceed) {
    const std::size_t n = connection_count(scaled(10'000));
    ForkedServer server(load_server_options());
    const std::string url = server.url("/delay/200");  // long enough for all to overlap

    auto all = [&](EventLoop&) -> Coro<std::vector<std::string>> {
        http::ClientSessionOptions options;
        options.limit = n;  // one connection per request, all at once
        options.timeout.total = 60s;
        http::ClientSession session(options);
        std::vector<Coro<std::string>> requests;
        requests.reserve(n);
        for (std::size_t i = 0; i < n; ++i) requests.push_back(fetch(session, url));
        std::vector<std::string> bodies = co_await gather(std::move(requests));
        EXPECT_GE(session.peak_active_connections(), n / 2) << "they were not concurrent";
        EXPECT_EQ(session.connections_opened(), n);
        co_await session.close();
        co_return bodies;
    };
    const std::vector<std::string> bodies = net::testing::run_net_test(all, 120s);
    ASSERT_EQ(bodies.size(), n);
    std::size_t right = 0;
    for (const std::string& body : bodies) right += body == "200 Hello World!";
    EXPECT_EQ(right, n);
    const int status = server.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "server status " << status;
}

TEST_F(ReliabilityLoad, CancellingTenThousandRequestsInTheMiddleOfIoLeavesNoDescriptorOpen) {
    const std::size_t n = connection_count(scaled(10'000));
    ForkedServer server(load_server_options());
    const std::string url = server.url("/delay/60000");  // no answer before we cancel

    auto main = [&](EventLoop& loop) -> Coro<void> {
        http::ClientSessionOptions options;
        options.limit = n;
        http::ClientSession session(options);
        std::vector<Task<std::string>> tasks;
        tasks.reserve(n);
        for (std::size_t i = 0; i < n; ++i) tasks.push_back(loop.create_task(fetch(session, url)));
        // Wait (bounded) until every request has its connection: connecting, writing or
        // waiting for the response head. Then a little more, so most are past connect().
        for (int i = 0; i < 3000 && session.active_connections() < n; ++i) co_await sleep(10ms);
        EXPECT_EQ(session.active_connections(), n);
        co_await sleep(200ms);
        for (Task<std::string>& task : tasks) task.cancel();
        std::size_t cancelled = 0;
        for (Task<std::string>& task : tasks) {
            try {
                co_await task;
            } catch (const CancelledError&) {
                ++cancelled;
            }
        }
        EXPECT_EQ(cancelled, n) << "a request finished or failed instead of being cancelled";
        EXPECT_EQ(session.active_connections(), 0u);
        co_await session.close();
    };
    const long fds_before = net::testing::count_open_fds();
    net::testing::run_net_test(main, 120s);
    EXPECT_EQ(net::testing::count_open_fds(), fds_before) << "cancelled requests leaked sockets";
    const int status = server.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "server status " << status;
}

}  // namespace
}  // namespace looplab::reliability
