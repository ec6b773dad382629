// net/transport/create_connection.hpp: create_connection(), a client connection as a transport +
// protocol.
//
// asyncio: loop.create_connection() (base_events.py): resolve, try each address in turn,
//          wrap the connected socket in a transport, wait for connection_made.
// libuv:   uv_tcp_connect() (one address; resolving is the caller's uv_getaddrinfo).
//
//     auto [transport, protocol] = co_await create_connection(
//         loop, [] { return std::make_shared<EchoClient>(); }, "127.0.0.1", 8888);
//
// Steps: getaddrinfo (no thread for a numeric host); for each address, in order, a
// non-blocking socket and sock_connect() under connect_timeout; the first that connects gets
// TCP_NODELAY, a protocol from the factory and a SocketTransport; the coroutine returns once
// the protocol's connection_made has run.
//
// Happy eyeballs (RFC 8305, asyncio 3.8's happy_eyeballs_delay and interleave). One address at a
// time, a host whose first address is dead (an IPv6 route that drops packets) costs a whole
// connect timeout before the next address is even tried. With happy_eyeballs_delay set, the
// attempts are staggered instead: the next one starts when the previous one fails, or when the
// delay has passed since it started, whichever comes first; the first to connect wins and every
// other attempt is cancelled (its socket closed). interleave reorders the addresses so that the
// families alternate (RFC 8305 section 4: IPv6, IPv4, IPv6, ...), so a dead family costs one
// delay, not one per address.
//
//     attempt 1 |---------------x (fails)          attempt 1 |----------------------- (hangs)
//     attempt 2                 |-----ok           attempt 2    <delay>|-----ok      (1 cancelled)
//
// When every address fails: with all_errors, an ExceptionGroup holding each address's error,
// in address order (asyncio 3.12's all_errors=True); without, the FIRST address's error: it is
// the preferred address, and its error is the one a person can act on (Python 3.11's
// socket.create_connection makes the same choice). DIFFERENCE: asyncio without all_errors raises
// one OSError "Multiple exceptions: ..." listing them when they differ. BlockingSocket::connect
// behaves as looplab does.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "net/socket_address.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "net/unique_fd.hpp"
#include "runtime/clock.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

struct ConnectionOptions {
    // How long each address may take to connect; nullopt waits as long as the kernel does
    // (about two minutes of SYN retries), which is asyncio's default (it has no such option;
    // you wrap the call in wait_for). On expiry: ConnectTimeoutError naming the address.
    std::optional<Duration> connect_timeout;
    // AF_INET or AF_INET6 to use only that family of the resolved addresses.
    int family = AF_UNSPEC;
    // Start the next address's attempt this long after the previous one started, if that one
    // has not connected or failed by then (RFC 8305 recommends 250 ms). nullopt: one address
    // at a time, each after the previous one failed (asyncio's default).
    std::optional<Duration> happy_eyeballs_delay;
    // Reorder the addresses so that families alternate, with this many of the first family
    // first; 0 keeps the resolver's order. nullopt: 1 with happy_eyeballs_delay, else 0 (as
    // asyncio).
    std::optional<int> interleave;
    // When every address fails, throw an ExceptionGroup of all their errors instead of the
    // first address's error.
    bool all_errors = false;
};

namespace detail {

using ConnectionPair = std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>;

// Connects a new non-blocking socket to the first of addresses that accepts (see above), each
// attempt bounded by connect_timeout. The socket is returned non-blocking, with TCP_NODELAY.
Coro<UniqueFd> connect_to_first(EventLoop& loop, std::vector<SocketAddress> addresses,
                                std::optional<Duration> connect_timeout);

// The same with every option: interleaving, happy eyeballs, all_errors (see above).
Coro<UniqueFd> connect_to_any(EventLoop& loop, std::vector<SocketAddress> addresses,
                              const ConnectionOptions& options);

// RFC 8305's reordering: families alternate, `first_family_count` of the first family first
// (asyncio: _interleave_addrinfos). 0 or 1 addresses, or a count of 0, change nothing.
std::vector<SocketAddress> interleave_families(std::vector<SocketAddress> addresses,
                                               int first_family_count);

// create_connection without the protocol's static type.
Coro<ConnectionPair> create_connection(EventLoop& loop,
                                       std::function<std::shared_ptr<Protocol>()> factory,
                                       std::string host, std::uint16_t port,
                                       ConnectionOptions options);

}  // namespace detail

// Connects to host:port and returns the transport and the protocol that factory made, after
// the protocol's connection_made has run. factory returns a shared_ptr<P> or unique_ptr<P> for
// some P derived from Protocol; the pair carries a shared_ptr<P>.
//
// Throws NameResolutionError, ConnectionRefusedError, ConnectTimeoutError,
// NetworkUnreachableError or another NetError (naming the address), or whatever the factory or
// connection_made threw. Cancelling it closes whatever socket was being connected.
template <class Factory>
auto create_connection(EventLoop& loop, Factory factory, std::string host, std::uint16_t port,
                       ConnectionOptions options = {})
    -> Coro<std::pair<std::shared_ptr<Transport>,
                      std::shared_ptr<typename std::invoke_result_t<Factory&>::element_type>>> {
    using P = typename std::invoke_result_t<Factory&>::element_type;
    static_assert(std::is_base_of_v<Protocol, P>, "the factory must make a Protocol");
    // Named, not a temporary inside the co_await: see getaddrinfo.cpp (a g++ 12 bug).
    std::function<std::shared_ptr<Protocol>()> make_protocol =
        [factory = std::move(factory)]() mutable -> std::shared_ptr<Protocol> {
        return std::shared_ptr<P>(factory());
    };
    detail::ConnectionPair made = co_await detail::create_connection(
        loop, std::move(make_protocol), std::move(host), port, options);
    co_return std::pair{std::move(made.first), std::static_pointer_cast<P>(made.second)};
}

}  // namespace looplab::net
