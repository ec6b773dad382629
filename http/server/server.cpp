// http/server/server.cpp: see server.hpp.
#include "http/server/server.hpp"

#include <netdb.h>

#include <system_error>

#include "http/proto/detail/grammar.hpp"
#include "http/proto/serializer.hpp"
#include "http/server/server_connection.hpp"
#include "http/server/server_shared.hpp"
#include "net/errors.hpp"
#include "net/getaddrinfo.hpp"
#include "net/tls/create_connection.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "runtime/timeout.hpp"

namespace looplab::http {

namespace {

// What a plain http:// request to an https port is told, in clear, before the connection closes
// (nginx: 400 "The plain HTTP request was sent to HTTPS port").
constexpr std::string_view kPlainHttpBody =
    "This port speaks https: the plain HTTP request was sent to an HTTPS port.\n";

std::string plain_http_answer() {
    return "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Length: " +
           std::to_string(kPlainHttpBody.size()) + "\r\nConnection: close\r\n\r\n" +
           std::string(kPlainHttpBody);
}

// How often to retry when port 0 gave the first address a port another address has taken.
constexpr int kBindAttempts = 5;

bool is_localhost(std::string_view host) {
    return detail::iequals(host, "localhost") || detail::iequals(host, "localhost.");
}

// The numeric addresses to listen on for `host`; see server.hpp for localhost.
Coro<std::vector<std::string>> addresses_of(std::string host, std::uint16_t port) {
    if (is_localhost(host)) co_return std::vector<std::string>{"127.0.0.1", "::1"};
    const std::vector<net::SocketAddress> resolved =
        co_await net::getaddrinfo(get_running_loop(), host, port, AF_UNSPEC, AI_PASSIVE);
    std::vector<std::string> out;
    for (const net::SocketAddress& address : resolved) out.push_back(address.host());
    co_return out;
}

// A machine without IPv6 has no ::1 to bind: then localhost is 127.0.0.1 alone.
bool no_such_address(const net::NetError& e) {
    return e.code() == std::errc::address_not_available ||
           e.code() == std::errc::address_family_not_supported;
}

// What a connection accepted at the descriptor limit gets (net::ServerOptions::emfile_reply):
// made once, since no Date can be formatted per reply there (RFC 9110 6.6.1 asks Date of 2xx
// to 4xx responses only).
const std::string& emfile_reply() {
    static const std::string reply = [] {
        const std::string body = "the server is out of descriptors; try again\n";
        Headers headers;
        headers.set("Content-Type", "text/plain; charset=utf-8");
        headers.set("Connection", "close");
        headers.set("Retry-After", "1");
        headers.set("Server", "looplab");
        std::string out;
        write_response_head(out, 503, headers, OutgoingBody::of_length(body.size()));
        return out + body;
    }();
    return reply;  // static: net::ServerOptions::emfile_reply is a view
}

// One listener on host:port: plain, or TLS when ssl has a context (net/tls/).
Coro<std::shared_ptr<net::Server>> listen_on(net::ProtocolFactory factory, std::string host,
                                             std::uint16_t port, net::ServerOptions options,
                                             const net::tls::SSLOptions& ssl) {
    if (!ssl.ssl) {
        co_return co_await net::create_server(get_running_loop(), std::move(factory),
                                              std::move(host), port, options);
    }
    co_return co_await net::tls::create_server(get_running_loop(), std::move(factory),
                                               std::move(host), port, ssl, options);
}

// One listening server per address, all on one port. With port 0 the kernel picks the first
// address's port and the others are bound to it; if one of them has it taken already, all
// are closed and the kernel is asked again.
Coro<std::vector<std::shared_ptr<net::Server>>> listen_on_all(net::ProtocolFactory factory,
                                                              std::string host, std::uint16_t port,
                                                              net::ServerOptions options,
                                                              net::tls::SSLOptions ssl) {
    const std::vector<std::string> hosts = co_await addresses_of(host, port);
    const bool optional_after_first = is_localhost(host);
    for (int attempt = 1;; ++attempt) {
        std::vector<std::shared_ptr<net::Server>> listeners;
        std::uint16_t bound_port = port;
        bool retry = false;
        try {
            for (std::size_t i = 0; i < hosts.size(); ++i) {
                try {
                    auto listener = co_await listen_on(factory, hosts[i], bound_port, options, ssl);
                    if (bound_port == 0) bound_port = listener->sockets().front().address.port();
                    listeners.push_back(std::move(listener));
                } catch (const net::NetError& e) {
                    if (!(optional_after_first && i > 0 && no_such_address(e))) throw;
                }
            }
        } catch (const net::NetError& e) {
            for (auto& listener : listeners) listener->close();
            retry = port == 0 && attempt < kBindAttempts && e.code() == std::errc::address_in_use;
            if (!retry) throw;
        }
        if (!retry) co_return listeners;
    }
}

}  // namespace

HttpServer::HttpServer(std::vector<std::shared_ptr<net::Server>> listeners,
                       std::shared_ptr<ServerShared> shared)
    : listeners_(std::move(listeners)), shared_(std::move(shared)) {}

HttpServer::~HttpServer() {
    for (auto& listener : listeners_) listener->close();
}

Coro<std::shared_ptr<HttpServer>> HttpServer::start(Router router, std::string host,
                                                    std::uint16_t port, HttpServerOptions options) {
    auto shared = std::make_shared<ServerShared>();
    shared->router = std::move(router);
    shared->options = options;
    net::ServerOptions listen_options;
    listen_options.backlog = options.backlog;
    listen_options.reuse_port = options.reuse_port;
    listen_options.emfile_reply = emfile_reply();
    // Named before the co_await, not a temporary inside it: g++ 12 destroys a lambda temporary
    // with non-trivial captures twice there (CONTRIBUTING.md, "Compiler bugs").
    net::ProtocolFactory factory = [shared]() -> std::shared_ptr<net::Protocol> {
        return std::make_shared<ServerConnection>(shared);
    };
    net::tls::SSLOptions ssl(options.ssl);
    ssl.ssl_handshake_timeout = options.ssl_handshake_timeout;
    ssl.plain_http_answer = plain_http_answer();
    auto listeners =
        co_await listen_on_all(std::move(factory), std::move(host), port, listen_options, ssl);
    co_return std::shared_ptr<HttpServer>(new HttpServer(std::move(listeners), std::move(shared)));
}

std::uint16_t HttpServer::port() const {
    auto sockets = listeners_.front()->sockets();
    return sockets.empty() ? 0 : sockets.front().address.port();
}

std::string HttpServer::url(std::string_view path) const {
    auto sockets = listeners_.front()->sockets();
    std::string host = sockets.empty() ? "127.0.0.1:0" : sockets.front().address.to_string();
    return (shared_->options.ssl ? "https://" : "http://") + host + std::string(path);
}

std::vector<net::SocketAddress> HttpServer::addresses() const {
    std::vector<net::SocketAddress> out;
    for (const auto& listener : listeners_)
        for (const net::ServerSocket& socket : listener->sockets()) out.push_back(socket.address);
    return out;
}

std::size_t HttpServer::active_connections() const {
    return shared_->connections.size();
}
std::uint64_t HttpServer::requests_served() const {
    return shared_->requests_served;
}
std::size_t HttpServer::peak_connections() const {
    return shared_->peak_connections;
}
std::uint64_t HttpServer::budget_refusals() const {
    return shared_->budget_refusals;
}
std::size_t HttpServer::write_buffer_size() const {
    std::size_t total = 0;
    for (const ServerConnection* c : shared_->connections) total += c->write_buffer_size();
    return total;
}

Coro<void> HttpServer::shutdown(Duration grace) {
    shared_->shutting_down = true;
    for (auto& listener : listeners_) listener->close();
    // Copy: closing may remove connections from the set while we walk it.
    std::vector<ServerConnection*> open(shared_->connections.begin(), shared_->connections.end());
    for (ServerConnection* c : open) c->close_when_idle();
    if (!shared_->connections.empty()) {
        Future<void> all_closed = get_running_loop().create_future<void>();
        shared_->all_closed_waiters.push_back(all_closed);
        try {
            co_await timeout(grace, all_closed);
        } catch (const TimeoutError&) {
            // Whatever is still open after the grace period is cut off.
            std::vector<ServerConnection*> left(shared_->connections.begin(),
                                                shared_->connections.end());
            for (ServerConnection* c : left) c->abort();
        }
    }
    for (auto& listener : listeners_) co_await listener->wait_closed();
}

}  // namespace looplab::http
