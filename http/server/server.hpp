// http/server/server.hpp: a small async HTTP/1.1 server on create_server and the sans-I/O engine.
//
// aiohttp: aiohttp.web (AppRunner + TCPSite + web.Server).
//
//     auto server = co_await HttpServer::start(demo_routes(), "127.0.0.1", 0);
//     std::cout << server->url("/delay/100");   // the port the kernel chose
//     ...
//     co_await server->shutdown();
//
// Every connection is a ServerConnection protocol (server_connection.hpp), which writes
// through a ResponseChannel (response_channel.hpp); handlers are
// coroutines, so a handler that waits (the demos' /delay/<ms>) costs a suspended coroutine,
// not a thread: one loop serves 10,000 waiting clients. Keep-alive (HTTP/1.0's too),
// pipelining in order, strict framing (400 for malformed or ambiguous requests, the request
// smuggling classes among them), 413 / 431 for oversized ones, Expect: 100-continue, Date on
// every response, a header read timeout and an idle keep-alive timeout, a body read timeout,
// a minimum body rate, streamed responses with flow control (StreamResponse), a
// per-connection write mark and a whole-server memory budget, a send timeout and a minimum
// send rate for clients that read slowly or not at all, lingering close after an error, a
// connection limit (503 beyond it, and at the descriptor limit too, from a reserved
// descriptor), routes with path parameters, middlewares, request bodies streamed to their
// handler, static files with sendfile, an access log, and graceful shutdown.
// server_options.hpp documents each limit; tests/reliability/ attacks each one.
//
// https: with options.ssl (a server context), every listener is net::tls::create_server's, so
// each connection's ServerConnection sits on an SSLTransport and sees plaintext: nothing of the
// HTTP side changes (asyncio's layering). url() then says https://. Lingering close sends
// close_notify instead of a FIN (TLS has no half-close, can_write_eof() is false).
//
// Listening: every address the host resolves to, all on one port (with port 0, the one the
// kernel picked for the first). "localhost" is both loopback addresses, 127.0.0.1 and ::1,
// whatever /etc/hosts says: RFC 6761 6.3 has localhost names always mean loopback, and
// clients that resolve it themselves (curl, browsers) try ::1 first, so a server on
// 127.0.0.1 alone would look down to them. (asyncio's create_server, given port 0 and a
// name with two addresses, binds two different ports; one server should have one port.)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "http/server/router.hpp"
#include "http/server/server_options.hpp"
#include "net/transport/server.hpp"
#include "runtime/coro.hpp"

namespace looplab::http {

struct ServerShared;

class HttpServer {
public:
    // Listens on host:port (port 0: the kernel picks one) on the running loop.
    static Coro<std::shared_ptr<HttpServer>> start(Router router, std::string host,
                                                   std::uint16_t port,
                                                   HttpServerOptions options = {});
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    std::uint16_t port() const;
    // "http://127.0.0.1:PORT" + path (https:// with TLS): the first address listened on.
    std::string url(std::string_view path = "/") const;
    // Every address listened on ("127.0.0.1:8080", "[::1]:8080"), in the order bound.
    std::vector<net::SocketAddress> addresses() const;

    // Stops accepting, lets requests being handled finish (their responses say
    // "Connection: close"), closes idle connections, and returns when every connection is
    // gone. After `grace`, whatever is left is aborted.
    Coro<void> shutdown(Duration grace = std::chrono::seconds(5));

    // Counters (loop thread): connections open now, requests answered so far, and the most
    // connections open at once.
    std::size_t active_connections() const;
    std::uint64_t requests_served() const;
    std::size_t peak_connections() const;
    // Requests refused with 503 because their bodies would have passed the memory budget.
    std::uint64_t budget_refusals() const;
    // Bytes written to connections and not yet taken by the kernel, summed over all of them:
    // what slow or non-reading clients make the server hold. Bounded per connection by its
    // write mark plus one piece, and in all by about memory_budget (server_options.hpp).
    // Walks every connection: for tests and monitoring, not for a hot path.
    std::size_t write_buffer_size() const;

private:
    HttpServer(std::vector<std::shared_ptr<net::Server>> listeners,
               std::shared_ptr<ServerShared> shared);

    std::vector<std::shared_ptr<net::Server>> listeners_;  // one per address, never empty
    std::shared_ptr<ServerShared> shared_;
};

}  // namespace looplab::http
