// net/async_datagram_ops.hpp: sock_recvfrom, sock_recvfrom_into, sock_sendto.
//
// asyncio: loop.sock_recvfrom / sock_recvfrom_into / sock_sendto (selector_events.py, 3.11).
// libuv:   uv_udp_recv_start / uv_udp_try_send (callbacks, not awaits).
//
//     UniqueFd sock = make_socket(AF_INET, SOCK_DGRAM, /*non_blocking=*/true);
//     bind_address(sock.get(), SocketAddress::loopback(AF_INET, 0));
//     co_await sock_sendto(loop, sock.get(), "ping", peer);
//     Datagram reply = co_await sock_recvfrom(loop, sock.get(), 65535);
//
// The datagram twins of async_socket_ops.hpp, with the same recipe (try the syscall, wait for
// readiness only on EAGAIN, try again) and the same contract (a non-blocking socket owned by the
// caller, one waiter per direction, typed errors). What differs is the unit: one call is one
// whole datagram, with the address it came from or goes to.
//   - A datagram longer than the buffer is cut to the buffer's size and the rest is discarded
//     by the kernel (Python does the same, silently). For UDP give 65,535 bytes: no datagram is
//     longer, so none is ever cut.
//   - ICMP errors: on a connected datagram socket, a datagram that reached a closed port comes
//     back as an ICMP "port unreachable", and the kernel reports it on the socket's next
//     operation: sock_recvfrom then throws ConnectionRefusedError (Python: the same).
//   - sock_sendto either sends the whole datagram or throws: a datagram is never split.
// Only IPv4 and IPv6 addresses (SocketAddress); Unix datagram sockets are not covered.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "net/socket_address.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// One datagram and who sent it (asyncio returns the pair (data, address)).
struct Datagram {
    std::string data;
    SocketAddress address;
};

// The size of a datagram received into a caller's buffer, and its sender.
struct DatagramInto {
    std::size_t size;
    SocketAddress address;
};

// Waits for one datagram of up to max_bytes (longer ones are cut; see above). Throws
// ConnectionRefusedError (an ICMP error on a connected socket), or another NetError.
Coro<Datagram> sock_recvfrom(EventLoop& loop, int fd, std::size_t max_bytes);

// The same into buffer; nbytes limits it further (0: the whole buffer, as asyncio's default).
// Throws std::invalid_argument if nbytes is larger than the buffer.
Coro<DatagramInto> sock_recvfrom_into(EventLoop& loop, int fd, std::span<std::byte> buffer,
                                      std::size_t nbytes = 0);

// Sends data as one datagram to address, waiting for room in the socket's send buffer if it is
// full. Returns data.size(). Throws NetError (EMSGSIZE for a datagram too large).
Coro<std::size_t> sock_sendto(EventLoop& loop, int fd, std::span<const std::byte> data,
                              SocketAddress address);
Coro<std::size_t> sock_sendto(EventLoop& loop, int fd, std::string_view data,
                              SocketAddress address);

}  // namespace looplab::net
