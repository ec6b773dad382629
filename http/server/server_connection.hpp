// http/server/server_connection.hpp: one HTTP/1.1 connection on the server side, as a Protocol.
//
// aiohttp: web_protocol.RequestHandler (an asyncio.Protocol feeding an HttpRequestParser).
// nginx:   ngx_http_request.c's read / process / finalize / keepalive / lingering-close states
//
// The transport hands bytes to data_received, which feeds the sans-I/O RequestParser and acts
// on its events. A complete request starts a task that runs the route's handler (through the
// router's middlewares); while it runs, no further request is parsed (the parser waits in
// Paused), so pipelined requests are answered strictly in order, one after the other. The
// response goes out through the connection's ResponseChannel (response_channel.hpp: framing,
// flow control, the memory budget, the send watchdog, sendfile). When it is written, the
// connection either closes (HTTP/1.0 without keep-alive, "Connection: close", an error, the
// client's end of stream) or goes back to waiting. This file is the request half: parsing,
// states, and the timers of the reading states (server_connection_timers.cpp).
//
// States:
//   reading_head -> reading_body -> handling -> [draining ->] (idle -> reading_head ...)
//        |               |                                  | closing
//        +---------------+--> (error response) lingering --> closing
// reading_body with a stream_body route: the handler starts with the head and runs while the
//   body arrives; Data goes to its BodyStream (body_stream.hpp, which pauses reading when the
//   handler lags), EndOfMessage moves on to handling. A handler that answers before the body
//   has ended leaves the rest unread: the connection lingers and closes after the response.
// reading_head: the head is read, then routed at once (before the body): a request the router
//   answers itself (404, 405, 501, OPTIONS) needs no handler task, and an Expect:
//   100-continue is answered from the route: 100 Continue when a handler will read the body,
//   else the final status straight away, the body unread (RFC 9110 10.1.1); any other
//   expectation gets 417.
// draining: the response is written but the transport's buffer is above its high water mark
//   (pause_writing): the client is not reading. The next pipelined request waits until
//   resume_writing. A response is written in pieces with flow control, so one client makes the
//   server hold at most its write mark plus a piece (response_channel.hpp). While handling or
//   draining, reading stops (pause_reading) once more than a head's worth of pipelined bytes
//   is buffered: TCP flow control then holds the client back.
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
//   - body timer: in reading_body, at most body_read_timeout between two reads, and at least
//     min_body_rate bytes a second over each rate_window (slow body). Expiry 408.
//   - idle timer: between requests, keepalive_timeout. Expiry closes silently.
//   - lingering timer: lingering_timeout between two reads, lingering_time in all.
// At most one of them runs (timer_), in the state it belongs to. The writing side has its own
// watchdog in the ResponseChannel (send_timeout and min_send_rate: slow readers).
// Over the connection limit, the 503 lingers at most overload_lingering (its descriptor is
// what the server is short of).
// Memory: request bodies read whole are charged to the server's memory budget (503 past it).
// An idle connection holds no parser, request or handler task (release_request_memory).
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
#include "http/server/body_stream.hpp"
#include "http/server/response_channel.hpp"
#include "http/server/router.hpp"
#include "http/server/server_request.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/clock.hpp"
#include "runtime/task.hpp"

namespace looplab::http {

struct ServerShared;  // server_shared.hpp: the router, options, counters and live connections

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

    // ---- Parsing and routing (server_connection.cpp)
    void process();  // acts on parser events until it needs data or a handler runs
    bool on_request_head(RequestHead& head);    // false: answered already, stop reading
    bool on_body_data(std::string_view bytes);  // false: refused (the memory budget)
    bool answer_expectation();                  // Expect: 100-continue, or 417
    void start_handler();
    void fail(int status, const std::string& reason);  // 4xx/5xx now, or via a running handler
    // ---- Answering
    Coro<void> run_handler(std::shared_ptr<ServerConnection> self, ServerRequest request,
                           RouteMatch route);
    Coro<void> send_handler_response(ServerResponse& response, bool failed_after_head);
    bool answer(ServerResponse& response);  // true: read on
    bool keep_alive_after_response() const;
    void begin_response(std::string_view method, HttpVersion version, bool keep_alive_allowed);
    void reject(int status, const std::string& reason);  // error response, then close
    void log_response();
    void release_body_charge();
    bool finish_response(bool keep_alive);  // true: the next request can be parsed now
    bool start_next_request();              // likewise, after a kept-alive response
    void release_request_memory();          // going idle: what only a request needs goes
    // ---- Closing
    void close_gracefully();  // send what is buffered, then close (send_timeout bounds it)
    void close_lingering();   // FIN, then discard what the client still sends, then close
    // ---- States and timers (server_connection_timers.cpp)
    void enter_reading_head();
    void enter_reading_body();
    void arm_body_timer(Duration delay);
    void on_body_timer();
    void arm_lingering_timer(Duration delay);
    void enter_idle();
    void stop_timer();
    void limit_pipelined_bytes();  // pause reading while too much waits unparsed
    void pause_reading();
    void resume_reading();

    // What only a request in progress needs (about 1.1 KB, and the parser's receive buffer):
    // taken at a request's first byte, given back when the connection goes idle
    // (release_request_memory), so 10,000 idle keep-alive connections do not hold 10,000.
    struct Exchange {
        explicit Exchange(const ParserLimits& limits) : parser(limits) {}
        RequestParser parser;
        ServerRequest request;
        RouteMatch route;          // what answers request, decided from its head
        std::string request_line;  // for the access log: "GET / HTTP/1.1"
    };
    Exchange& exchange();  // exchange_, made first if there is none

    std::shared_ptr<ServerShared> shared_;
    net::Transport* transport_ = nullptr;  // valid from connection_made to connection_lost
    std::shared_ptr<Exchange> exchange_;   // see exchange() (shared: ServerShared's spares)
    ResponseChannel channel_;              // the response half
    State state_ = State::reading_head;
    Task<void> handler_;
    std::unique_ptr<BodyStream> body_stream_;  // a stream_body route's body, while it runs
    std::string peer_;                         // "127.0.0.1:52144", once per connection
    TimerHandle timer_;                    // the header, body, idle or lingering timer of the state
    TimePoint last_read_{};                // when bytes last arrived (body and lingering timers)
    TimePoint lingering_since_{};          // when lingering began (lingering_time counts from it)
    TimePoint body_window_start_{};        // the slow-body rate's current window
    std::uint64_t body_window_bytes_ = 0;  // body bytes read in that window
    std::uint64_t lingering_bytes_ = 0;    // bytes discarded while lingering
    std::uint64_t body_charge_ = 0;        // this request's body bytes charged to the budget
    bool body_timer_armed_ = false;        // timer_ is the body timer
    bool handler_running_ = false;         // handler_ has started and not finished
    bool reading_paused_ = false;          // we paused the transport's reading
    bool overloaded_ = false;              // answered 503: over the connection limit
    bool close_after_response_ = false;
    bool peer_eof_ = false;  // the client shut its sending side: nothing more will arrive
};

}  // namespace looplab::http
