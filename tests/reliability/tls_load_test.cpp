// tests/reliability/tls_load_test.cpp: 1,000 concurrent https requests from looplab's
// ClientSession to looplab's HttpServer over TLS, each on a connection and a handshake of its
// own, and nothing left behind: every descriptor closed, and (under ASan) nothing leaked.
//
// aiohttp: the connector's limit tests with ssl=; curl: test 1000-range "many parallel TLS
// transfers". The server is forked (support/forked_server.hpp) so both sides have their own
// descriptors and their own CPU for the handshakes; the server's certificate comes from
// tests/tls/support/test_certs.hpp, made before the fork. Counts are scaled down under
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
#include "tls/support/test_certs.hpp"

namespace looplab::reliability {
namespace {

using namespace std::chrono_literals;

http::HttpServerOptions tls_server_options() {
    http::HttpServerOptions options;
    options.backlog = 4096;
    options.ssl = net::tls::testing::server_context();
    options.ssl->set_alpn_protocols({"http/1.1"});
    return options;
}

Coro<std::string> fetch(http::ClientSession& session, std::string url) {
    http::ClientResponse response = co_await session.get(std::move(url));
    std::string body = co_await response.text();
    co_return std::to_string(response.status) + " " + body;
}

class ReliabilityTlsLoad : public net::testing::NoFdLeaks {};

TEST_F(ReliabilityTlsLoad, AThousandConcurrentTlsRequestsAllSucceedAndLeaveNothingOpen) {
    raise_fd_limit();
    const std::size_t n = scaled(1'000);
    std::cout << "[ tls load ] " << n << " concurrent https connections"
              << (kSanitized ? " (sanitizer build)" : "") << "\n";
    ForkedServer server(tls_server_options());
    const std::string url =
        "https://127.0.0.1:" + std::to_string(server.port()) + "/delay/200";  // all overlap

    auto all = [&](EventLoop&) -> Coro<std::vector<std::string>> {
        http::ClientSessionOptions options;
        options.limit = n;  // one connection per request, all at once
        options.timeout.total = 90s;
        options.ssl = net::tls::testing::client_context();
        http::ClientSession session(options);
        std::vector<Coro<std::string>> requests;
        requests.reserve(n);
        for (std::size_t i = 0; i < n; ++i) requests.push_back(fetch(session, url));
        std::vector<std::string> bodies = co_await gather(std::move(requests));
        EXPECT_GE(session.peak_active_connections(), n / 2) << "they were not concurrent";
        EXPECT_EQ(session.connections_opened(), n);
        EXPECT_EQ(session.tls_handshakes(), n) << "a handshake per connection";
        co_await session.close();
        co_return bodies;
    };
    const long fds_before = net::testing::count_open_fds();
    const std::vector<std::string> bodies = net::testing::run_net_test(all, 180s);
    EXPECT_EQ(net::testing::count_open_fds(), fds_before) << "TLS connections leaked sockets";
    ASSERT_EQ(bodies.size(), n);
    std::size_t right = 0;
    for (const std::string& body : bodies) right += body == "200 Hello World!";
    EXPECT_EQ(right, n);
    const int status = server.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "server status " << status;
}

}  // namespace
}  // namespace looplab::reliability
