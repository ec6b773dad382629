// http/server_connection.hpp: one HTTP/1.1 connection on the server side, as a Protocol.
//
// aiohttp: web_protocol.RequestHandler (an asyncio.Protocol feeding an HttpRequestParser).
//
// The transport hands bytes to data_received, which feeds the sans-I/O RequestParser and acts
// on its events. A complete request starts a task that runs the route's handler; while it
// runs, no further request is parsed (the parser waits in Paused), so pipelined requests are
// answered strictly in order, one after the other. When the response is written, the
// connection either closes (HTTP/1.0, "Connection: close", an error) or goes back to waiting.
//
// States:  reading_head -> reading_body -> handling -> (idle -> reading_head ...) | closing
//
// Two timers protect the server from clients that hold connections without using them:
//   - header timer: reading_head may last header_read_timeout, counted from the connection's
//     start or the request's first byte, not reset by each byte: a client sending one byte a
//     second (slowloris) still runs out of time. Expiry answers 408 and closes.
//   - idle timer: between requests, keepalive_timeout. Expiry closes silently.
// Exactly one of them runs in reading_head / idle, none in the other states.
//
// Lifetime: the transport owns this protocol (shared_ptr) until connection_lost; a running
// handler task holds another reference, so a client that disconnects mid-request cannot free
// the connection under the task. connection_lost cancels that task (nobody will read its
// answer, and a /delay handler should stop waiting).
#pragma once

#include <memory>
#include <string>

#include "http/request_parser.hpp"
#include "http/server_request.hpp"
#include "net/protocol.hpp"
#include "net/transport.hpp"
#include "runtime/task.hpp"

namespace looplab::http {

struct ServerShared;  // server.cpp: the router, options, counters and live connections

class ServerConnection final : public net::Protocol,
                               public std::enable_shared_from_this<ServerConnection> {
public:
    explicit ServerConnection(std::shared_ptr<ServerShared> shared);
    ~ServerConnection() override;

    void connection_made(net::Transport& transport) override;
    void data_received(std::string_view data) override;
    bool eof_received() override;
    void connection_lost(std::exception_ptr error) override;

    // Graceful shutdown: close now if idle, else after the current response.
    void close_when_idle();
    // Cuts the connection at once (shutdown's grace period is over).
    void abort();
    bool is_idle() const noexcept { return state_ == State::idle; }

private:
    enum class State { reading_head, reading_body, handling, idle, closing };

    void process();  // acts on parser events until it needs data or starts a handler
    void start_handler();
    Coro<void> run_handler(std::shared_ptr<ServerConnection> self, ServerRequest request);
    void write_response(const ServerRequest& request, ServerResponse& response, bool keep_alive);
    void reject(int status, const std::string& reason);  // error response, then close
    void after_response(bool keep_alive);
    void enter_reading_head();
    void enter_idle();
    void stop_timer();

    std::shared_ptr<ServerShared> shared_;
    net::Transport* transport_ = nullptr;  // valid from connection_made to connection_lost
    RequestParser parser_;
    State state_ = State::reading_head;
    ServerRequest request_;
    Task<void> handler_;
    TimerHandle timer_;
    bool close_after_response_ = false;
};

}  // namespace looplab::http
