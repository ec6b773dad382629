// net/socket_ops.hpp: the socket syscalls net/ uses, one small named function each.
//
// Python: the methods of socket.socket (setblocking, setsockopt, getsockname, getpeername, bind,
//         listen, send) and the socket module's SOCK_CLOEXEC-by-default (PEP 446).
// libuv:  src/unix/core.c and tcp.c: uv__socket(), uv__nonblock(), uv__tcp_nodelay(),
//         uv__getsockpeername().
//
// Why wrap calls this thin: each wrapper does the one thing a bare syscall makes easy to forget
// (CLOEXEC, the right option level, the length argument, MSG_NOSIGNAL) and turns failure into an
// exception that names the operation and the address (errors.hpp). The exception is
// send_nosignal(), which keeps errno semantics because its callers must tell EAGAIN ("the kernel
// buffer is full, wait for writability") from real errors, and that is cheaper without a throw.
//
// All functions take a raw descriptor and never take ownership: the caller's UniqueFd owns it.
// None of them knows about the event loop; transports call them from loop callbacks.
#pragma once

#include <sys/types.h>

#include <cstddef>

#include "net/socket_address.hpp"
#include "net/unique_fd.hpp"

namespace looplab::net {

// A new socket with close-on-exec always set (a child process started by the executor or a
// subprocess must not inherit our connections: a leaked listening socket keeps the port busy
// after we exit) and O_NONBLOCK if non_blocking. Both flags are set atomically by socket(2), so
// no other thread can fork in between. type is SOCK_STREAM or SOCK_DGRAM. Throws NetError.
UniqueFd make_socket(int family, int type, bool non_blocking);

// Sets or clears O_NONBLOCK. Non-blocking sockets are the basis of the event loop: a call that
// would wait returns EAGAIN instead, and the loop waits for readiness on many sockets at once.
// Throws NetError.
void set_non_blocking(int fd, bool on);

// Sets or clears TCP_NODELAY, which turns Nagle's algorithm off so small writes go out at once
// instead of waiting for the previous segment to be acknowledged. asyncio sets it on every TCP
// transport since 3.6 (write/write/read protocols like HTTP otherwise stall on the peer's
// delayed ACK). Throws NetError.
void set_tcp_nodelay(int fd, bool on);

// SO_REUSEADDR: lets a server bind its port again while old connections sit in TIME_WAIT,
// so a restarted server does not fail with "address already in use". asyncio's create_server
// sets it on Unix. Throws NetError.
void set_reuse_address(int fd, bool on);

// SO_REUSEPORT: lets several sockets bind the same address and port, with the kernel spreading
// incoming connections across them (one listener per process or thread). Throws NetError.
void set_reuse_port(int fd, bool on);

// The socket's pending error (SO_ERROR), which reading clears; 0 for none. This is how a
// non-blocking connect reports its outcome: connect() returns EINPROGRESS, the socket becomes
// writable when the handshake ends either way, and SO_ERROR then says 0 (connected) or the
// errno the connect would have failed with (ECONNREFUSED, ETIMEDOUT, ...). Throws NetError if
// getsockopt itself fails (fd is not a socket).
[[nodiscard]] int socket_error(int fd);

// getsockname(2): the address the socket is bound to, e.g. the port the kernel chose after
// binding to port 0. Throws NetError (also if the socket is not IPv4/IPv6).
SocketAddress local_address(int fd);

// getpeername(2): the address of the connected peer. Throws NetError (ENOTCONN when the socket
// is not connected, also once the peer reset it).
SocketAddress peer_address(int fd);

// bind(2) to address. Throws NetError naming the address ("address already in use" and so on).
void bind_address(int fd, const SocketAddress& address);

// listen(2) with the given backlog: the number of fully established connections the kernel
// queues for accept() (Linux accepts backlog + 1 before it starts dropping handshakes).
// Throws NetError.
void start_listening(int fd, int backlog);

// send(2) with MSG_NOSIGNAL: returns the number of bytes the kernel took, or -1 with errno set
// (EAGAIN on a full non-blocking socket, EINTR, EPIPE, ECONNRESET, ...). Does not throw.
//
// Every write to a socket in looplab goes through here, never through write(2): writing to a
// connection the peer has reset raises SIGPIPE, whose default action kills the process without
// a word. MSG_NOSIGNAL turns that into an EPIPE return for this call only, without touching the
// process-wide signal disposition the way signal(SIGPIPE, SIG_IGN) would (a library must not
// change that behind the application's back; CPython ignores SIGPIPE at interpreter start-up,
// which is the application's call to make, not ours).
[[nodiscard]] ssize_t send_nosignal(int fd, const void* data, std::size_t length) noexcept;

}  // namespace looplab::net
