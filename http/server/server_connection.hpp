// http/server/server_connection.hpp: one HTTP/1.1 connection on the server side, as a Protocol.
//
// aiohttp: web_protocol.RequestHandler (an asyncio.Protocol feeding an HttpRequestParser).
// nginx:   ngx_http_request.c's read / process / finalize / keepalive / lingering-close states
//
// The transport hands bytes to data_received, which feeds the sans-I/O RequestParser and acts
// on its events. A complete request starts a task that runs the route's handler; while it
// runs, no further request is parsed (the parser waits in Paused), so pipelined requests are
// answered strictly in order, one after the other. When the response is written, the
// connection either closes (HTTP/1.0 without keep-alive, "Connection: close", an error, the
// client's end of stream) or goes back to waiting.
//
// States:
//   reading_head -> reading_body -> handling -> [draining ->] (idle -> reading_head ...)
//        |               |                                  | closing
//        +---------------+--> (error response) lingering --> closing
// reading_head: the head is read, then routed at once (before the body): a request the router
//   answers itself (404, 405, 501, OPTIONS) needs no handler task, and an Expect:
//   100-continue is answered from the route: 100 Continue when a handler will read the body,
//   else the final status straight away, the body unread (RFC 9110 10.1.1); any other
//   expectation gets 417.
// draining: the response is written but the transport's buffer is above its high water mark
//   (pause_writing): the client is not reading. The next pipelined request waits until
//   resume_writing, so one client can make the server buffer at most one response beyond the
//   mark. While handling or draining, reading stops (pause_reading) once more than a head's
//   worth of pipelined bytes is buffered: TCP flow control then holds the client back.
// lingering: nginx's lingering close, after a response that ends the connection while request
//   bytes may still be on their way (an error, a final status instead of 100 Continue): FIN
//   sent, what arrives is read and thrown away, and the connection closes when the client
//   closes or a bound is reached (server_options.hpp says why and which bounds).
// The client's end of stream (a half-close) is remembered whatever the state: after the
// response in progress, requests already buffered are still answered, and then the
// connection closes at once rather than idling into the keep-alive timeout.
//
// Timers protect the server from clients that hold connections without using them:
//   - header timer: reading_head may last header_read_timeout, counted from the connection's
//     start or the request's first byte, not reset by each byte: a client sending one byte a
//     second (slowloris) still runs out of time. Expiry answers 408 and closes.
//   - body timer: in reading_body, at most body_read_timeout between two reads. Expiry 408.
//   - idle timer: between requests, keepalive_timeout. Expiry closes silently.
//   - lingering timer: lingering_timeout between two reads, lingering_time in all.
// At most one of them runs (timer_), in the state it belongs to. A second timer, send_timer_,
// runs while writing is paused and while a closing connection still has bytes to send: after
// send_timeout the connection is aborted (a client that never reads gets no more time).
//
// Lifetime: the transport owns this protocol (shared_ptr) until connection_lost; a running
// handler task holds another reference, so a client that disconnects mid-request cannot free
// the connection under the task. connection_lost cancels that task (nobody will read its
// answer, and a /delay handler should stop waiting).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "http/proto/request_parser.hpp"
#include "http/server/router.hpp"
#include "http/server/server_request.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/clock.hpp"
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
    void pause_writing() override;
    void resume_writing() override;

    // Graceful shutdown: close now if idle, else after the current response.
    void close_when_idle();
    // Cuts the connection at once (shutdown's grace period is over).
    void abort();
    // Bytes in the transport's write buffer (0 once the connection is lost).
    std::size_t write_buffer_size() const {
        return transport_ ? transport_->get_write_buffer_size() : 0;
    }

private:
    enum class State { reading_head, reading_body, handling, draining, idle, lingering, closing };

    // ---- Parsing and routing
    void process();  // acts on parser events until it needs data or a handler runs
    bool on_request_head(RequestHead& head);  // false: answered already, stop reading
    bool answer_expectation();                // Expect: 100-continue, or 417
    void start_handler();
    // ---- Answering
    Coro<void> run_handler(std::shared_ptr<ServerConnection> self, ServerRequest request,
                           const Handler* handler);
    bool answer(const ServerRequest& request, ServerResponse& response);  // true: read on
    bool keep_alive_after_response() const;
    void write_response(const ServerRequest& request, ServerResponse& response, bool keep_alive);
    void reject(int status, const std::string& reason);  // error response, then close
    bool finish_response(bool keep_alive);               // true: the next request can be parsed now
    bool start_next_request();                           // likewise, after a kept-alive response
    // ---- Closing
    void close_gracefully();  // send what is buffered, then close (send_timeout bounds it)
    void close_lingering();   // FIN, then discard what the client still sends, then close
    // ---- States and timers
    void enter_reading_head();
    void enter_reading_body();
    void arm_body_timer(Duration delay);
    void arm_lingering_timer(Duration delay);
    void enter_idle();
    void stop_timer();
    void arm_send_timer();
    void limit_pipelined_bytes();  // pause reading while too much waits unparsed
    void resume_reading();

    std::shared_ptr<ServerShared> shared_;
    net::Transport* transport_ = nullptr;  // valid from connection_made to connection_lost
    RequestParser parser_;
    State state_ = State::reading_head;
    ServerRequest request_;
    RouteMatch route_;  // what answers request_, decided from its head
    Task<void> handler_;
    TimerHandle timer_;                  // the header, body, idle or lingering timer of the state
    TimerHandle send_timer_;             // aborts a client that does not take its response in time
    TimePoint last_read_{};              // when bytes last arrived (body and lingering timers)
    TimePoint lingering_since_{};        // when lingering began (lingering_time counts from it)
    std::uint64_t lingering_bytes_ = 0;  // bytes discarded while lingering
    bool body_timer_armed_ = false;      // timer_ is the body timer
    bool writing_paused_ = false;        // between pause_writing and resume_writing
    bool reading_paused_ = false;        // we paused the transport's reading (pipelined backlog)
    bool close_after_response_ = false;
    bool peer_eof_ = false;  // the client shut its sending side: nothing more will arrive
};

}  // namespace looplab::http
