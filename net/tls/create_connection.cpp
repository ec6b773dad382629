// net/tls/create_connection.cpp: TCP first (net/'s functions), then an SSLProtocol on top and,
// on the client side, a wait for the handshake.
#include "net/tls/create_connection.hpp"

#include <any>
#include <stdexcept>

#include "net/errors.hpp"
#include "net/socket_address.hpp"
#include "runtime/future.hpp"
#include "runtime/task.hpp"

namespace looplab::net::tls {

namespace {

void require_context(const SSLOptions& ssl, bool server_side, const char* who) {
    if (!ssl.ssl) throw std::invalid_argument(std::string(who) + ": SSLOptions.ssl is null");
    if (ssl.ssl->server_side() != server_side) {
        throw std::invalid_argument(std::string(who) + (server_side ? ": needs a server context"
                                                                    : ": needs a client context"));
    }
}

void require_positive_timeouts(const SSLOptions& ssl, const char* who) {
    if (ssl.ssl_handshake_timeout <= Duration::zero() ||
        ssl.ssl_shutdown_timeout <= Duration::zero()) {
        throw std::invalid_argument(std::string(who) + ": ssl timeouts must be positive");
    }
}

// Waits for the handshake; on any failure (or cancellation) the connection is aborted, so
// nothing of it outlives the call once the error has been seen.
Coro<void> wait_for_handshake(Future<void> handshake, std::shared_ptr<Transport> below) {
    try {
        co_await handshake;
    } catch (...) {
        below->abort();  // already aborted if the handshake failed: abort is idempotent
        throw;
    }
}

}  // namespace

namespace detail {

SSLProtocolOptions client_protocol_options(const SSLOptions& ssl, const std::string& host,
                                           std::uint16_t port) {
    require_context(ssl, false, "create_connection");
    require_positive_timeouts(ssl, "create_connection");
    SSLProtocolOptions options;
    options.server_hostname = ssl.server_hostname ? *ssl.server_hostname : host;
    if (options.server_hostname.empty() && ssl.ssl->check_hostname()) {
        throw std::invalid_argument(
            "create_connection: server_hostname is empty but the context checks host names");
    }
    if (ssl.reuse_sessions && !options.server_hostname.empty()) {
        options.session_key = SessionKey{options.server_hostname, port};
    }
    options.ssl_handshake_timeout = ssl.ssl_handshake_timeout;
    options.ssl_shutdown_timeout = ssl.ssl_shutdown_timeout;
    return options;
}

Coro<ConnectionPair> create_connection(EventLoop& loop,
                                       std::function<std::shared_ptr<Protocol>()> factory,
                                       std::string host, std::uint16_t port, SSLOptions ssl,
                                       ConnectionOptions options) {
    const SSLProtocolOptions tls = client_protocol_options(ssl, host, port);
    Future<void> handshake = loop.create_future<void>();
    std::shared_ptr<Protocol> app;
    std::shared_ptr<Transport> app_transport;
    // The TCP connection's protocol is the SSLProtocol; the app's protocol sits on top of it.
    std::function<std::shared_ptr<Protocol>()> make_ssl_protocol = [&]() {
        app = factory();
        if (!app) throw std::invalid_argument("create_connection: the factory returned null");
        auto ssl_protocol = std::make_shared<SSLProtocol>(loop, app, ssl.ssl, handshake, tls);
        app_transport = ssl_protocol->app_transport();  // ours to return, whatever happens next
        return std::shared_ptr<Protocol>(ssl_protocol);
    };
    const ConnectionPair below = co_await net::detail::create_connection(
        loop, std::move(make_ssl_protocol), std::move(host), port, options);
    co_await wait_for_handshake(handshake, below.first);
    co_return ConnectionPair{std::move(app_transport), std::move(app)};
}

}  // namespace detail

Coro<std::shared_ptr<Server>> create_server(EventLoop& loop, ProtocolFactory factory,
                                            std::string host, std::uint16_t port, SSLOptions ssl,
                                            ServerOptions options) {
    require_context(ssl, true, "create_server");
    require_positive_timeouts(ssl, "create_server");
    SSLProtocolOptions tls;
    tls.ssl_handshake_timeout = ssl.ssl_handshake_timeout;
    tls.ssl_shutdown_timeout = ssl.ssl_shutdown_timeout;
    tls.plain_http_answer = ssl.plain_http_answer;
    ProtocolFactory make_ssl_protocol = [&loop, factory = std::move(factory), context = ssl.ssl,
                                         tls]() -> std::shared_ptr<Protocol> {
        std::shared_ptr<Protocol> app = factory();
        if (!app) return nullptr;  // the server reports a null protocol
        return std::make_shared<SSLProtocol>(loop, std::move(app), context, Future<void>(), tls);
    };
    return net::create_server(loop, std::move(make_ssl_protocol), std::move(host), port, options);
}

// asyncio's loop.start_tls, step by step: stop reading (nothing may reach the old protocol
// once the new one is in), put the SSLProtocol in, and start it and reading again from the
// loop, then wait for the handshake.
Coro<std::shared_ptr<Transport>> start_tls(EventLoop& loop, std::shared_ptr<Transport> transport,
                                           std::shared_ptr<Protocol> protocol, SSLOptions ssl) {
    if (!ssl.ssl) throw std::invalid_argument("start_tls: SSLOptions.ssl is null");
    if (!transport || !protocol)
        throw std::invalid_argument("start_tls: null transport or protocol");
    require_positive_timeouts(ssl, "start_tls");
    if (transport->is_closing()) throw TransportClosedError("start_tls", {});
    SSLProtocolOptions tls;
    tls.call_connection_made = false;
    tls.ssl_handshake_timeout = ssl.ssl_handshake_timeout;
    tls.ssl_shutdown_timeout = ssl.ssl_shutdown_timeout;
    if (!ssl.ssl->server_side()) {
        tls.server_hostname = ssl.server_hostname.value_or("");
        if (tls.server_hostname.empty() && ssl.ssl->check_hostname()) {
            throw std::invalid_argument(
                "start_tls: give server_hostname (the context checks host names)");
        }
        const std::any peer = transport->get_extra_info("peername");
        const auto* address = std::any_cast<SocketAddress>(&peer);
        if (ssl.reuse_sessions && address && !tls.server_hostname.empty()) {
            tls.session_key = SessionKey{tls.server_hostname, address->port()};
        }
    }
    Future<void> handshake = loop.create_future<void>();
    auto ssl_protocol =
        std::make_shared<SSLProtocol>(loop, std::move(protocol), ssl.ssl, handshake, tls);
    std::shared_ptr<Transport> app_transport = ssl_protocol->app_transport();

    transport->pause_reading();
    transport->set_protocol(ssl_protocol);
    loop.call_soon([transport, ssl_protocol] { ssl_protocol->connection_made(*transport); });
    loop.call_soon([transport] { transport->resume_reading(); });
    co_await wait_for_handshake(handshake, transport);
    co_return app_transport;
}

}  // namespace looplab::net::tls
