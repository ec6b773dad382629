// net/async_socket_ops.cpp: try the syscall, wait for readiness only on EAGAIN, try again.
#include "net/async_socket_ops.hpp"

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <string>
#include <utility>

#include "net/detail/try_accept.hpp"
#include "net/detail/wait_fd.hpp"
#include "net/errors.hpp"
#include "net/fd_label.hpp"
#include "net/socket_ops.hpp"
#include "runtime/future.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

namespace {

using detail::check_non_blocking;
using detail::Direction;
using detail::wait_until;
using detail::would_block;

// The peer's address for error messages, or "" if the socket cannot say (not connected, or
// already reset, when getpeername fails with ENOTCONN).
std::string peer_name(int fd) {
    try {
        return peer_address(fd).to_string();
    } catch (const NetError&) {
        return {};
    }
}

}  // namespace

Coro<void> sock_connect(EventLoop& loop, int fd, SocketAddress address) {
    check_non_blocking(loop, fd, "sock_connect");
    if (::connect(fd, address.data(), address.size()) == 0) co_return;  // loopback may be instant
    const int err = errno;
    // EAGAIN from a TCP connect is not "try again" but "no local ports / routing entries left"
    // (see blocking_socket.cpp): a real failure, built directly since throw_os_error refuses it.
    if (would_block(err)) throw NetError(err, "connect", address.to_string());
    // EINPROGRESS: the handshake goes on in the background. EINTR: the same, POSIX says an
    // interrupted connect continues asynchronously.
    if (err != EINPROGRESS && err != EINTR) throw_os_error(err, "connect", address.to_string());
    co_await wait_until(loop, fd, Direction::writable, "sock_connect");
    const int outcome = socket_error(fd);
    if (outcome != 0) throw_os_error(outcome, "connect", address.to_string());
}

Coro<Accepted> sock_accept(EventLoop& loop, int fd) {
    check_non_blocking(loop, fd, "sock_accept");
    for (;;) {
        detail::AcceptAttempt attempt = detail::try_accept(fd);
        if (attempt.conn) {
            if (!attempt.address) throw NetError(EAFNOSUPPORT, "accept", {});
            co_return Accepted{std::move(attempt.conn), *attempt.address};
        }
        // ECONNABORTED: that client gave up while queued; the listener is fine, take the next.
        if (attempt.error == EINTR || attempt.error == ECONNABORTED) continue;
        if (!would_block(attempt.error)) {
            throw_os_error(attempt.error, "accept", local_address(fd).to_string());
        }
        co_await wait_until(loop, fd, Direction::readable, "sock_accept");
    }
}

Coro<std::size_t> sock_recv_into(EventLoop& loop, int fd, std::span<std::byte> buffer) {
    check_non_blocking(loop, fd, "sock_recv_into");
    for (;;) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n >= 0) co_return static_cast<std::size_t>(n);
        const int err = errno;
        if (err == EINTR) continue;
        if (!would_block(err)) throw_os_error(err, "recv", peer_name(fd));
        co_await wait_until(loop, fd, Direction::readable, "sock_recv");
    }
}

Coro<std::size_t> sock_recv_into(EventLoop& loop, int fd, std::span<char> buffer) {
    return sock_recv_into(loop, fd, std::as_writable_bytes(buffer));
}

Coro<std::string> sock_recv(EventLoop& loop, int fd, std::size_t max_bytes) {
    std::string data(max_bytes, '\0');
    const std::size_t n = co_await sock_recv_into(loop, fd, std::span<char>(data));
    data.resize(n);
    co_return data;
}

Coro<void> sock_sendall(EventLoop& loop, int fd, std::span<const std::byte> data) {
    check_non_blocking(loop, fd, "sock_sendall");
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = send_nosignal(fd, data.data() + sent, data.size() - sent);
        if (n >= 0) {
            sent += static_cast<std::size_t>(n);
            continue;
        }
        const int err = errno;
        if (err == EINTR) continue;
        if (!would_block(err)) throw_os_error(err, "send", peer_name(fd));
        co_await wait_until(loop, fd, Direction::writable, "sock_sendall");
    }
}

Coro<void> sock_sendall(EventLoop& loop, int fd, std::string_view data) {
    return sock_sendall(loop, fd, std::as_bytes(std::span<const char>(data.data(), data.size())));
}

}  // namespace looplab::net
