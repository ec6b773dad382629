// http/server/server.cpp: see server.hpp.
#include "http/server/server.hpp"

#include "http/server/server_connection.hpp"
#include "http/server/server_shared.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "runtime/timeout.hpp"

namespace looplab::http {

HttpServer::HttpServer(std::shared_ptr<net::Server> listener, std::shared_ptr<ServerShared> shared)
    : listener_(std::move(listener)), shared_(std::move(shared)) {}

HttpServer::~HttpServer() {
    if (listener_) listener_->close();
}

Coro<std::shared_ptr<HttpServer>> HttpServer::start(Router router, std::string host,
                                                    std::uint16_t port, HttpServerOptions options) {
    auto shared = std::make_shared<ServerShared>();
    shared->router = std::move(router);
    shared->options = options;
    net::ServerOptions listen_options;
    listen_options.backlog = options.backlog;
    listen_options.reuse_port = options.reuse_port;
    // Named before the co_await, not a temporary inside it: g++ 12 destroys a lambda temporary
    // with non-trivial captures twice there (CONTRIBUTING.md, "Compiler bugs").
    net::ProtocolFactory factory = [shared]() -> std::shared_ptr<net::Protocol> {
        return std::make_shared<ServerConnection>(shared);
    };
    auto listener = co_await net::create_server(get_running_loop(), std::move(factory),
                                                std::move(host), port, listen_options);
    co_return std::shared_ptr<HttpServer>(new HttpServer(std::move(listener), std::move(shared)));
}

std::uint16_t HttpServer::port() const {
    auto sockets = listener_->sockets();
    return sockets.empty() ? 0 : sockets.front().address.port();
}

std::string HttpServer::url(std::string_view path) const {
    auto sockets = listener_->sockets();
    std::string host = sockets.empty() ? "127.0.0.1:0" : sockets.front().address.to_string();
    return "http://" + host + std::string(path);
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
std::size_t HttpServer::write_buffer_size() const {
    std::size_t total = 0;
    for (const ServerConnection* c : shared_->connections) total += c->write_buffer_size();
    return total;
}

Coro<void> HttpServer::shutdown(Duration grace) {
    shared_->shutting_down = true;
    listener_->close();
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
    co_await listener_->wait_closed();
}

}  // namespace looplab::http
