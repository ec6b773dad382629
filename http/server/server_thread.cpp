// http/server/server_thread.cpp: see server_thread.hpp.
#include "http/server/server_thread.hpp"

#include <future>

#include "http/server/demo_routes.hpp"
#include "http/server/server.hpp"
#include "runtime/run.hpp"

namespace looplab::http {

ServerThread::ServerThread() : ServerThread(demo_routes()) {}

ServerThread::ServerThread(Router router, std::string host, std::uint16_t port,
                           HttpServerOptions options)
    : host_(host), tls_(options.ssl != nullptr) {
    std::promise<void> ready;
    std::future<void> started = ready.get_future();
    thread_ = std::thread([&, router = std::move(router), options]() mutable {
        EventLoop loop;
        loop_ = &loop;
        std::shared_ptr<HttpServer> server;
        try {
            server =
                loop.run_until_complete(HttpServer::start(std::move(router), host, port, options));
            port_ = server->port();
            addresses_ = server->addresses();
        } catch (...) {
            ready.set_exception(std::current_exception());
            detail::finish_run(loop);
            return;
        }
        ready.set_value();
        // Runs until stop() posts a stop; then a graceful shutdown.
        loop.run_forever();
        loop.run_until_complete(server->shutdown());
        requests_served_ = server->requests_served();
        peak_connections_ = server->peak_connections();
        server.reset();
        detail::finish_run(loop);
    });
    try {
        started.get();
    } catch (...) {
        thread_.join();
        throw;
    }
}

ServerThread::~ServerThread() {
    stop();
}

std::string ServerThread::url(std::string_view path) const {
    const bool ipv6 = host_.find(':') != std::string::npos;
    return (tls_ ? "https://" : "http://") + (ipv6 ? "[" + host_ + "]" : host_) + ":" +
           std::to_string(port_) + std::string(path);
}

void ServerThread::request_stop() {
    if (stop_requested_) return;
    stop_requested_ = true;
    EventLoop* loop = loop_;
    loop->call_soon_threadsafe([loop] { loop->stop(); });
}

void ServerThread::stop() {
    if (stopped_) return;
    stopped_ = true;
    request_stop();
    thread_.join();
}

}  // namespace looplab::http
