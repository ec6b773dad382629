// tests/net/async_socket_ops_test.cpp: sock_connect / sock_accept / sock_recv / sock_sendall.
//
// The lowest async layer: what the echo demo's sock_* version uses. Every test runs a real
// loopback connection on the real clock (net_test_loop.hpp).
#include "net/async_socket_ops.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <array>
#include <cstddef>
#include <string>
#include <utility>

#include "net/errors.hpp"
#include "net/socket_ops.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/loopback.hpp"
#include "support/net_test_loop.hpp"
#include "support/sha256.hpp"
#include "support/tcp_pair.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::run_net_test;

class AsyncSocketOpsTest : public testing::NoFdLeaks {};

// A listening non-blocking socket on 127.0.0.1, port chosen by the kernel.
std::pair<UniqueFd, SocketAddress> listen_non_blocking() {
    UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
    bind_address(fd.get(), SocketAddress::loopback(AF_INET, 0));
    start_listening(fd.get(), 16);
    SocketAddress address = local_address(fd.get());
    return {std::move(fd), address};
}

// Echoes one connection until end of stream, then closes it.
Coro<void> echo_one(EventLoop& loop, int listener) {
    Accepted accepted = co_await sock_accept(loop, listener);
    EXPECT_TRUE(accepted.address.is_loopback());
    for (;;) {
        std::string data = co_await sock_recv(loop, accepted.conn.get(), 64 * 1024);
        if (data.empty()) break;
        co_await sock_sendall(loop, accepted.conn.get(), data);
    }
}

// Everything fd receives until end of stream.
Coro<std::string> recv_to_eof(EventLoop& loop, int fd) {
    std::string all;
    std::array<char, 16 * 1024> buffer{};
    for (;;) {
        const std::size_t n = co_await sock_recv_into(loop, fd, std::span<char>(buffer));
        if (n == 0) co_return all;
        all.append(buffer.data(), n);
    }
}

TEST_F(AsyncSocketOpsTest, AnEchoRoundTripWorksWithTheSockFunctionsAlone) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto [listener, address] = listen_non_blocking();
        Task<void> server = loop.create_task(echo_one(loop, listener.get()));

        UniqueFd client = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
        co_await sock_connect(loop, client.get(), address);
        co_await sock_sendall(loop, client.get(), "hello, loop");
        ::shutdown(client.get(), SHUT_WR);
        EXPECT_EQ(co_await recv_to_eof(loop, client.get()), "hello, loop");
        co_await server;
    });
}

TEST_F(AsyncSocketOpsTest, OneMebibyteArrivesIntactThroughSendallAndRecvInto) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        testing::TcpPair pair = testing::tcp_pair();
        const std::string payload = testing::PatternSource().next(1 << 20);

        // The sender outpaces the socket buffers, so sendall must wait for writability and
        // the receiver for readability, many times over.
        Task<void> sender =
            loop.create_task([](EventLoop& l, int fd, const std::string& data) -> Coro<void> {
                co_await sock_sendall(l, fd, data);
                ::shutdown(fd, SHUT_WR);
            }(loop, pair.client.get(), payload));
        const std::string received = co_await recv_to_eof(loop, pair.server.get());
        co_await sender;
        EXPECT_EQ(received.size(), payload.size());
        EXPECT_EQ(testing::Sha256::of(received), testing::Sha256::of(payload));
    });
}

TEST_F(AsyncSocketOpsTest, ARecvThatHasDataWaitingDoesNotRegisterAReader) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        testing::TcpPair pair = testing::tcp_pair();
        CO_ASSERT_EQ(send_nosignal(pair.client.get(), "ready", 5), 5);
        co_await sleep(20ms);  // let it cross loopback
        const std::size_t registered = loop.selector().size();
        const std::uint64_t iteration = loop.iteration_count();
        EXPECT_EQ(co_await sock_recv(loop, pair.server.get(), 100), "ready");
        EXPECT_EQ(loop.iteration_count(), iteration) << "the data was there: no wait needed";
        EXPECT_EQ(loop.selector().size(), registered);
    });
}

TEST_F(AsyncSocketOpsTest, CancellingAWaitingSockRecvLeavesNoReaderRegistered) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        testing::TcpPair pair = testing::tcp_pair();
        const int fd = pair.server.get();
        const std::size_t registered = loop.selector().size();

        Task<std::string> recv = loop.create_task(sock_recv(loop, fd, 100));
        co_await sleep(10ms);
        EXPECT_FALSE(recv.done());
        EXPECT_EQ(loop.selector().size(), registered + 1) << "the waiting recv watches its fd";

        recv.cancel();
        bool cancelled = false;
        try {
            (void)co_await recv;
        } catch (const CancelledError&) {
            cancelled = true;
        }
        EXPECT_TRUE(cancelled);
        EXPECT_EQ(loop.selector().size(), registered);
        EXPECT_FALSE(loop.remove_reader(fd)) << "the cancelled recv left its reader behind";

        // The socket is still usable by a later recv.
        EXPECT_EQ(send_nosignal(pair.client.get(), "later", 5), 5);
        EXPECT_EQ(co_await sock_recv(loop, fd, 100), "later");
    });
}

TEST_F(AsyncSocketOpsTest, SockRecvReturnsEmptyAtEndOfStream) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        testing::TcpPair pair = testing::tcp_pair();
        pair.client.reset();
        EXPECT_EQ(co_await sock_recv(loop, pair.server.get(), 100), "");
    });
}

TEST_F(AsyncSocketOpsTest, APeerResetSurfacesAsConnectionResetErrorFromSockRecv) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        testing::TcpPair pair = testing::tcp_pair();
        Task<std::string> recv = loop.create_task(sock_recv(loop, pair.server.get(), 100));
        co_await sleep(10ms);
        testing::close_with_reset(pair.client);
        EXPECT_THROW((void)co_await recv, ConnectionResetError);
    });
}

TEST_F(AsyncSocketOpsTest, SockConnectToAClosedPortIsRefusedAndNamesTheAddress) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const SocketAddress nobody = testing::closed_loopback_port();
        UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
        try {
            co_await sock_connect(loop, fd.get(), nobody);
            ADD_FAILURE() << "connected to " << nobody;
        } catch (const ConnectionRefusedError& e) {
            EXPECT_EQ(e.address(), nobody.to_string());
        }
    });
}

TEST_F(AsyncSocketOpsTest, DebugModeRejectsABlockingSocket) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        loop.set_debug(true);
        UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/false);
        EXPECT_THROW((void)co_await sock_recv(loop, fd.get(), 10), std::invalid_argument);
        loop.set_debug(false);
    });
}

}  // namespace
}  // namespace looplab::net
