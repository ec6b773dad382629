// tests/net/support/loopback.hpp: loopback listeners and dead ports for the net tests.
//
// asyncio: test.support.socket_helper (bind_port, find_unused_port).
//
// Tests only ever touch 127.0.0.1 and ::1, with ports the kernel picks (bind to port 0): fixed
// port numbers collide when suites run in parallel, and nothing may leave this machine.
#pragma once

#include <sys/socket.h>

#include <utility>

#include "net/socket_address.hpp"
#include "net/socket_ops.hpp"
#include "net/unique_fd.hpp"

namespace looplab::net::testing {

// A listening socket on the loopback address of family, on a port the kernel chose.
struct Listener {
    UniqueFd fd;            // the listening socket (blocking)
    SocketAddress address;  // where clients connect
};

inline Listener listen_on_loopback(int family = AF_INET, int backlog = 16) {
    UniqueFd fd = make_socket(family, SOCK_STREAM, /*non_blocking=*/false);
    bind_address(fd.get(), SocketAddress::loopback(family, 0));
    start_listening(fd.get(), backlog);
    SocketAddress address = local_address(fd.get());
    return Listener{std::move(fd), std::move(address)};
}

// A loopback address with nothing listening: a port the kernel handed out for a bind and that
// is closed again at once. Connecting to it is refused (the kernel answers the SYN with RST).
inline SocketAddress closed_loopback_port(int family = AF_INET) {
    UniqueFd fd = make_socket(family, SOCK_STREAM, /*non_blocking=*/false);
    bind_address(fd.get(), SocketAddress::loopback(family, 0));
    return local_address(fd.get());  // fd closes here, freeing the port
}

// Accepts one connection on a blocking listener.
inline UniqueFd accept_one(const Listener& listener) {
    return UniqueFd(::accept4(listener.fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
}

}  // namespace looplab::net::testing
