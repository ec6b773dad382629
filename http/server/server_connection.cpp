// http/server/server_connection.cpp: the request half of a server connection: the protocol
// callbacks, parsing and routing, answering, closing. server_connection.hpp draws the states;
// server_connection_timers.cpp has the reading states' timers; response_channel.cpp writes.
#include "http/server/server_connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <any>
#include <ctime>
#include <stdexcept>
#include <variant>

#include "http/proto/detail/grammar.hpp"
#include "http/server/access_log.hpp"
#include "http/server/request_target.hpp"
#include "http/server/server_shared.hpp"
#include "net/errors.hpp"
#include "net/socket_address.hpp"

namespace looplab::http {

namespace {

// options.send_buffer_size on the connection's socket, when it has one (a plain socket
// transport; a test's fake transport has none). Best effort: a refused size keeps the default.
void set_send_buffer_size(net::Transport& transport, std::size_t size) {
    if (size == 0) return;
    const std::any sock = transport.get_extra_info("socket");
    const int* fd = std::any_cast<int>(&sock);
    if (fd == nullptr) return;
    const int value = static_cast<int>(std::min<std::size_t>(size, 1 << 30));
    ::setsockopt(*fd, SOL_SOCKET, SO_SNDBUF, &value, sizeof value);
}

}  // namespace

ServerConnection::ServerConnection(std::shared_ptr<ServerShared> shared)
    : shared_(std::move(shared)), channel_(*shared_) {}

ServerConnection::~ServerConnection() {
    timer_.cancel();
    release_body_charge();
}

// ---- Protocol callbacks ----------------------------------------------------------------------

void ServerConnection::connection_made(net::Transport& transport) {
    transport_ = &transport;
    shared_->connections.insert(this);
    shared_->peak_connections = std::max(shared_->peak_connections, shared_->connections.size());
    if (auto peer = transport.get_extra_info("peername"); peer.has_value()) {
        if (auto* address = std::any_cast<net::SocketAddress>(&peer)) peer_ = address->to_string();
    }
    channel_.attach(transport);
    set_send_buffer_size(transport, shared_->options.send_buffer_size);
    if (shared_->connections.size() > shared_->options.max_connections || shared_->shutting_down) {
        overloaded_ = true;
        reject(503, "the server is at its connection limit");
        return;
    }
    enter_reading_head();
}

void ServerConnection::data_received(std::string_view data) {
    if (state_ == State::lingering) {
        // Read only to be thrown away (see close_lingering), up to a bound.
        lingering_bytes_ += data.size();
        last_read_ = get_running_loop().time();
        if (lingering_bytes_ > shared_->options.lingering_max_bytes) close_gracefully();
        return;
    }
    if (state_ == State::closing) return;
    if (state_ == State::idle) enter_reading_head();  // a new request's first byte
    if (state_ == State::reading_body) {
        last_read_ = get_running_loop().time();
        body_window_bytes_ += data.size();
    }
    exchange().parser.feed(data);
    process();
    limit_pipelined_bytes();
}

bool ServerConnection::eof_received() {
    peer_eof_ = true;
    if (state_ == State::lingering || state_ == State::closing) {
        // The client has read our answer and closed: the lingering is over.
        stop_timer();
        state_ = State::closing;
        return false;
    }
    exchange().parser.feed_eof();
    // Answer the request in progress first (its response is being made, or still sent); the
    // response then closes the connection, or the requests buffered behind it are answered
    // and the parser's ConnectionClosed does (finish_response, keep_alive_after_response). A
    // streaming handler's body learns of the cut from process().
    if (state_ == State::handling || state_ == State::draining) return true;
    if (state_ == State::idle) enter_reading_head();
    process();
    return handler_running_;
}

void ServerConnection::connection_lost(std::exception_ptr) {
    stop_timer();
    state_ = State::closing;
    transport_ = nullptr;
    channel_.detach();
    if (body_stream_)
        body_stream_->set_exception(std::make_exception_ptr(net::TransportClosedError("read")));
    // Nobody will read the answer: stop the handler (a /delay handler stops waiting).
    if (handler_ && !handler_.done()) handler_.cancel("client disconnected");
    release_body_charge();
    shared_->connections.erase(this);
    shared_->on_connection_gone();
}

void ServerConnection::close_when_idle() {
    close_after_response_ = true;
    if (transport_ && (state_ == State::idle || state_ == State::reading_head)) close_gracefully();
}

void ServerConnection::pause_writing() {
    channel_.pause_writing();
}

void ServerConnection::resume_writing() {
    channel_.resume_writing();
    if (state_ != State::draining || !transport_) return;
    if (close_after_response_) {
        close_gracefully();  // shutdown() asked while this response was still going out
        return;
    }
    if (start_next_request()) process();
}

void ServerConnection::abort() {
    if (transport_) transport_->abort();
}

// ---- Parsing and routing ---------------------------------------------------------------------

void ServerConnection::process() {
    while (transport_ && (state_ == State::reading_head || state_ == State::reading_body)) {
        RequestEvent event;
        try {
            event = exchange().parser.next_event();
        } catch (const ProtocolError& e) {
            fail(e.status(), e.what());
            return;
        }
        if (std::holds_alternative<NeedData>(event) || std::holds_alternative<Paused>(event)) {
            if (state_ == State::reading_body && !body_timer_armed_)
                arm_body_timer(
                    std::min(shared_->options.body_read_timeout, shared_->options.rate_window));
            return;
        }
        if (std::holds_alternative<ConnectionClosed>(event)) {
            close_gracefully();
            return;
        }
        if (auto* head = std::get_if<RequestHead>(&event)) {
            if (!on_request_head(*head)) return;
        } else if (auto* data = std::get_if<Data>(&event)) {
            if (!on_body_data(data->bytes)) return;
        } else if (std::holds_alternative<EndOfMessage>(event)) {
            if (handler_running_) {  // a stream_body handler: its body is complete
                stop_timer();
                state_ = State::handling;
                body_stream_->feed_eof();
                return;
            }
            if (exchange().route.handler || shared_->router.has_middlewares()) {
                start_handler();
                return;
            }
            // The router answers itself (404, 405, 501, OPTIONS): no task needed, and the loop
            // goes straight on to a pipelined next request (iteration, not recursion, so a
            // buffer of a thousand pipelined 404s costs no stack).
            if (!answer(exchange().route.answer)) return;
        }
    }
}

bool ServerConnection::on_request_head(RequestHead& head) {
    release_body_charge();
    exchange().request = ServerRequest{};
    exchange().request.method = std::move(head.method);
    exchange().request.target = std::move(head.target);
    exchange().request.version = head.version;
    exchange().request.headers = std::move(head.headers);
    if (shared_->options.access_log) {
        exchange().request_line = exchange().request.method + " " + exchange().request.target +
                                  " HTTP/" + std::to_string(exchange().request.version.major) +
                                  "." + std::to_string(exchange().request.version.minor);
    }
    try {
        RequestTarget target =
            parse_request_target(exchange().request.method, exchange().request.target);
        exchange().request.path = std::move(target.path);
        exchange().request.query = std::move(target.query);
    } catch (const ProtocolError& e) {
        reject(e.status(), e.what());
        return false;
    }
    exchange().route = shared_->router.resolve(exchange().request);
    exchange().request.match_info = std::move(exchange().route.match_info);
    enter_reading_body();
    if (!answer_expectation()) return false;
    if (exchange().route.stream_body && exchange().route.handler && exchange().parser.has_body())
        start_handler();
    return true;
}

bool ServerConnection::on_body_data(std::string_view bytes) {
    if (body_stream_) {
        body_stream_->feed(bytes);
        return true;
    }
    // A body read whole is held until its handler is done: charged to the server's budget, so
    // a thousand clients each sending a body up to the size limit cannot exhaust memory.
    if (!shared_->body_fits(bytes.size())) {
        ++shared_->budget_refusals;
        fail(503, "the server's memory budget for request bodies is spent");
        return false;
    }
    exchange().request.body.append(bytes);
    body_charge_ += bytes.size();
    shared_->body_bytes_buffered += bytes.size();
    return true;
}

// RFC 9110 10.1.1. A client that sends "Expect: 100-continue" waits (curl 1 s, aiohttp until
// its timeout) for a 100 before it sends the body. It gets the 100 when a handler will read the
// body; when the answer does not depend on the body (404, 405, 501, 417), it gets that answer
// at once instead, and the body it may still send is drained by the lingering close. Returns
// false if the request was answered.
bool ServerConnection::answer_expectation() {
    // "A server that receives a 100-continue expectation in an HTTP/1.0 request MUST ignore
    // that expectation": an HTTP/1.0 client never waits.
    if (exchange().request.version == HttpVersion{1, 0}) return true;
    bool any = false;
    bool only_continue = true;
    for (const std::string_view field : exchange().request.headers.get_all("Expect")) {
        detail::for_each_list_element(field, [&](std::string_view expectation) {
            any = true;
            only_continue = only_continue && detail::iequals(expectation, "100-continue");
            return true;
        });
    }
    if (!any) return true;
    if (!only_continue)
        exchange().route =
            RouteMatch{nullptr,
                       ServerResponse::text(417,
                                            "Expectation Failed: only 100-continue is "
                                            "supported\n"),
                       {},
                       false};
    // Without a body there is nothing to wait for: the request completes now, as usual.
    if (!exchange().parser.has_body()) return true;
    if (exchange().route.handler) {
        channel_.write_raw(continue_response());
        return true;
    }
    stop_timer();
    begin_response(exchange().request.method, exchange().request.version, false);
    channel_.send_now(exchange().route.answer);
    log_response();
    ++shared_->requests_served;
    close_lingering();
    return false;
}

void ServerConnection::start_handler() {
    const bool streaming = state_ == State::reading_body && exchange().route.stream_body;
    if (streaming) {
        body_stream_ = std::make_unique<BodyStream>();
        body_stream_->on_backlog = [this](bool backlogged) {
            if (backlogged)
                pause_reading();
            else if (state_ == State::reading_body)
                resume_reading();
        };
        exchange().request.content = body_stream_.get();
    } else {
        stop_timer();
        state_ = State::handling;
    }
    exchange().request.peer = peer_;
    exchange().request.channel = &channel_;
    handler_running_ = true;
    handler_ = get_running_loop().create_task(
        run_handler(shared_from_this(), std::move(exchange().request), std::move(exchange().route)),
        "http handler");
}

void ServerConnection::fail(int status, const std::string& reason) {
    if (!handler_running_) {
        reject(status, reason);
        return;
    }
    // A stream_body handler is reading this body: it gets the error from its next read, and
    // its answer (or the 4xx its error becomes) ends the connection.
    stop_timer();
    state_ = State::handling;
    close_after_response_ = true;
    if (body_stream_)
        body_stream_->set_exception(std::make_exception_ptr(ProtocolError(reason, status)));
}

// ---- Answering -------------------------------------------------------------------------------

// `self` keeps this connection alive while the handler runs (see the header); the route's
// handler points into the router, which the shared state (held by self) keeps alive too.
Coro<void> ServerConnection::run_handler(std::shared_ptr<ServerConnection> self,
                                         ServerRequest request, RouteMatch route) {
    (void)self;
    begin_response(request.method, request.version, true);
    ServerResponse response;
    bool failed_after_head = false;
    try {
        response = co_await shared_->router.dispatch(request, route);
    } catch (const CancelledError&) {
        throw;  // the client went away
    } catch (const ProtocolError& e) {
        // A stream_body handler let the body's error through: that error is the answer.
        response = ServerResponse::text(e.status(), std::string(e.what()) + "\n");
        close_after_response_ = true;
        failed_after_head = channel_.head_sent();
    } catch (...) {
        if (transport_ && !transport_->is_closing())
            get_running_loop().call_exception_handler(
                {"HTTP handler failed for " + request.method + " " + request.target,
                 std::current_exception(), request.peer});
        response = ServerResponse::text(500, "Internal Server Error\n");
        failed_after_head = channel_.head_sent();
    }
    co_await send_handler_response(response, failed_after_head);
    body_stream_.reset();
    handler_running_ = false;
    release_body_charge();
    if (!transport_ || transport_->is_closing()) co_return;
    log_response();
    ++shared_->requests_served;
    if (state_ == State::reading_body) {
        // Answered before the body ended: the rest will not be read.
        close_lingering();
        co_return;
    }
    if (finish_response(channel_.keep_alive() && !close_after_response_)) process();
}

Coro<void> ServerConnection::send_handler_response(ServerResponse& response,
                                                   bool failed_after_head) {
    if (!transport_ || transport_->is_closing()) co_return;
    if (failed_after_head) {
        // The head is on the wire and the body cannot be completed honestly: cut it.
        transport_->abort();
        co_return;
    }
    if (channel_.head_sent()) {
        channel_.send_end();  // a StreamResponse whose handler did not write_eof
        co_return;
    }
    try {
        co_await channel_.send(response);
    } catch (const net::NetError&) {
        // The client left (or was cut off by the send watchdog) while the body went out.
    }
}

bool ServerConnection::answer(ServerResponse& response) {
    stop_timer();
    // The request is complete: left in reading_body, keep_alive_after_response would take it
    // for a body left unread and close.
    state_ = State::handling;
    begin_response(exchange().request.method, exchange().request.version, true);
    channel_.send_now(response);
    log_response();
    ++shared_->requests_served;
    return finish_response(channel_.keep_alive());
}

void ServerConnection::begin_response(std::string_view method, HttpVersion version,
                                      bool keep_alive_allowed) {
    if (keep_alive_allowed)
        channel_.begin(method, version, [this] { return keep_alive_after_response(); });
    else
        channel_.begin(method, version, nullptr);
}

bool ServerConnection::keep_alive_after_response() const {
    // After the client's end of stream, only requests it already sent can follow: with none
    // buffered the connection ends with this response (and says so), instead of idling until
    // the keep-alive timeout for a request that cannot come. A stream_body handler answering
    // before its body has ended leaves the rest unread: that connection ends too.
    if (!exchange_) return false;  // no request has begun: nothing to keep alive for
    const bool more_may_come = !peer_eof_ || !exchange_->parser.unconsumed().empty();
    return exchange_->parser.keep_alive() && !close_after_response_ && !shared_->shutting_down &&
           more_may_come && state_ != State::reading_body;
}

void ServerConnection::reject(int status, const std::string& reason) {
    if (!transport_) return;
    stop_timer();
    ServerResponse response = ServerResponse::text(status, reason + "\n");
    channel_.begin("", HttpVersion{1, 1}, nullptr);
    channel_.send_now(response);
    log_response();
    close_lingering();
}

void ServerConnection::log_response() {
    const auto& log = shared_->options.access_log;
    if (!log) return;
    const bool had_head = state_ != State::reading_head;
    log->write(AccessRecord{peer_, had_head ? std::string_view(exchange().request_line) : "-",
                            channel_.status(), channel_.body_bytes(), std::time(nullptr)});
}

void ServerConnection::release_body_charge() {
    if (body_charge_ == 0) return;
    shared_->body_bytes_buffered -= body_charge_;
    body_charge_ = 0;
}

bool ServerConnection::finish_response(bool keep_alive) {
    if (!keep_alive) {
        // Bytes the client sent after this request would meet a closed socket and reset the
        // connection, maybe before the client read this response: linger over them.
        if (exchange().parser.unconsumed().empty())
            close_gracefully();
        else
            close_lingering();
        return false;
    }
    if (channel_.writing_paused()) {
        state_ = State::draining;  // resume_writing() goes on from here
        return false;
    }
    return start_next_request();
}

bool ServerConnection::start_next_request() {
    exchange().parser.start_next_message();
    resume_reading();
    // Pipelined bytes, or the client's end of stream, are waiting: parse them now (the end of
    // stream as the parser's ConnectionClosed). Otherwise idle until the next request.
    if (exchange().parser.unconsumed().empty() && !peer_eof_) {
        release_request_memory();
        enter_idle();
        return false;
    }
    enter_reading_head();
    return true;
}

// An idle keep-alive connection keeps only what it needs to notice the next request: the
// Exchange (the parser with its 4 KiB receive buffer, the last request, its route) and the
// finished handler's task go back to the allocator, as nginx frees a kept-alive connection's
// request and header buffer (ngx_http_set_keepalive); the next request's first byte allocates
// an Exchange again (exchange()), from the server's spares when there are some, so a busy
// server does not pay a malloc a request for it. That took lab-serve from 7.2 KB to 1.6 KB of
// RSS per idle connection (benchmarks/README.md, "HTTP server: lab-serve against nginx").
ServerConnection::Exchange& ServerConnection::exchange() {
    if (exchange_) return *exchange_;
    auto& spare = shared_->spare_exchanges;
    if (spare.empty()) {
        exchange_ = std::make_shared<Exchange>(shared_->options.limits);
    } else {
        exchange_ = std::static_pointer_cast<Exchange>(std::move(spare.back()));
        spare.pop_back();
    }
    return *exchange_;
}

// A spare Exchange is ready as it is: its parser is between two requests (start_next_message
// ran), which is where a kept-alive connection's own parser would be, and the request, route
// and request line are overwritten by the next head.
void ServerConnection::release_request_memory() {
    // This may run inside the handler's own coroutine, at its end: a task's step holds its own
    // reference (runtime/task.hpp), so dropping ours here is safe.
    handler_ = Task<void>{};
    if (shared_->spare_exchanges.size() < ServerShared::kSpareExchanges)
        shared_->spare_exchanges.push_back(std::move(exchange_));
    exchange_.reset();
}

// ---- Closing ---------------------------------------------------------------------------------

void ServerConnection::close_gracefully() {
    state_ = State::closing;
    stop_timer();
    transport_->close();
    // close() sends what is buffered first; a client that never reads would keep the
    // connection open forever, so the send watchdog bounds that too.
    channel_.watch_closing();
}

// nginx's lingering close (ngx_http_set_lingering_close). close() with request bytes unread, or
// still on their way, makes the kernel answer them with RST, and a client that receives RST
// may lose our response from its receive buffer before reading it. So: shut our sending side
// (FIN after the response), keep reading and discard whatever arrives, and close once the
// client closes or a bound from server_options.hpp is reached.
void ServerConnection::close_lingering() {
    // Nothing more can arrive after the client's FIN; and a transport that cannot half-close
    // (TLS without close_notify) cannot linger either.
    if (peer_eof_ || !transport_->can_write_eof()) {
        close_gracefully();
        return;
    }
    state_ = State::lingering;
    stop_timer();
    const TimePoint now = get_running_loop().time();
    lingering_since_ = now;
    last_read_ = now;
    lingering_bytes_ = 0;
    transport_->write_eof();
    resume_reading();
    const HttpServerOptions& options = shared_->options;
    Duration first = std::min(options.lingering_timeout, options.lingering_time);
    if (overloaded_) first = std::min(first, options.overload_lingering);
    arm_lingering_timer(first);
    channel_.watch_closing();
}

}  // namespace looplab::http
