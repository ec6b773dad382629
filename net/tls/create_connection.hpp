// net/tls/create_connection.hpp: create_connection, create_server and start_tls with TLS: the
// transport-level entry points, each an SSLProtocol stacked on net/'s.
//
// asyncio: loop.create_connection(..., ssl=ctx, server_hostname=...),
//          loop.create_server(..., ssl=ctx) and loop.start_tls(transport, protocol, ctx)
//          (base_events.py, which wraps the protocol in sslproto.SSLProtocol the same way).
//
//     auto ctx = create_default_context();
//     auto [transport, protocol] = co_await tls::create_connection(
//         loop, [] { return std::make_shared<Client>(); }, "example.org", 443, {ctx});
//
// Overloads in net::tls rather than an `ssl` argument on net::create_connection: net/ must not
// depend on OpenSSL (CMake's looplab::net does not link it), and a program that never uses TLS
// does not link it either. The plain versions do the TCP part; these put an SSLProtocol between
// the transport and the app's protocol, and (client side) wait for the handshake.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_protocol.hpp"
#include "net/transport/create_connection.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/server.hpp"
#include "net/transport/transport.hpp"
#include "runtime/clock.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net::tls {

// asyncio's ssl=, server_hostname=, ssl_handshake_timeout= and ssl_shutdown_timeout=. A
// context converts to it, so `open_connection(loop, host, 443, ctx)` reads as asyncio's
// `ssl=ctx`; set the other members on a named SSLOptions.
struct SSLOptions {
    SSLOptions(std::shared_ptr<SSLContext> context = nullptr)  // implicit, as said above
        : ssl(std::move(context)) {}

    std::shared_ptr<SSLContext> ssl;  // required; a client context to connect, server to serve
    // Client: the name for SNI and the certificate check. nullopt: the host connected to (or,
    // for start_tls, which knows no host, an error when the context checks host names). "":
    // neither SNI nor a host check, which the context must then allow (check_hostname off).
    std::optional<std::string> server_hostname;
    Duration ssl_handshake_timeout = kSSLHandshakeTimeout;
    Duration ssl_shutdown_timeout = kSSLShutdownTimeout;
    // Client: resume from, and store into, ssl->session_cache() under (server_hostname, port),
    // as curl does by default. Off: every connection does a full handshake.
    bool reuse_sessions = true;
    // Server: SSLProtocolOptions::plain_http_answer (what a plain HTTP request is told).
    std::string plain_http_answer;
};

namespace detail {

using ConnectionPair = net::detail::ConnectionPair;

// The SSLProtocol arguments for a connection to host:port; throws std::invalid_argument for
// what would fail anyway (no context, a server context for a client, a host check with no
// name), before anything is connected.
SSLProtocolOptions client_protocol_options(const SSLOptions& ssl, const std::string& host,
                                           std::uint16_t port);

Coro<ConnectionPair> create_connection(EventLoop& loop,
                                       std::function<std::shared_ptr<Protocol>()> factory,
                                       std::string host, std::uint16_t port, SSLOptions ssl,
                                       ConnectionOptions options);

}  // namespace detail

// Connects to host:port, does the TLS handshake, and returns the TLS transport and the
// protocol factory made, after its connection_made has run (which is after the handshake).
// Throws what net::create_connection throws, and SSLCertVerificationError, SSLError,
// SSLEOFError (the server hung up), SSLTimeoutError (phase "tls handshake"); when it throws,
// the socket is already closed. Cancelling it aborts the connection.
template <class Factory>
auto create_connection(EventLoop& loop, Factory factory, std::string host, std::uint16_t port,
                       SSLOptions ssl, ConnectionOptions options = {})
    -> Coro<std::pair<std::shared_ptr<Transport>,
                      std::shared_ptr<typename std::invoke_result_t<Factory&>::element_type>>> {
    using P = typename std::invoke_result_t<Factory&>::element_type;
    static_assert(std::is_base_of_v<Protocol, P>, "the factory must make a Protocol");
    // Named, not a temporary inside the co_await (a g++ 12 bug: CONTRIBUTING.md).
    std::function<std::shared_ptr<Protocol>()> make_protocol =
        [factory = std::move(factory)]() mutable -> std::shared_ptr<Protocol> {
        return std::shared_ptr<P>(factory());
    };
    detail::ConnectionPair made = co_await detail::create_connection(
        loop, std::move(make_protocol), std::move(host), port, std::move(ssl), options);
    co_return std::pair{std::move(made.first), std::static_pointer_cast<P>(made.second)};
}

// Listens on host:port (net::create_server's rules) and serves TLS with ssl.ssl, a server
// context: each connection's protocol from factory gets connection_made once its handshake is
// done. A failed handshake (a client that distrusts us, speaks no TLS, or stalls past
// ssl_handshake_timeout) closes that connection and is not reported: it is the client's
// problem, as in asyncio (which only logs it in debug mode).
Coro<std::shared_ptr<Server>> create_server(EventLoop& loop, ProtocolFactory factory,
                                            std::string host, std::uint16_t port, SSLOptions ssl,
                                            ServerOptions options = {});

// Upgrades a connected transport to TLS in place (asyncio: loop.start_tls): protocol, the
// transport's current protocol, is kept and gets the plaintext from now on through the
// returned TLS transport; it gets no second connection_made. A client context makes this side
// the client (give ssl.server_hostname unless the context checks no names), a server context
// the server. Bytes already buffered by the protocol (the plain part of the conversation)
// stay there; the caller must not use the old transport again. Throws what the handshake
// throws; the transport is aborted then.
Coro<std::shared_ptr<Transport>> start_tls(EventLoop& loop, std::shared_ptr<Transport> transport,
                                           std::shared_ptr<Protocol> protocol, SSLOptions ssl);

}  // namespace looplab::net::tls
