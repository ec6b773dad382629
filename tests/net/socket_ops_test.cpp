// tests/net/socket_ops_test.cpp: the syscall wrappers, on real loopback sockets.
#include "net/socket_ops.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <string_view>

#include "net/errors.hpp"
#include "support/default_sigpipe.hpp"
#include "support/fd_leak_check.hpp"
#include "support/loopback.hpp"

namespace looplab::net {
namespace {

using testing::accept_one;
using testing::closed_loopback_port;
using testing::DefaultSigpipe;
using testing::listen_on_loopback;

class SocketOpsTest : public testing::NoFdLeaks {};

bool has_fd_flag(int fd, int flag) {
    return (::fcntl(fd, F_GETFD) & flag) != 0;
}
bool has_status_flag(int fd, int flag) {
    return (::fcntl(fd, F_GETFL) & flag) != 0;
}

int int_option(int fd, int level, int option) {
    int value = -1;
    socklen_t length = sizeof value;
    EXPECT_EQ(::getsockopt(fd, level, option, &value, &length), 0);
    return value;
}

TEST_F(SocketOpsTest, MakeSocketAlwaysSetsCloseOnExec) {
    const UniqueFd blocking = make_socket(AF_INET, SOCK_STREAM, false);
    const UniqueFd non_blocking = make_socket(AF_INET6, SOCK_STREAM, true);
    EXPECT_TRUE(has_fd_flag(blocking.get(), FD_CLOEXEC));
    EXPECT_TRUE(has_fd_flag(non_blocking.get(), FD_CLOEXEC));
    EXPECT_FALSE(has_status_flag(blocking.get(), O_NONBLOCK));
    EXPECT_TRUE(has_status_flag(non_blocking.get(), O_NONBLOCK));
}

TEST_F(SocketOpsTest, MakeSocketReportsAnUnsupportedFamily) {
    EXPECT_THROW(make_socket(-1, SOCK_STREAM, false), NetError);
}

TEST_F(SocketOpsTest, SetNonBlockingTogglesONonblock) {
    const UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, false);
    set_non_blocking(fd.get(), true);
    EXPECT_TRUE(has_status_flag(fd.get(), O_NONBLOCK));
    set_non_blocking(fd.get(), false);
    EXPECT_FALSE(has_status_flag(fd.get(), O_NONBLOCK));
}

TEST_F(SocketOpsTest, BooleanOptionsCanBeReadBack) {
    const UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, false);
    set_tcp_nodelay(fd.get(), true);
    EXPECT_NE(int_option(fd.get(), IPPROTO_TCP, TCP_NODELAY), 0);
    set_tcp_nodelay(fd.get(), false);
    EXPECT_EQ(int_option(fd.get(), IPPROTO_TCP, TCP_NODELAY), 0);
    set_reuse_address(fd.get(), true);
    EXPECT_NE(int_option(fd.get(), SOL_SOCKET, SO_REUSEADDR), 0);
    set_reuse_port(fd.get(), true);
    EXPECT_NE(int_option(fd.get(), SOL_SOCKET, SO_REUSEPORT), 0);
    set_reuse_port(fd.get(), false);
    EXPECT_EQ(int_option(fd.get(), SOL_SOCKET, SO_REUSEPORT), 0);
}

TEST_F(SocketOpsTest, BindingToPortZeroLetsTheKernelPickThePortGetsocknameReports) {
    for (const int family : {AF_INET, AF_INET6}) {
        const UniqueFd listener = make_socket(family, SOCK_STREAM, false);
        bind_address(listener.get(), SocketAddress::loopback(family, 0));
        start_listening(listener.get(), 4);
        const SocketAddress bound = local_address(listener.get());
        EXPECT_EQ(bound.family(), family);
        EXPECT_NE(bound.port(), 0);
        EXPECT_TRUE(bound.is_loopback());

        // The reported port is the real one: a client can connect to it.
        const UniqueFd client = make_socket(family, SOCK_STREAM, false);
        ASSERT_EQ(::connect(client.get(), bound.data(), bound.size()), 0) << bound;
        EXPECT_EQ(peer_address(client.get()), bound);
        const UniqueFd server_side(::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC));
        EXPECT_EQ(peer_address(server_side.get()), local_address(client.get()));
    }
}

TEST_F(SocketOpsTest, BindingAnAddressInUseThrowsAndNamesTheAddress) {
    const auto listener = listen_on_loopback();
    const UniqueFd second = make_socket(AF_INET, SOCK_STREAM, false);
    try {
        bind_address(second.get(), listener.address);
        FAIL() << "bound twice to " << listener.address;
    } catch (const NetError& e) {
        EXPECT_EQ(e.code(), std::errc::address_in_use);
        EXPECT_EQ(e.address(), listener.address.to_string());
        EXPECT_NE(std::string_view(e.what()).find(listener.address.to_string()),
                  std::string_view::npos);
    }
}

