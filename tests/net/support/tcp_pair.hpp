// tests/net/support/tcp_pair.hpp: two connected non-blocking TCP sockets on 127.0.0.1.
//
// asyncio: test_utils' socketpair-based fixtures, but over real TCP: half-close, resets and
// SO_ERROR behave as they do between two machines, which an AF_UNIX pair would not show.
#pragma once

#include <sys/socket.h>

#include <cerrno>
#include <stdexcept>
#include <utility>

#include "loopback.hpp"
#include "net/socket_ops.hpp"
#include "net/unique_fd.hpp"

namespace looplab::net::testing {

struct TcpPair {
    UniqueFd client;  // the connecting side
    UniqueFd server;  // the accepted side
};

// Both ends non-blocking and close-on-exec. The listener is closed before returning.
inline TcpPair tcp_pair() {
    const Listener listener = listen_on_loopback();
    UniqueFd client = make_socket(AF_INET, SOCK_STREAM, /*non_blocking=*/true);
    if (::connect(client.get(), listener.address.data(), listener.address.size()) != 0 &&
        errno != EINPROGRESS) {
        throw std::runtime_error("tcp_pair: connect failed");
    }
    UniqueFd server = accept_one(listener);  // blocks until the handshake is done
    if (!server) throw std::runtime_error("tcp_pair: accept failed");
    set_non_blocking(server.get(), true);
    return TcpPair{std::move(client), std::move(server)};
}

// SO_LINGER {on, 0}: closing sends RST instead of FIN, as a crashed peer's kernel would.
inline void close_with_reset(UniqueFd& fd) {
    const linger abortive{1, 0};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &abortive, sizeof abortive);
    fd.reset();
}

}  // namespace looplab::net::testing
