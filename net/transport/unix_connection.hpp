// net/transport/unix_connection.hpp: create_unix_connection(), a Unix-socket client as a
// transport + protocol.
//
// asyncio: loop.create_unix_connection(protocol_factory, path) (unix_events.py).
// libuv:   uv_pipe_connect.
//
//     auto [transport, protocol] = co_await create_unix_connection(
//         loop, [] { return std::make_shared<EchoClient>(); }, "/tmp/echo.sock");
//
// create_connection (create_connection.hpp) without the network: no resolving, no addresses to
// try in turn, no Nagle to switch off. A non-blocking AF_UNIX socket, sock_connect
// (async_unix_ops.hpp), and the same SocketTransport, which only ever sees a connected stream
// socket. A path starting with '\0' names Linux's abstract namespace (unix_address.hpp).
//
// DIFFERENCE: the transport's get_extra_info("peername") / ("sockname") are empty for a Unix
// socket (SocketTransport keeps SocketAddresses, which are IP only); asyncio returns the path
// strings. Ask the "socket" descriptor with peer_unix_address / local_unix_address instead.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "net/unix_address.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

namespace detail {

Coro<std::pair<std::shared_ptr<Transport>, std::shared_ptr<Protocol>>> create_unix_connection(
    EventLoop& loop, std::function<std::shared_ptr<Protocol>()> factory, UnixAddress address);

}  // namespace detail

// Connects to the Unix socket at path and returns the transport and the protocol factory made,
// after connection_made has run. Throws std::invalid_argument for a path UnixAddress refuses,
// the errors of sock_connect (async_unix_ops.hpp), or what the factory or connection_made threw.
template <class Factory>
auto create_unix_connection(EventLoop& loop, Factory factory, std::string path)
    -> Coro<std::pair<std::shared_ptr<Transport>,
                      std::shared_ptr<typename std::invoke_result_t<Factory&>::element_type>>> {
    using P = typename std::invoke_result_t<Factory&>::element_type;
    static_assert(std::is_base_of_v<Protocol, P>, "the factory must make a Protocol");
    UnixAddress address(path);
    // Named, not a temporary inside the co_await: see getaddrinfo.cpp (a g++ 12 bug).
    std::function<std::shared_ptr<Protocol>()> make_protocol =
        [factory = std::move(factory)]() mutable -> std::shared_ptr<Protocol> {
        return std::shared_ptr<P>(factory());
    };
    auto made =
        co_await detail::create_unix_connection(loop, std::move(make_protocol), std::move(address));
    co_return std::pair{std::move(made.first), std::static_pointer_cast<P>(made.second)};
}

}  // namespace looplab::net
