// tests/net/blocking_socket_test.cpp: BlockingSocket against real loopback peers.
//
// How the failure cases are provoked, all on 127.0.0.1 / ::1:
// - refused: connect to a port that was bound and closed again; the kernel answers the SYN
//   with RST.
// - connect timeout: a listener with listen(fd, 0) that never accepts. Linux queues
//   backlog + 1 = 1 completed connection for accept(); once that slot is taken it drops further
//   SYNs without answering (tcp_conn_request counts them as ListenOverflows), and the client
//   only retransmits after its 1 s initial RTO. A connect given 200 ms therefore times out.
//   Checked on the development machine: the first connect completes at once, every later one
//   sees no SYN-ACK for as long as it waits.
// - read timeout: a server that accepts and sends nothing.
// - reset: the server sets SO_LINGER {on, 0 s} and closes, which sends RST instead of FIN.
#include "net/blocking_socket.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "net/errors.hpp"
#include "net/socket_ops.hpp"
#include "support/default_sigpipe.hpp"
#include "support/fd_leak_check.hpp"
#include "support/loopback.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::accept_one;
using testing::closed_loopback_port;
using testing::listen_on_loopback;
using testing::Listener;

class BlockingSocketTest : public testing::NoFdLeaks {};

// Reads until end of stream with a generous timeout per read.
std::string read_to_eof(BlockingSocket& socket) {
    std::string received;
    std::array<char, 4096> buffer{};
    for (;;) {
        const std::size_t n = socket.recv_some(buffer, 5s);
        if (n == 0) return received;
        received.append(buffer.data(), n);
    }
}

// Server side, plain syscalls: everything the peer sends until it shuts down writing.
std::string server_read_to_eof(int fd) {
    std::string received;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return received;
        received.append(buffer.data(), static_cast<std::size_t>(n));
    }
}

void abort_with_reset(UniqueFd& fd) {
    const linger abortive{1, 0};
    ASSERT_EQ(::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive), 0);
    fd.reset();  // RST, not FIN
}

TEST_F(BlockingSocketTest, ConnectToAClosedPortIsRefusedAndNamesTheAddress) {
    const SocketAddress nobody = closed_loopback_port();
    try {
        (void)BlockingSocket::connect({nobody}, 1s);
        FAIL() << "connected to " << nobody;
    } catch (const ConnectionRefusedError& e) {
        EXPECT_EQ(e.address(), nobody.to_string());
        EXPECT_EQ(std::string(e.what()),
                  "connection refused by " + nobody.to_string() + " (nothing is listening there)");
    }
}

TEST_F(BlockingSocketTest, ConnectTriesTheAddressesInOrderUntilOneAccepts) {
    const Listener listener = listen_on_loopback();
    const BlockingSocket socket =
        BlockingSocket::connect({closed_loopback_port(AF_INET6), listener.address}, 1s);
    EXPECT_EQ(socket.peer_address(), listener.address);
    EXPECT_EQ(peer_address(socket.fd()), listener.address);
    const UniqueFd accepted = accept_one(listener);
    EXPECT_EQ(peer_address(accepted.get()), socket.local_address());
}

TEST_F(BlockingSocketTest, WhenEveryAddressFailsTheFirstAddressesErrorIsThrown) {
    const SocketAddress first = closed_loopback_port(AF_INET6);
    const SocketAddress second = closed_loopback_port(AF_INET);
    try {
        (void)BlockingSocket::connect({first, second}, 1s);
        FAIL() << "connected";
    } catch (const ConnectionRefusedError& e) {
        EXPECT_EQ(e.address(), first.to_string());
    }
}

