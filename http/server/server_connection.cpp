// http/server/server_connection.cpp: see server_connection.hpp for the states and timers.
#include "http/server/server_connection.hpp"

#include <variant>

#include "http/proto/chunked_encoder.hpp"
#include "http/proto/serializer.hpp"
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
    if (state_ == State::closing) return;
    if (state_ == State::idle) enter_reading_head();  // a new request's first byte
    if (state_ == State::reading_body) last_body_read_ = get_running_loop().time();
    parser_.feed(data);
    process();
    limit_pipelined_bytes();
}

bool ServerConnection::eof_received() {
    parser_.feed_eof();
    // Answer the request in progress first (its response is being made, or still sent).
    if (state_ == State::handling || state_ == State::draining) return true;
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
    if (state_ != State::closing) send_timer_.cancel();
    if (state_ != State::draining || !transport_) return;
    if (close_after_response_) {
        close_gracefully();  // shutdown() asked while this response was still going out
        return;
    }
    read_next_request();
}

void ServerConnection::abort() {
    if (transport_) transport_->abort();
}

// ---- Timers ----------------------------------------------------------------------------------

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
    last_body_read_ = get_running_loop().time();
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
        const Duration silent = get_running_loop().time() - self->last_body_read_;
        const Duration limit = self->shared_->options.body_read_timeout;
        if (silent < limit) {
            self->arm_body_timer(limit - silent);
            return;
        }
        self->reject(408, "the request body stopped arriving (body read timeout)");
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

// ---- Parsing ---------------------------------------------------------------------------------

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
            request_ = ServerRequest{};
            request_.method = std::move(head->method);
            request_.target = std::move(head->target);
            const auto q = request_.target.find('?');
            request_.path = request_.target.substr(0, q);
            if (q != std::string::npos) request_.query = request_.target.substr(q + 1);
            request_.version = head->version;
            request_.headers = std::move(head->headers);
            enter_reading_body();
        } else if (auto* data = std::get_if<Data>(&event)) {
            request_.body.append(data->bytes);
        } else if (std::holds_alternative<EndOfMessage>(event)) {
            start_handler();
            return;
        }
    }
}

// ---- Handling --------------------------------------------------------------------------------

void ServerConnection::start_handler() {
    stop_timer();
    state_ = State::handling;
    if (auto peer = transport_->get_extra_info("peername"); peer.has_value()) {
        if (auto* address = std::any_cast<net::SocketAddress>(&peer)) {
            request_.peer = address->to_string();
        }
    }
    handler_ = get_running_loop().create_task(run_handler(shared_from_this(), std::move(request_)),
                                              "http handler");
}

// `self` keeps this connection alive while the handler runs (see the header).
Coro<void> ServerConnection::run_handler(std::shared_ptr<ServerConnection> self,
                                         ServerRequest request) {
    (void)self;
    ServerResponse response;
    try {
        response = co_await shared_->router.dispatch(request);
    } catch (const CancelledError&) {
        throw;  // the client went away
    } catch (...) {
        get_running_loop().call_exception_handler(
            {"HTTP handler failed for " + request.method + " " + request.target,
             std::current_exception(), request.peer});
        response = ServerResponse::text(500, "Internal Server Error\n");
    }
    if (!transport_) co_return;  // disconnected while the handler ran
    const bool keep_alive =
        parser_.keep_alive() && !close_after_response_ && !shared_->shutting_down;
    write_response(request, response, keep_alive);
    ++shared_->requests_served;
    after_response(keep_alive);
}

void ServerConnection::write_response(const ServerRequest& request, ServerResponse& response,
                                      bool keep_alive) {
    response.headers.set("Server", "looplab");
    if (!keep_alive) response.headers.set("Connection", "close");
    const bool no_body = request.method == "HEAD" || response.status == 204 ||
                         response.status == 304 || response.status < 200;
    std::string out;
    if (response.chunked && !no_body) {
        write_response_head(out, response.status, response.headers, OutgoingBody::chunked());
        ChunkedEncoder encoder;
        std::string_view rest = response.body;
        const std::size_t piece = std::max<std::size_t>(1, response.chunk_size);
        while (!rest.empty()) {
            encoder.write_chunk(out, rest.substr(0, piece));
            rest.remove_prefix(std::min(piece, rest.size()));
        }
        encoder.write_last_chunk(out);
    } else {
        // A HEAD response announces the length a GET would get, and sends no body.
        const bool framed =
            !(response.status == 204 || response.status == 304 || response.status < 200);
        write_response_head(
            out, response.status, response.headers,
            framed ? OutgoingBody::of_length(response.body.size()) : OutgoingBody::none());
        if (!no_body) out.append(response.body);
    }
    transport_->write(out);
}

void ServerConnection::after_response(bool keep_alive) {
    if (!keep_alive) {
        close_gracefully();
        return;
    }
    if (writing_paused_) {
        state_ = State::draining;  // resume_writing() goes on from here
        return;
    }
    read_next_request();
}

void ServerConnection::read_next_request() {
    parser_.start_next_message();
    if (reading_paused_) {
        reading_paused_ = false;
        transport_->resume_reading();
    }
    // Pipelined bytes may already be waiting: then a request is under way, else we are idle.
    if (parser_.unconsumed().empty()) {
        enter_idle();
    } else {
        enter_reading_head();
        process();
    }
}

void ServerConnection::reject(int status, const std::string& reason) {
    if (!transport_) return;
    stop_timer();
    ServerResponse response = ServerResponse::text(status, reason + "\n");
    ServerRequest none;
    write_response(none, response, /*keep_alive=*/false);
    close_gracefully();
}

void ServerConnection::close_gracefully() {
    state_ = State::closing;
    stop_timer();
    transport_->close();
    // close() sends what is buffered first; a client that never reads would keep the
    // connection open forever, so the send timeout bounds that too.
    if (transport_->get_write_buffer_size() > 0) arm_send_timer();
}

}  // namespace looplab::http
