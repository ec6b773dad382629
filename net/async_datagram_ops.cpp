// net/async_datagram_ops.cpp: recvfrom / sendto, waiting for readiness only on EAGAIN.
#include "net/async_datagram_ops.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>

#include "net/detail/wait_fd.hpp"
#include "net/errors.hpp"

namespace looplab::net {

namespace {

using detail::Direction;
using detail::wait_until;
using detail::would_block;

SocketAddress sender_of(const sockaddr_storage& storage, socklen_t length) {
    auto address =
        SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&storage), length);
    if (!address) throw NetError(EAFNOSUPPORT, "recvfrom", {});
    return *address;
}

}  // namespace

Coro<DatagramInto> sock_recvfrom_into(EventLoop& loop, int fd, std::span<std::byte> buffer,
                                      std::size_t nbytes) {
    detail::check_non_blocking(loop, fd, "sock_recvfrom_into");
    if (nbytes > buffer.size()) {
        throw std::invalid_argument("sock_recvfrom_into: nbytes is larger than the buffer");
    }
    const std::size_t want = nbytes == 0 ? buffer.size() : nbytes;
    for (;;) {
        sockaddr_storage storage{};
        socklen_t length = sizeof storage;
        const ssize_t n =
            ::recvfrom(fd, buffer.data(), want, 0, reinterpret_cast<sockaddr*>(&storage), &length);
        if (n >= 0) co_return DatagramInto{static_cast<std::size_t>(n), sender_of(storage, length)};
        const int err = errno;
        if (err == EINTR) continue;
        if (!would_block(err)) throw_os_error(err, "recvfrom", {});
        co_await wait_until(loop, fd, Direction::readable);
    }
}

Coro<Datagram> sock_recvfrom(EventLoop& loop, int fd, std::size_t max_bytes) {
    std::string data(max_bytes, '\0');
    DatagramInto got =
        co_await sock_recvfrom_into(loop, fd, std::as_writable_bytes(std::span<char>(data)));
    data.resize(got.size);
    co_return Datagram{std::move(data), got.address};
}

Coro<std::size_t> sock_sendto(EventLoop& loop, int fd, std::span<const std::byte> data,
                              SocketAddress address) {
    detail::check_non_blocking(loop, fd, "sock_sendto");
    for (;;) {
        const ssize_t n =
            ::sendto(fd, data.data(), data.size(), MSG_NOSIGNAL, address.data(), address.size());
        if (n >= 0) co_return static_cast<std::size_t>(n);
        const int err = errno;
        if (err == EINTR) continue;
        if (!would_block(err)) throw_os_error(err, "sendto", address.to_string());
        co_await wait_until(loop, fd, Direction::writable);
    }
}

Coro<std::size_t> sock_sendto(EventLoop& loop, int fd, std::string_view data,
                              SocketAddress address) {
    return sock_sendto(loop, fd, std::as_bytes(std::span<const char>(data.data(), data.size())),
                       address);
}

}  // namespace looplab::net