TEST_F(BlockingSocketTest, ConnectToAListenerWithAFullBacklogTimesOut) {
    const Listener listener = listen_on_loopback(AF_INET, /*backlog=*/0);

    // Take the one accept-queue slot with a completed handshake...
    const BlockingSocket first = BlockingSocket::connect({listener.address}, 2s);
    // ...and add a couple of handshakes the listener will drop, as a busy server would see.
    std::vector<UniqueFd> pending;
    for (int i = 0; i < 2; ++i) {
        UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
        const int started = ::connect(fd.get(), listener.address.data(), listener.address.size());
        ASSERT_TRUE(started == 0 || errno == EINPROGRESS) << "errno " << errno;
        pending.push_back(std::move(fd));
    }

    const auto started = Clock::now();
    try {
        (void)BlockingSocket::connect({listener.address}, 200ms);
        FAIL() << "connected to a listener whose backlog was full: this kernel did not drop the "
                  "SYN, so this test cannot provoke a connect timeout here";
    } catch (const ConnectTimeoutError& e) {
        const auto elapsed = Clock::now() - started;
        EXPECT_EQ(e.address(), listener.address.to_string());
        EXPECT_EQ(e.waited(), 200ms);
        EXPECT_EQ(e.code(), std::errc::timed_out);
        EXPECT_GE(elapsed, 200ms);
        EXPECT_LT(elapsed, 5s);
    }
}

TEST_F(BlockingSocketTest, SendAndReceiveRoundTripThroughAServerThread) {
    const Listener listener = listen_on_loopback();
    // Large enough that send_all must loop and the reads come back in many pieces.
    std::string request(1 << 20, '\0');
    for (std::size_t i = 0; i < request.size(); ++i)
        request[i] = static_cast<char>(i * 7 + i / 251);

    std::string server_received;
    std::thread server([&] {
        UniqueFd connection = accept_one(listener);
        server_received = server_read_to_eof(connection.get());
        // Reply only after the request is complete, like an HTTP server: the reply is the
        // request reversed, so an echo of the wrong bytes cannot pass.
        const std::string reply(server_received.rbegin(), server_received.rend());
        std::string_view left = reply;
        while (!left.empty()) {
            const ssize_t n = send_nosignal(connection.get(), left.data(), left.size());
            if (n <= 0) break;
            left.remove_prefix(static_cast<std::size_t>(n));
        }
    });

    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    socket.send_all(request);
    socket.shutdown_write();
    const std::string reply = read_to_eof(socket);
    server.join();

    EXPECT_EQ(server_received.size(), request.size());
    EXPECT_TRUE(server_received == request);
    EXPECT_TRUE(reply == std::string(request.rbegin(), request.rend()));
}

TEST_F(BlockingSocketTest, WorksOverIpv6Loopback) {
    const Listener listener = listen_on_loopback(AF_INET6);
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    UniqueFd connection = accept_one(listener);
    socket.send_all(std::string_view("ping"));
    std::array<char, 16> buffer{};
    ASSERT_EQ(::recv(connection.get(), buffer.data(), buffer.size(), 0), 4);
    ASSERT_EQ(send_nosignal(connection.get(), "pong", 4), 4);
    ASSERT_EQ(socket.recv_some(buffer, 1s), 4u);
    EXPECT_EQ(std::string_view(buffer.data(), 4), "pong");
}

TEST_F(BlockingSocketTest, RecvReturnsZeroWhenThePeerCloses) {
    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    accept_one(listener).reset();  // accept and close at once: FIN
    std::array<std::byte, 16> buffer{};
    EXPECT_EQ(socket.recv_some(buffer, 1s), 0u);
}

TEST_F(BlockingSocketTest, ReadTimeoutFiresWhenThePeerSendsNothingAndTheSocketStaysUsable) {
    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    const UniqueFd connection = accept_one(listener);
    std::array<char, 16> buffer{};

    const auto started = Clock::now();
    try {
        (void)socket.recv_some(buffer, 100ms);
        FAIL() << "received data nobody sent";
    } catch (const ReadTimeoutError& e) {
        EXPECT_GE(Clock::now() - started, 100ms);
        EXPECT_EQ(e.waited(), 100ms);
        EXPECT_EQ(e.address(), listener.address.to_string());
    }

    ASSERT_TRUE(socket.is_open());
    ASSERT_EQ(send_nosignal(connection.get(), "late", 4), 4);
    EXPECT_EQ(socket.recv_some(buffer, 1s), 4u);
}

TEST_F(BlockingSocketTest, NoTimeoutAndHugeTimeoutsWaitUntilDataArrives) {
    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, BlockingSocket::no_timeout);
    const UniqueFd connection = accept_one(listener);
    std::thread server([&] {
        std::this_thread::sleep_for(50ms);
        (void)send_nosignal(connection.get(), "ab", 2);
    });
    std::array<char, 1> buffer{};
    EXPECT_EQ(socket.recv_some(buffer, BlockingSocket::no_timeout), 1u);
    EXPECT_EQ(socket.recv_some(buffer, std::chrono::milliseconds::max()), 1u);
    server.join();
}

