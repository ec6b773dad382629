// http/server/server_thread.hpp: an HttpServer running on a thread and loop of its own.
//
// The demos' embedded server (and the tests' and benchmarks'): the server must not share a
// thread with the client being demonstrated, or a blocking client (seed 000's requests.get)
// would block the very server it waits for and deadlock. On its own thread the server answers
// whatever the client's thread does, exactly like the seeds' separate Flask process.
//
//     ServerThread server;                        // demo routes on 127.0.0.1, a free port
//     blocking::get(server.url("/delay/100"));
//     // the destructor shuts the server down gracefully and joins the thread
#pragma once

#include <atomic>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "http/server/router.hpp"
#include "http/server/server_options.hpp"
#include "net/socket_address.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::http {

class HttpServer;

class ServerThread {
public:
    // Starts the thread and returns once the server is listening (rethrows if it could not).
    explicit ServerThread(Router router, std::string host = "127.0.0.1", std::uint16_t port = 0,
                          HttpServerOptions options = {});
    // The demo routes (demo_routes.hpp) on 127.0.0.1 and a free port.
    ServerThread();
    ~ServerThread();
    ServerThread(const ServerThread&) = delete;
    ServerThread& operator=(const ServerThread&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(std::string_view path = "/") const;
    // Every address the server listens on (HttpServer::addresses), known once started.
    const std::vector<net::SocketAddress>& addresses() const { return addresses_; }
    // The server's counters, filled in when it stops (read them after stop()).
    std::uint64_t requests_served() const { return requests_served_.load(); }
    std::size_t peak_connections() const { return peak_connections_.load(); }

    // Graceful shutdown and join; idempotent. The destructor calls it.
    void stop();
    // Only asks for the shutdown (returns at once); stop() then joins. Several servers
    // (ServerWorkers) shut down together this way.
    void request_stop();

private:
    void run(Router router, std::string host, std::uint16_t port, HttpServerOptions options);

    std::thread thread_;
    EventLoop* loop_ = nullptr;  // the server thread's loop, valid while the thread runs
    std::string host_;
    bool tls_ = false;  // options.ssl was given: url() says https://
    std::uint16_t port_ = 0;
    std::atomic<std::uint64_t> requests_served_{0};
    std::atomic<std::size_t> peak_connections_{0};
    std::vector<net::SocketAddress> addresses_;
    std::exception_ptr start_error_;
    bool stop_requested_ = false;
    bool stopped_ = false;
};

}  // namespace looplab::http
