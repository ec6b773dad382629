// http/server/server_connection.cpp: see server_connection.hpp for the states and timers.
#include "http/server/server_connection.hpp"

#include <algorithm>
#include <stdexcept>
#include <variant>

#include "http/proto/detail/grammar.hpp"
#include "http/server/request_target.hpp"
#include "http/server/response_writer.hpp"
#include "http/server/server_shared.hpp"
#include "net/socket_address.hpp"

namespace looplab::http {

ServerConnection::ServerConnection(std::shared_ptr<ServerShared> shared)
    : shared_(std::move(shared)), parser_(shared_->options.limits) {}

ServerConnection::~ServerConnection() {
    timer_.cancel();
    send_timer_.cancel();
}

// ---- Protocol callbacks ----------------------------------------------------------------------

void ServerConnection::connection_made(net::Transport& transport) {
    transport_ = &transport;
    shared_->connections.insert(this);
    shared_->peak_connections = std::max(shared_->peak_connections, shared_->connections.size());
    if (shared_->connections.size() > shared_->options.max_connections || shared_->shutting_down) {
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
    if (state_ == State::reading_body) last_read_ = get_running_loop().time();
    parser_.feed(data);
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
    parser_.feed_eof();
    // Answer the request in progress first (its response is being made, or still sent); the
    // response then closes the connection, or the requests buffered behind it are answered
    // and the parser's ConnectionClosed does (finish_response, keep_alive_after_response).
    if (state_ == State::handling || state_ == State::draining) return true;
    if (state_ == State::idle) enter_reading_head();
    process();
    return false;
}

void ServerConnection::connection_lost(std::exception_ptr) {
    stop_timer();
    send_timer_.cancel();
    state_ = State::closing;
    transport_ = nullptr;
    // Nobody will read the answer: stop the handler (a /delay handler stops waiting).
    if (handler_ && !handler_.done()) handler_.cancel("client disconnected");
    shared_->connections.erase(this);
    shared_->on_connection_gone();
}

void ServerConnection::close_when_idle() {
    close_after_response_ = true;
    if (transport_ && (state_ == State::idle || state_ == State::reading_head)) close_gracefully();
}

void ServerConnection::pause_writing() {
    writing_paused_ = true;
    arm_send_timer();
}

void ServerConnection::resume_writing() {
    writing_paused_ = false;
    if (state_ != State::closing && state_ != State::lingering) send_timer_.cancel();
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
            event = parser_.next_event();
        } catch (const ProtocolError& e) {
            reject(e.status(), e.what());
            return;
        }
        if (std::holds_alternative<NeedData>(event) || std::holds_alternative<Paused>(event)) {
            if (state_ == State::reading_body && !body_timer_armed_)
                arm_body_timer(shared_->options.body_read_timeout);
            return;
        }
        if (std::holds_alternative<ConnectionClosed>(event)) {
            close_gracefully();
            return;
        }
        if (auto* head = std::get_if<RequestHead>(&event)) {
            if (!on_request_head(*head)) return;
        } else if (auto* data = std::get_if<Data>(&event)) {
            request_.body.append(data->bytes);
        } else if (std::holds_alternative<EndOfMessage>(event)) {
            if (route_.handler) {
                start_handler();
                return;
            }
            // The router answers itself (404, 405, 501, OPTIONS): no task needed, and the loop
            // goes straight on to a pipelined next request (iteration, not recursion, so a
            // buffer of a thousand pipelined 404s costs no stack).
            if (!answer(request_, route_.answer)) return;
        }
    }
}

bool ServerConnection::on_request_head(RequestHead& head) {
    request_ = ServerRequest{};
    request_.method = std::move(head.method);
    request_.target = std::move(head.target);
    request_.version = head.version;
    request_.headers = std::move(head.headers);
    try {
        RequestTarget target = parse_request_target(request_.method, request_.target);
        request_.path = std::move(target.path);
        request_.query = std::move(target.query);
    } catch (const ProtocolError& e) {
        reject(e.status(), e.what());
        return false;
    }
    route_ = shared_->router.resolve(request_);
    enter_reading_body();
    return answer_expectation();
}

