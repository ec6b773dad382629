// net/detail/try_accept.hpp: one non-blocking accept(), for sock_accept() and Server.
//
// asyncio: the `sock.accept(); conn.setblocking(False)` pair in selector_events.py
//          (_sock_accept and _accept_connection).
// libuv:   uv__accept() in src/unix/core.c (accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC).
//
// The accepted socket must be non-blocking (the loop drives it) and close-on-exec (a child
// process must not inherit a client connection). accept4() sets both atomically; where it does
// not exist they are set right after accept(), as socket_ops.cpp does for socket().
#pragma once

#include <fcntl.h>
#include <sys/socket.h>

#include <cerrno>
#include <optional>

#include "net/socket_address.hpp"
#include "net/socket_ops.hpp"
#include "net/unique_fd.hpp"

namespace looplab::net::detail {

// What one accept() gave: a connection and its peer's address, or the errno (never 0).
struct AcceptAttempt {
    UniqueFd conn;                         // the new connection; empty when error != 0
    std::optional<SocketAddress> address;  // the peer (nullopt for a non-IP peer, or on error)
    int error = 0;                         // errno of a failed accept (EAGAIN: nothing queued)
};

// Never blocks on a non-blocking listener, never throws for accept()'s own errors: callers
// treat EAGAIN, ECONNABORTED and EMFILE differently, and a throw per empty queue would be slow.
inline AcceptAttempt try_accept(int listen_fd) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    auto* peer = reinterpret_cast<sockaddr*>(&storage);
#if defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC)
    const int fd = ::accept4(listen_fd, peer, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
#else
    const int fd = ::accept(listen_fd, peer, &length);
#endif
    AcceptAttempt attempt;
    if (fd < 0) {
        attempt.error = errno;
        return attempt;
    }
    attempt.conn = UniqueFd(fd);
#if !(defined(SOCK_NONBLOCK) && defined(SOCK_CLOEXEC))
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    set_non_blocking(fd, true);
#endif
    attempt.address = SocketAddress::from_sockaddr(peer, length);
    return attempt;
}

}  // namespace looplab::net::detail
