// net/async_socket_ops.hpp: sock_connect, sock_accept, sock_recv, sock_recv_into, sock_sendall.
//
// asyncio: loop.sock_connect / sock_accept / sock_recv / sock_recv_into / sock_sendall
//          (selector_events.py). The lowest async layer: a non-blocking socket plus the loop.
// libuv:   none at this level; uv_tcp_t goes straight to streams (uv_read_start / uv_write).
//
//     UniqueFd sock = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
//     co_await sock_connect(loop, sock.get(), *parse_numeric("127.0.0.1", 8888));
//     co_await sock_sendall(loop, sock.get(), "hello");
//     std::string reply = co_await sock_recv(loop, sock.get(), 1024);
//
// Every operation follows asyncio's recipe:
//   1. try the syscall at once: most of the time the data is there (or the send buffer has
//      room) and no readiness wait, no registration and no syscall to the selector is needed;
//   2. only on EAGAIN, register interest (add_reader / add_writer) with a callback that
//      completes a Future, and await the Future;
//   3. when it completes, the registration is removed and the syscall is tried again (a
//      readiness event is a hint, not a promise: another reader may have taken the data).
// The registration lives exactly as long as the wait: if the awaiting task is cancelled (or
// abandoned), the reader / writer is removed on the way out, so a cancelled sock_recv leaves
// nothing registered. (asyncio removes it in the future's done callback; here a scope guard in
// the waiting coroutine does it, which also covers a frame destroyed without resuming.)
//
// Why free functions: asyncio has these as methods of the loop, but EventLoop lives in
// runtime/ and must not know about sockets; net/ sits above it. So they are free functions in
// looplab::net with the loop as first argument: loop.sock_recv(sock, n) becomes
// sock_recv(loop, fd, n), the same name and the same order of the remaining arguments.
//
// Contract for all of them:
// - fd is a non-blocking socket (make_socket(..., true)) owned by the caller, who must keep it
//   open until the coroutine has finished. In debug mode a blocking fd throws
//   std::invalid_argument (it would block the whole loop); outside debug mode nothing checks.
// - At most one coroutine waits on a given fd for a given direction at a time (the loop holds
//   one reader and one writer per fd; a second wait would replace the first one's callback).
// - Buffers and data passed by span / string_view must stay alive until the coroutine has
//   finished: co_await the call in the same expression, as the examples do.
// - EAGAIN and EINTR never escape; other failures are typed NetErrors (errors.hpp) carrying the
//   peer's address where it is known. Loop-thread only.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "net/socket_address.hpp"
#include "net/unique_fd.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// Connects fd to address. A non-blocking connect returns EINPROGRESS at once; the socket turns
// writable when the handshake is over, either way, and SO_ERROR then says how it went.
// Throws ConnectionRefusedError, NetworkUnreachableError, SocketTimeoutError (the kernel gave
// up, after about two minutes: use create_connection's connect_timeout for a shorter one), or
// another NetError, each naming address. Cancelling leaves fd half-connected: close it.
Coro<void> sock_connect(EventLoop& loop, int fd, SocketAddress address);

// A connection accepted on the listening socket fd, already non-blocking and close-on-exec
// (asyncio returns the pair (conn, address)).
struct Accepted {
    UniqueFd conn;          // the new connection, owned by the caller
    SocketAddress address;  // the peer's address
};

// Waits for and accepts one connection. A connection the peer aborted while it waited in the
// queue (ECONNABORTED) is skipped and the next one awaited. Throws NetError (EMFILE when out of
// descriptors: the connection stays queued and a later call can take it).
Coro<Accepted> sock_accept(EventLoop& loop, int fd);

// Up to max_bytes from fd: at least one byte, or an empty string at end of stream (the peer
// shut down writing). Throws ConnectionResetError if the peer aborted, or another NetError.
Coro<std::string> sock_recv(EventLoop& loop, int fd, std::size_t max_bytes);

// Same into a caller's buffer: returns how many bytes were stored, 0 at end of stream (so an
// empty buffer cannot tell end of stream apart; asyncio has the same ambiguity).
Coro<std::size_t> sock_recv_into(EventLoop& loop, int fd, std::span<std::byte> buffer);
Coro<std::size_t> sock_recv_into(EventLoop& loop, int fd, std::span<char> buffer);

// Sends every byte of data, waiting for writability whenever the kernel's send buffer is full.
// Throws BrokenPipeError / ConnectionResetError if the peer is gone. If cancelled midway, an
// unknown prefix of data has been sent (asyncio: the same); the connection is then best closed.
Coro<void> sock_sendall(EventLoop& loop, int fd, std::span<const std::byte> data);
Coro<void> sock_sendall(EventLoop& loop, int fd, std::string_view data);

}  // namespace looplab::net