// RFC 9110 10.1.1. A client that sends "Expect: 100-continue" waits (curl 1 s, aiohttp until
// its timeout) for a 100 before it sends the body. It gets the 100 when a handler will read the
// body; when the answer does not depend on the body (404, 405, 501, 417), it gets that answer
// at once instead, and the body it may still send is drained by the lingering close. Returns
// false if the request was answered.
bool ServerConnection::answer_expectation() {
    // "A server that receives a 100-continue expectation in an HTTP/1.0 request MUST ignore
    // that expectation": an HTTP/1.0 client never waits.
    if (request_.version == HttpVersion{1, 0}) return true;
    bool any = false;
    bool only_continue = true;
    for (const std::string_view field : request_.headers.get_all("Expect")) {
        detail::for_each_list_element(field, [&](std::string_view expectation) {
            any = true;
            only_continue = only_continue && detail::iequals(expectation, "100-continue");
            return true;
        });
    }
    if (!any) return true;
    if (!only_continue)
        route_ = RouteMatch{nullptr, ServerResponse::text(417,
                                                          "Expectation Failed: only "
                                                          "100-continue is supported\n")};
    // Without a body there is nothing to wait for: the request completes now, as usual.
    if (!parser_.has_body()) return true;
    if (route_.handler) {
        transport_->write(continue_response());
        return true;
    }
    stop_timer();
    write_response(request_, route_.answer, /*keep_alive=*/false);
    ++shared_->requests_served;
    close_lingering();
    return false;
}

void ServerConnection::start_handler() {
    stop_timer();
    state_ = State::handling;
    if (auto peer = transport_->get_extra_info("peername"); peer.has_value()) {
        if (auto* address = std::any_cast<net::SocketAddress>(&peer)) {
            request_.peer = address->to_string();
        }
    }
    handler_ = get_running_loop().create_task(
        run_handler(shared_from_this(), std::move(request_), route_.handler), "http handler");
}

// ---- Answering -------------------------------------------------------------------------------

// `self` keeps this connection alive while the handler runs (see the header); `handler` points
// into the router, which the shared state (held by self) keeps alive too.
Coro<void> ServerConnection::run_handler(std::shared_ptr<ServerConnection> self,
                                         ServerRequest request, const Handler* handler) {
    (void)self;
    ServerResponse response;
    try {
        response = co_await (*handler)(request);
    } catch (const CancelledError&) {
        throw;  // the client went away
    } catch (...) {
        get_running_loop().call_exception_handler(
            {"HTTP handler failed for " + request.method + " " + request.target,
             std::current_exception(), request.peer});
        response = ServerResponse::text(500, "Internal Server Error\n");
    }
    if (!transport_) co_return;  // disconnected while the handler ran
    const bool keep_alive = keep_alive_after_response();
    write_response(request, response, keep_alive);
    ++shared_->requests_served;
    if (finish_response(keep_alive)) process();
}

bool ServerConnection::answer(const ServerRequest& request, ServerResponse& response) {
    stop_timer();
    const bool keep_alive = keep_alive_after_response();
    write_response(request, response, keep_alive);
    ++shared_->requests_served;
    return finish_response(keep_alive);
}

bool ServerConnection::keep_alive_after_response() const {
    // After the client's end of stream, only requests it already sent can follow: with none
    // buffered the connection ends with this response (and says so), instead of idling until
    // the keep-alive timeout for a request that cannot come.
    const bool more_may_come = !peer_eof_ || !parser_.unconsumed().empty();
    return parser_.keep_alive() && !close_after_response_ && !shared_->shutting_down &&
           more_may_come;
}

void ServerConnection::write_response(const ServerRequest& request, ServerResponse& response,
                                      bool keep_alive) {
    const ResponseContext context{request.method, request.version, keep_alive, shared_->date.now()};
    std::string out;
    try {
        write_server_response(out, response, context);
    } catch (const std::invalid_argument&) {
        // A handler set a field the serialiser refuses (a CR in a value...): its response
        // cannot be sent, a 500 can.
        get_running_loop().call_exception_handler(
            {"HTTP handler returned an invalid response for " + request.method + " " +
                 request.target,
             std::current_exception(), request.peer});
        out.clear();
        ServerResponse error = ServerResponse::text(500, "Internal Server Error\n");
        write_server_response(out, error, context);
    }
    transport_->write(out);
}

void ServerConnection::reject(int status, const std::string& reason) {
    if (!transport_) return;
    stop_timer();
    ServerResponse response = ServerResponse::text(status, reason + "\n");
    write_response(ServerRequest{}, response, /*keep_alive=*/false);
    close_lingering();
}

bool ServerConnection::finish_response(bool keep_alive) {
    if (!keep_alive) {
        // Bytes the client sent after this request would meet a closed socket and reset the
        // connection, maybe before the client read this response: linger over them.
        if (parser_.unconsumed().empty())
            close_gracefully();
        else
            close_lingering();
        return false;
    }
    if (writing_paused_) {
        state_ = State::draining;  // resume_writing() goes on from here
        return false;
    }
    return start_next_request();
}

