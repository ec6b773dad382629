// net/transport/create_datagram_endpoint.hpp: create_datagram_endpoint(), a UDP endpoint as a
// transport + protocol.
//
// asyncio: loop.create_datagram_endpoint() (base_events.py).
// libuv:   uv_udp_init + uv_udp_bind / uv_udp_connect + uv_udp_recv_start.
//
//     DatagramEndpointOptions options;
//     options.local_addr = {"127.0.0.1", 9999};
//     auto [transport, protocol] = co_await create_datagram_endpoint(
//         loop, [] { return std::make_shared<EchoServer>(); }, options);
//
// Steps (asyncio's): resolve local_addr (AI_PASSIVE) and remote_addr; for each pair of the same
// family, in order, a non-blocking SOCK_DGRAM socket with the options set, bound to the local
// address and connected to the remote one; the first pair that works gets a protocol from the
// factory and a DatagramTransport; the coroutine returns once connection_made has run. If every
// pair fails, the first pair's error is thrown (create_connection.hpp says why the first).
//
// "Connected" for UDP only means the kernel remembers a default peer: sendto() may then omit the
// address, datagrams from anyone else are dropped, and ICMP errors about that peer are reported
// (error_received). With neither address given, the endpoint is bound by the kernel to an
// ephemeral port of the family asked for (AF_INET by default).
//
// DIFFERENCE: no reuse_address (asyncio 3.11 removed it too: SO_REUSEADDR on UDP lets another
// process steal a bound port's datagrams) and no Unix datagram sockets (family AF_UNIX).
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "net/transport/datagram_protocol.hpp"
#include "net/transport/datagram_transport.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// A host (numeric or a name) and a port, as asyncio's (host, port) tuples.
struct HostPort {
    std::string host;
    std::uint16_t port = 0;
};

struct DatagramEndpointOptions {
    std::optional<HostPort> local_addr;   // bind here (port 0: the kernel chooses)
    std::optional<HostPort> remote_addr;  // connect here (sendto may omit the address)
    int family = AF_UNSPEC;               // restrict both to one family (AF_INET, AF_INET6)
    bool reuse_port = false;              // SO_REUSEPORT: several endpoints share a port
    bool allow_broadcast = false;         // SO_BROADCAST: may send to broadcast addresses
};

namespace detail {

using DatagramPair =
    std::pair<std::shared_ptr<DatagramTransport>, std::shared_ptr<DatagramProtocol>>;

Coro<DatagramPair> create_datagram_endpoint(
    EventLoop& loop, std::function<std::shared_ptr<DatagramProtocol>()> factory,
    DatagramEndpointOptions options);

}  // namespace detail

// Creates the endpoint and returns its transport and the protocol factory made, after the
// protocol's connection_made has run. factory returns a shared_ptr<P> or unique_ptr<P> for
// some P derived from DatagramProtocol. Throws NameResolutionError, the NetError of a failed
// bind or connect (naming the address), or whatever the factory or connection_made threw.
template <class Factory>
auto create_datagram_endpoint(EventLoop& loop, Factory factory,
                              DatagramEndpointOptions options = {})
    -> Coro<std::pair<std::shared_ptr<DatagramTransport>,
                      std::shared_ptr<typename std::invoke_result_t<Factory&>::element_type>>> {
    using P = typename std::invoke_result_t<Factory&>::element_type;
    static_assert(std::is_base_of_v<DatagramProtocol, P>,
                  "the factory must make a DatagramProtocol");
    // Named, not a temporary inside the co_await: see getaddrinfo.cpp (a g++ 12 bug).
    std::function<std::shared_ptr<DatagramProtocol>()> make_protocol =
        [factory = std::move(factory)]() mutable -> std::shared_ptr<DatagramProtocol> {
        return std::shared_ptr<P>(factory());
    };
    detail::DatagramPair made = co_await detail::create_datagram_endpoint(
        loop, std::move(make_protocol), std::move(options));
    co_return std::pair{std::move(made.first), std::static_pointer_cast<P>(made.second)};
}

}  // namespace looplab::net