TEST_F(SocketOpsTest, PeerAddressOfAnUnconnectedSocketThrows) {
    const UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, false);
    try {
        (void)peer_address(fd.get());
        FAIL() << "an unconnected socket has no peer";
    } catch (const NetError& e) {
        EXPECT_EQ(e.code(), std::errc::not_connected);
    }
}

TEST_F(SocketOpsTest, SocketErrorReportsTheOutcomeOfANonBlockingConnectAndThenClears) {
    const SocketAddress nobody = closed_loopback_port();
    const UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, true);
    const int started = ::connect(fd.get(), nobody.data(), nobody.size());
    const int connect_errno = errno;
    if (started != 0 && connect_errno == ECONNREFUSED) {
        GTEST_SKIP() << "the kernel refused synchronously; nothing left for SO_ERROR to report";
    }
    ASSERT_NE(started, 0);
    ASSERT_EQ(connect_errno, EINPROGRESS);

    pollfd entry{fd.get(), POLLOUT, 0};
    ASSERT_EQ(::poll(&entry, 1, 5000), 1) << "the handshake never finished";
    EXPECT_EQ(socket_error(fd.get()), ECONNREFUSED);
    EXPECT_EQ(socket_error(fd.get()), 0) << "reading SO_ERROR clears it";
}

TEST_F(SocketOpsTest, SocketErrorIsZeroOnceANonBlockingConnectSucceeds) {
    const auto listener = listen_on_loopback();
    const UniqueFd fd = make_socket(AF_INET, SOCK_STREAM, true);
    const int started = ::connect(fd.get(), listener.address.data(), listener.address.size());
    ASSERT_TRUE(started == 0 || errno == EINPROGRESS);
    pollfd entry{fd.get(), POLLOUT, 0};
    ASSERT_EQ(::poll(&entry, 1, 5000), 1);
    EXPECT_EQ(socket_error(fd.get()), 0);
    const UniqueFd accepted = accept_one(listener);
    EXPECT_TRUE(accepted);
}

TEST_F(SocketOpsTest, SocketErrorOnSomethingThatIsNotASocketThrows) {
    int ends[2];
    ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
    const UniqueFd read_end(ends[0]);
    const UniqueFd write_end(ends[1]);
    try {
        (void)socket_error(read_end.get());
        FAIL() << "a pipe has no SO_ERROR";
    } catch (const NetError& e) {
        EXPECT_EQ(e.code().value(), ENOTSOCK);
    }
}

TEST_F(SocketOpsTest, SendNosignalReturnsEpipeInsteadOfKillingTheProcess) {
    const DefaultSigpipe default_sigpipe;
    const auto listener = listen_on_loopback();
    const UniqueFd client = make_socket(AF_INET, SOCK_STREAM, false);
    ASSERT_EQ(::connect(client.get(), listener.address.data(), listener.address.size()), 0);
    const UniqueFd server_side = accept_one(listener);

    ASSERT_EQ(::shutdown(client.get(), SHUT_WR), 0);
    // With plain send() or write() this would raise SIGPIPE and end the test binary here.
    const ssize_t sent = send_nosignal(client.get(), "x", 1);
    const int err = errno;
    EXPECT_EQ(sent, -1);
    EXPECT_EQ(err, EPIPE);
}

TEST_F(SocketOpsTest, SendNosignalReportsAFullNonBlockingBufferAsEagain) {
    const auto listener = listen_on_loopback();
    const UniqueFd client = make_socket(AF_INET, SOCK_STREAM, false);
    ASSERT_EQ(::connect(client.get(), listener.address.data(), listener.address.size()), 0);
    const UniqueFd server_side = accept_one(listener);  // never reads
    set_non_blocking(client.get(), true);

    static char chunk[64 * 1024] = {};
    ssize_t sent = 0;
    long total = 0;
    // Both kernel buffers fill up after a few megabytes at most; the bound only stops a
    // runaway loop if they somehow never did.
    while (total < 256L * 1024 * 1024 &&
           (sent = send_nosignal(client.get(), chunk, sizeof chunk)) > 0) {
        total += sent;
    }
    const int err = errno;
    EXPECT_EQ(sent, -1);
    EXPECT_TRUE(err == EAGAIN || err == EWOULDBLOCK) << "errno " << err;
    EXPECT_GT(total, 0);
}

}  // namespace
}  // namespace looplab::net