bool ServerConnection::start_next_request() {
    parser_.start_next_message();
    resume_reading();
    // Pipelined bytes, or the client's end of stream, are waiting: parse them now (the end of
    // stream as the parser's ConnectionClosed). Otherwise idle until the next request.
    if (parser_.unconsumed().empty() && !peer_eof_) {
        enter_idle();
        return false;
    }
    enter_reading_head();
    return true;
}

// ---- Closing ---------------------------------------------------------------------------------

void ServerConnection::close_gracefully() {
    state_ = State::closing;
    stop_timer();
    transport_->close();
    // close() sends what is buffered first; a client that never reads would keep the
    // connection open forever, so the send timeout bounds that too.
    if (transport_->get_write_buffer_size() > 0) arm_send_timer();
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
    arm_lingering_timer(std::min(options.lingering_timeout, options.lingering_time));
    if (transport_->get_write_buffer_size() > 0) arm_send_timer();
}

// ---- States and timers -----------------------------------------------------------------------

void ServerConnection::stop_timer() {
    timer_.cancel();
    body_timer_armed_ = false;
}

void ServerConnection::enter_reading_head() {
    state_ = State::reading_head;
    stop_timer();
    std::weak_ptr<ServerConnection> weak = weak_from_this();
    timer_ = get_running_loop().call_later(shared_->options.header_read_timeout, [weak] {
        if (auto self = weak.lock(); self && self->state_ == State::reading_head) {
            self->reject(408, "the request head did not arrive within the header read timeout");
        }
    });
}

void ServerConnection::enter_reading_body() {
    state_ = State::reading_body;
    last_read_ = get_running_loop().time();
    // The body timer is armed by process() only if the body has to be waited for: most
    // requests have no body, or all of it came with the head, and set no timer at all.
}

// One timer per silence, not one per read: each read only records its time, and when the
// timer fires it either answers 408 or sets itself again for the rest of the silence. A large
// upload arrives in thousands of reads; re-arming a timer on each would push as many entries
// onto the loop's timer heap.
void ServerConnection::arm_body_timer(Duration delay) {
    stop_timer();
    body_timer_armed_ = true;
    std::weak_ptr<ServerConnection> weak = weak_from_this();
    timer_ = get_running_loop().call_later(delay, [weak] {
        auto self = weak.lock();
        if (!self || self->state_ != State::reading_body) return;
        const Duration silent = get_running_loop().time() - self->last_read_;
        const Duration limit = self->shared_->options.body_read_timeout;
        if (silent < limit) {
            self->arm_body_timer(limit - silent);
            return;
        }
        self->reject(408, "the request body stopped arriving (body read timeout)");
    });
}

// The body timer's scheme, with two bounds: lingering_timeout since the last read and
// lingering_time since lingering began, whichever ends first.
void ServerConnection::arm_lingering_timer(Duration delay) {
    timer_.cancel();
    std::weak_ptr<ServerConnection> weak = weak_from_this();
    timer_ = get_running_loop().call_later(delay, [weak] {
        auto self = weak.lock();
        if (!self || self->state_ != State::lingering) return;
        const TimePoint now = get_running_loop().time();
        const HttpServerOptions& options = self->shared_->options;
        const Duration left = std::min(options.lingering_timeout - (now - self->last_read_),
                                       options.lingering_time - (now - self->lingering_since_));
        if (left > Duration::zero()) {
            self->arm_lingering_timer(left);
            return;
        }
        self->close_gracefully();
    });
}

void ServerConnection::arm_send_timer() {
    send_timer_.cancel();
    std::weak_ptr<ServerConnection> weak = weak_from_this();
    send_timer_ = get_running_loop().call_later(shared_->options.send_timeout, [weak] {
        // The client did not take its bytes in time: drop them and the connection.
        if (auto self = weak.lock(); self && self->transport_) self->transport_->abort();
    });
}

void ServerConnection::limit_pipelined_bytes() {
    if (!transport_ || reading_paused_) return;
    if (state_ != State::handling && state_ != State::draining) return;
    // A head's worth of pipelined bytes is enough to start the next request at once; beyond
    // that the bytes would only pile up in memory while this request is answered.
    if (parser_.unconsumed().size() > shared_->options.limits.max_head_size) {
        reading_paused_ = true;
        transport_->pause_reading();
    }
}

void ServerConnection::resume_reading() {
    if (!reading_paused_) return;
    reading_paused_ = false;
    transport_->resume_reading();
}

void ServerConnection::enter_idle() {
    state_ = State::idle;
    stop_timer();
    std::weak_ptr<ServerConnection> weak = weak_from_this();
    timer_ = get_running_loop().call_later(shared_->options.keepalive_timeout, [weak] {
        if (auto self = weak.lock(); self && self->state_ == State::idle && self->transport_) {
            self->close_gracefully();
        }
    });
}

}  // namespace looplab::http
