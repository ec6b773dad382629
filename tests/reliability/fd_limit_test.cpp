// tests/reliability/fd_limit_test.cpp: HttpServer with almost no descriptors to spare.
//
// asyncio: BaseSelectorEventLoop._accept_connection's EMFILE handling ("pause accepting for
//          a second"); libuv: the reserve-fd trick of uv__emfile_trick
//
// A server that runs out of descriptors must neither crash nor spin on a listening socket
// that stays readable: it serves the connections it has, answers every other one 503 from its
// reserved descriptor (net/transport/server.hpp: emfile_reply) instead of leaving it in the
// backlog in silence, and serves new connections once descriptors are free again. The server
// is forked with RLIMIT_NOFILE a few descriptors above what it has open
// (support/forked_server.hpp), so only a handful of the 30 clients fit at once.
#include <gtest/gtest.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "net/support/fd_leak_check.hpp"
#include "reliability/support/forked_server.hpp"
#include "reliability/support/raw_client.hpp"

namespace looplab::reliability {
namespace {

using namespace std::chrono_literals;

constexpr int kClients = 30;

struct Client {
    std::unique_ptr<RawClient> socket;
    std::string received;
    bool served() const { return received.find("Hello World!") != std::string::npos; }
    bool refused() const {
        return received.starts_with("HTTP/1.1 503 ") && received.ends_with("try again\n");
    }
    bool answered() const { return served() || refused(); }
};

// Reads whatever arrives for `wait` (no poll blocks longer than that); returns how many
// clients have their whole answer (served or refused) afterwards.
int collect(std::vector<Client>& clients, std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
        std::vector<pollfd> fds;
        for (Client& c : clients)
            if (c.socket && !c.answered()) fds.push_back({c.socket->fd(), POLLIN, 0});
        if (fds.empty()) break;
        if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
        for (Client& c : clients) {
            if (!c.socket || c.answered()) continue;
            pollfd p{c.socket->fd(), POLLIN, 0};
            if (::poll(&p, 1, 0) <= 0) continue;
            char buffer[4096];
            const ssize_t n = ::recv(c.socket->fd(), buffer, sizeof buffer, 0);
            if (n > 0) c.received.append(buffer, static_cast<std::size_t>(n));
        }
    }
    int answered = 0;
    for (const Client& c : clients) answered += c.answered();
    return answered;
}

class FdLimit : public net::testing::NoFdLeaks {};

TEST_F(FdLimit, AServerOutOfDescriptorsServesWhatItCanAndRecoversWhenTheyFree) {
    http::HttpServerOptions options;
    options.header_read_timeout = 30s;  // only the descriptor limit may hold clients back
    ForkedServer server(options, /*fd_headroom=*/6);
    std::vector<Client> clients(kClients);
    for (Client& c : clients) {
        c.socket = std::make_unique<RawClient>(server.port());  // the kernel's backlog accepts
        c.socket->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    // Phase 1: the server answers the few it could accept, and keeps them (keep-alive); every
    // other client is told 503 at once rather than left waiting.
    const int answered = collect(clients, 3000ms);
    int served = 0;
    for (const Client& c : clients) served += c.served();
    EXPECT_EQ(answered, kClients) << "some clients were left waiting without an answer";
    EXPECT_GE(served, 1) << "the server served nobody";
    EXPECT_LT(served, kClients) << "the descriptor limit did not bite: the test proves nothing";
    // Phase 2: everyone leaves; their descriptors free up on the server, which must then
    // serve new clients again.
    clients.clear();
    std::vector<Client> later(2);
    for (Client& c : later) {
        c.socket = std::make_unique<RawClient>(server.port());
        c.socket->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    int served_later = 0;
    for (int round = 0; round < 20 && served_later < 2; ++round) {
        collect(later, 500ms);
        served_later = 0;
        for (Client& c : later) served_later += c.served();
        // A client refused while the server was still closing the others tries again.
        for (Client& c : later) {
            if (!c.refused()) continue;
            std::this_thread::sleep_for(100ms);
            c.received.clear();
            c.socket = std::make_unique<RawClient>(server.port());
            c.socket->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        }
    }
    EXPECT_EQ(served_later, 2) << "the server did not recover once descriptors were free";
    later.clear();
    const int status = server.stop();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "server status " << status;
}

}  // namespace
}  // namespace looplab::reliability
