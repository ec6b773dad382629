// net/async_unix_ops.hpp: sock_connect for a Unix-domain socket.
//
// asyncio: loop.sock_connect(sock, path) on an AF_UNIX socket (selector_events.py).
//
//     UniqueFd sock = make_socket(AF_UNIX, SOCK_STREAM, /*non_blocking=*/true);
//     co_await sock_connect(loop, sock.get(), UnixAddress("/tmp/echo.sock"));
//
// The other sock_* coroutines (sock_recv, sock_recv_into, sock_sendall) work on Unix sockets as
// they are; connecting and accepting need an address, and a Unix address is not a
// SocketAddress, hence the two here.
//
// A Unix connect never goes "in progress" the way TCP's does: it succeeds or fails at once.
// The one case that must wait is a listener whose accept queue is full: a non-blocking connect
// then fails with EAGAIN and the connection was NOT made (unlike TCP's EINPROGRESS), and no
// readiness event announces room in someone else's queue. So it is retried after a pause that
// doubles from 1 ms to 100 ms, the way a blocking connect would wait for the server to catch up
// (asyncio waits for writability instead, which an unconnected Unix socket reports at once).
#pragma once

#include "net/unique_fd.hpp"
#include "net/unix_address.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// Connects fd (a non-blocking AF_UNIX SOCK_STREAM socket) to address. Throws
// ConnectionRefusedError (nothing listens there: a stale socket file), NetError with ENOENT (no
// such path) or EACCES (the file's permissions), or another NetError, each naming the address.
Coro<void> sock_connect(EventLoop& loop, int fd, UnixAddress address);

// A connection accepted on a listening Unix socket, non-blocking and close-on-exec, and its
// peer's address (unnamed, unless the client bound one).
struct UnixAccepted {
    UniqueFd conn;
    UnixAddress address;
};

// sock_accept (async_socket_ops.hpp) for a Unix listener: the same waits and errors.
Coro<UnixAccepted> sock_accept_unix(EventLoop& loop, int fd);

}  // namespace looplab::net