TEST_F(BlockingSocketTest, APeerResetSurfacesAsConnectionResetError) {
    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    UniqueFd connection = accept_one(listener);
    abort_with_reset(connection);

    std::array<char, 16> buffer{};
    try {
        (void)socket.recv_some(buffer, 1s);
        FAIL() << "a reset connection read normally";
    } catch (const ConnectionResetError& e) {
        EXPECT_EQ(e.address(), listener.address.to_string());
        EXPECT_NE(std::string(e.what()).find("connection reset by"), std::string::npos);
    }
}

TEST_F(BlockingSocketTest, SendingAfterAPeerResetIsAConnectionErrorNotASigpipe) {
    const testing::DefaultSigpipe default_sigpipe;  // so a SIGPIPE would end the test binary
    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    UniqueFd connection = accept_one(listener);
    abort_with_reset(connection);

    // The first send may still be accepted into the buffer before the RST is processed; the
    // kernel then reports the reset (ECONNRESET) or the dead connection (EPIPE).
    EXPECT_THROW(
        {
            for (int i = 0; i < 100; ++i) {
                socket.send_all(std::string_view("data"));
                std::this_thread::sleep_for(1ms);
            }
        },
        ConnectionError);
}

TEST_F(BlockingSocketTest, SendingAfterShutdownWriteIsABrokenPipe) {
    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    const UniqueFd connection = accept_one(listener);
    socket.shutdown_write();
    std::array<char, 4> buffer{};
    EXPECT_EQ(::recv(connection.get(), buffer.data(), buffer.size(), 0), 0) << "FIN expected";
    EXPECT_THROW(socket.send_all(std::string_view("more")), BrokenPipeError);
}

TEST_F(BlockingSocketTest, IoOnAClosedSocketThrowsTransportClosedError) {
    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    const UniqueFd connection = accept_one(listener);
    socket.close();
    socket.close();  // idempotent
    EXPECT_FALSE(socket.is_open());
    EXPECT_EQ(socket.fd(), -1);
    std::array<char, 4> buffer{};
    EXPECT_THROW(socket.send_all(std::string_view("x")), TransportClosedError);
    EXPECT_THROW((void)socket.recv_some(buffer, 1s), TransportClosedError);
    EXPECT_THROW(socket.shutdown_write(), TransportClosedError);
    EXPECT_EQ(socket.peer_address(), listener.address) << "kept for messages";
}

TEST_F(BlockingSocketTest, AMovedFromSocketIsClosed) {
    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    const UniqueFd connection = accept_one(listener);
    const BlockingSocket moved = std::move(socket);
    EXPECT_TRUE(moved.is_open());
    EXPECT_FALSE(socket.is_open());  // NOLINT(bugprone-use-after-move): that is the point
}

TEST_F(BlockingSocketTest, AConnectedSocketIsBlockingCloseOnExecAndHasNodelay) {
    const Listener listener = listen_on_loopback();
    const BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    const UniqueFd connection = accept_one(listener);
    int nodelay = 0;
    socklen_t length = sizeof nodelay;
    ASSERT_EQ(::getsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &nodelay, &length), 0);
    EXPECT_NE(nodelay, 0);
    EXPECT_EQ(::fcntl(socket.fd(), F_GETFL) & O_NONBLOCK, 0);
    EXPECT_NE(::fcntl(socket.fd(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST_F(BlockingSocketTest, BadArgumentsAreRejectedBeforeAnyIo) {
    EXPECT_THROW((void)BlockingSocket::connect({}, 1s), std::invalid_argument);
    EXPECT_THROW((void)BlockingSocket::connect({SocketAddress::loopback(AF_INET, 1)}, -5ms),
                 std::invalid_argument);

    const Listener listener = listen_on_loopback();
    BlockingSocket socket = BlockingSocket::connect({listener.address}, 1s);
    const UniqueFd connection = accept_one(listener);
    EXPECT_THROW((void)socket.recv_some(std::span<char>(), 1s), std::invalid_argument);
}

}  // namespace
}  // namespace looplab::net
