// tests/tls/tls_load_test.cpp: 1,000 TLS connections at once on one loop, both ends in this
// process, and no descriptor left afterwards.
//
// asyncio: test_ssl.py's test_create_connection_ssl_1 run with many clients (its
//          test_start_tls_server_1 / the uvloop SSL stress tests).
//
// Every connection does a full handshake (the sessions are not reused: the point is 1,000
// handshakes and 1,000 SSLProtocols at once, not resumption), one echoed line, and a clean
// close_notify both ways. Under a sanitizer the count is a fifth (tests/reliability's rule).
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "net/support/fd_leak_check.hpp"
#include "net/support/net_test_loop.hpp"
#include "net/tls/tls.hpp"
#include "reliability/support/scale.hpp"
#include "runtime/gather.hpp"
#include "runtime/task.hpp"
#include "tls/support/test_certs.hpp"

namespace looplab::net::tls {
namespace {

using net::testing::run_net_test;

class TlsLoadTest : public net::testing::NoFdLeaks {
protected:
    void SetUp() override {
        (void)testing::pki();
        NoFdLeaks::SetUp();
    }
};

// Raises the soft descriptor limit to the hard one if needed; false if even that is too low.
bool allow_descriptors(rlim_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    if (limit.rlim_cur >= wanted) return true;
    if (limit.rlim_max < wanted) return false;
    limit.rlim_cur = limit.rlim_max;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

Coro<void> echo_line(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
    const std::string line = co_await reader->readline();
    writer->write(line);
    co_await writer->drain();
    const std::string rest = co_await reader->read();  // until the client's close_notify
    writer->close();
    co_await writer->wait_closed();
}

Coro<bool> client(EventLoop& loop, std::uint16_t port, SSLOptions ssl, int i) {
    auto connected = co_await open_connection(loop, "127.0.0.1", port, std::move(ssl));
    auto reader = connected.first;   // not structured bindings: clang 14 cannot
    auto writer = connected.second;  // capture those in a lambda
    const std::string line = "client " + std::to_string(i) + "\n";
    writer->write(line);
    const std::string echoed = co_await reader->readline();
    writer->close();
    co_await writer->wait_closed();
    co_return echoed == line;
}

TEST_F(TlsLoadTest, AThousandConcurrentTlsConnectionsAllSucceedAndLeaveNoDescriptor) {
    const int n = static_cast<int>(reliability::scaled(1000));
    std::cout << "[ load     ] " << n << " concurrent TLS connections" << std::endl;
    if (!allow_descriptors(static_cast<rlim_t>(2 * n + 100))) {
        GTEST_SKIP() << "RLIMIT_NOFILE's hard limit is below " << 2 * n + 100;
    }
    run_net_test(
        [n](EventLoop& loop) -> Coro<void> {
            ServerOptions options;
            options.backlog = n;  // every SYN finds room, none waits for a retransmit
            SSLOptions server_ssl;
            server_ssl.ssl = testing::server_context();
            std::shared_ptr<Server> server = co_await start_server(
                loop, echo_line, "127.0.0.1", 0, server_ssl, StreamReader::kDefaultLimit, options);
            const std::uint16_t port = server->sockets().at(0).address.port();
            SSLOptions client_ssl;
            client_ssl.ssl = testing::client_context();
            client_ssl.server_hostname = "localhost";
            client_ssl.reuse_sessions = false;
            std::vector<Coro<bool>> clients;
            for (int i = 0; i < n; ++i) clients.push_back(client(loop, port, client_ssl, i));
            const std::vector<bool> ok = co_await gather(std::move(clients));
            EXPECT_EQ(std::count(ok.begin(), ok.end(), true), n);
            server->close();
            co_await server->wait_closed();
        },
        std::chrono::seconds(110));
}

}  // namespace
}  // namespace looplab::net::tls
