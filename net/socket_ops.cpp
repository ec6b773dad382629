// net/socket_ops.cpp: thin wrappers over socket syscalls that throw typed errors.
//
// Python: Modules/socketmodule.c, whose methods are the same one-syscall wrappers.
// libuv:  src/unix/core.c (uv__socket, uv__nonblock_ioctl/fcntl, uv__getsockpeername).
//
// Linux and the BSDs take SOCK_CLOEXEC / SOCK_NONBLOCK in socket(2) and MSG_NOSIGNAL in send(2);
// macOS has neither, so there the flags are set with fcntl right after socket() and SIGPIPE is
// suppressed per socket with SO_NOSIGPIPE. Only the Linux path is exercised by looplab's CI.
#include "net/socket_ops.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

#include "net/errors.hpp"

namespace looplab::net {

namespace {

void set_bool_option(int fd, int level, int option, bool on, std::string_view what) {
    const int value = on ? 1 : 0;
    if (::setsockopt(fd, level, option, &value, sizeof value) != 0) {
        throw_os_error(errno, what, {});
    }
}

// getsockname and getpeername have the same shape; this is it.
template <typename Call>
SocketAddress query_address(int fd, Call call, std::string_view what) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (call(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw_os_error(errno, what, {});
    }
    auto address = SocketAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length);
    if (!address) throw NetError(EAFNOSUPPORT, what, {});
    return *address;
}

}  // namespace

UniqueFd make_socket(int family, int type, bool non_blocking) {
#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
    UniqueFd fd(::socket(family, type | SOCK_CLOEXEC | (non_blocking ? SOCK_NONBLOCK : 0), 0));
    if (!fd) throw_os_error(errno, "socket", {});
#else
    // Not atomic: a fork() on another thread between these calls would inherit the socket.
    UniqueFd fd(::socket(family, type, 0));
    if (!fd) throw_os_error(errno, "socket", {});
    if (::fcntl(fd.get(), F_SETFD, FD_CLOEXEC) != 0) throw_os_error(errno, "fcntl(FD_CLOEXEC)", {});
    if (non_blocking) set_non_blocking(fd.get(), true);
#endif
#if !defined(MSG_NOSIGNAL) && defined(SO_NOSIGPIPE)
    set_bool_option(fd.get(), SOL_SOCKET, SO_NOSIGPIPE, true, "setsockopt(SO_NOSIGPIPE)");
#endif
    return fd;
}

void set_non_blocking(int fd, bool on) {
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0) throw_os_error(errno, "fcntl(F_GETFL)", {});
    const int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
    if (wanted != flags && ::fcntl(fd, F_SETFL, wanted) != 0) {
        throw_os_error(errno, "fcntl(F_SETFL)", {});
    }
}

void set_tcp_nodelay(int fd, bool on) {
    set_bool_option(fd, IPPROTO_TCP, TCP_NODELAY, on, "setsockopt(TCP_NODELAY)");
}

void set_reuse_address(int fd, bool on) {
    set_bool_option(fd, SOL_SOCKET, SO_REUSEADDR, on, "setsockopt(SO_REUSEADDR)");
}

void set_reuse_port(int fd, bool on) {
    set_bool_option(fd, SOL_SOCKET, SO_REUSEPORT, on, "setsockopt(SO_REUSEPORT)");
}

int socket_error(int fd) {
    int error = 0;
    socklen_t length = sizeof error;
    if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) {
        throw_os_error(errno, "getsockopt(SO_ERROR)", {});
    }
    return error;
}

SocketAddress local_address(int fd) {
    return query_address(fd, ::getsockname, "getsockname");
}

SocketAddress peer_address(int fd) {
    return query_address(fd, ::getpeername, "getpeername");
}

void bind_address(int fd, const SocketAddress& address) {
    if (::bind(fd, address.data(), address.size()) != 0) {
        throw_os_error(errno, "bind", address.to_string());
    }
}

void start_listening(int fd, int backlog) {
    if (::listen(fd, backlog) != 0) throw_os_error(errno, "listen", {});
}

ssize_t send_nosignal(int fd, const void* data, std::size_t length) noexcept {
#if defined(MSG_NOSIGNAL)
    return ::send(fd, data, length, MSG_NOSIGNAL);
#else
    return ::send(fd, data, length, 0);  // SO_NOSIGPIPE was set by make_socket
#endif
}

}  // namespace looplab::net
