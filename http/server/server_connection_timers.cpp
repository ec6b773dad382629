// http/server/server_connection_timers.cpp: the timers of a server connection's reading
// states (header, body, idle, lingering) and its read pauses. server_connection.hpp says
// which timer runs in which state; the writing side's watchdog is in response_channel.cpp.
#include <algorithm>

#include "http/server/server_connection.hpp"
#include "http/server/server_shared.hpp"

namespace looplab::http {

namespace {

double seconds(Duration d) {
    return std::chrono::duration<double>(d).count();
}

}  // namespace

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
    const TimePoint now = get_running_loop().time();
    last_read_ = now;
    body_window_start_ = now;
    body_window_bytes_ = 0;
    // The body timer is armed by process() only if the body has to be waited for: most
    // requests have no body, or all of it came with the head, and set no timer at all.
}

// One timer per silence, not one per read: each read only records its time and its bytes,
// and when the timer fires it either answers 408 or sets itself again for what is left. A
// large upload arrives in thousands of reads; re-arming a timer on each would push as many
// entries onto the loop's timer heap.
void ServerConnection::arm_body_timer(Duration delay) {
    stop_timer();
    body_timer_armed_ = true;
    std::weak_ptr<ServerConnection> weak = weak_from_this();
    timer_ = get_running_loop().call_later(delay, [weak] {
        if (auto self = weak.lock(); self && self->state_ == State::reading_body)
            self->on_body_timer();
    });
}

// Two bounds: body_read_timeout of silence, and min_body_rate over each rate_window (not
// counted while reading is paused because the handler lags: then the slowness is ours).
void ServerConnection::on_body_timer() {
    body_timer_armed_ = false;
    const HttpServerOptions& options = shared_->options;
    const TimePoint now = get_running_loop().time();
    if (reading_paused_) {
        // The handler lags and we stopped reading: the client is not the slow one.
        last_read_ = now;
        body_window_start_ = now;
        body_window_bytes_ = 0;
    }
    const Duration silent = now - last_read_;
    if (silent >= options.body_read_timeout) {
        fail(408, "the request body stopped arriving (body read timeout)");
        return;
    }
    if (now - body_window_start_ >= options.rate_window) {
        const double least =
            static_cast<double>(options.min_body_rate) * seconds(now - body_window_start_);
        if (options.min_body_rate > 0 && static_cast<double>(body_window_bytes_) < least) {
            fail(408, "the request body arrives too slowly (under the minimum body rate)");
            return;
        }
        body_window_start_ = now;
        body_window_bytes_ = 0;
    }
    const Duration to_silence = options.body_read_timeout - silent;
    const Duration to_window = options.rate_window - (now - body_window_start_);
    arm_body_timer(
        std::max(Duration(std::chrono::milliseconds(1)), std::min(to_silence, to_window)));
}

// The body timer's scheme, with two bounds: lingering_timeout since the last read and
// lingering_time since lingering began, whichever ends first (overload_lingering for both
// when the connection was over the limit).
void ServerConnection::arm_lingering_timer(Duration delay) {
    timer_.cancel();
    std::weak_ptr<ServerConnection> weak = weak_from_this();
    timer_ = get_running_loop().call_later(delay, [weak] {
        auto self = weak.lock();
        if (!self || self->state_ != State::lingering) return;
        const TimePoint now = get_running_loop().time();
        const HttpServerOptions& options = self->shared_->options;
        Duration timeout = options.lingering_timeout;
        Duration time = options.lingering_time;
        if (self->overloaded_) {
            timeout = std::min(timeout, options.overload_lingering);
            time = std::min(time, options.overload_lingering);
        }
        const Duration left =
            std::min(timeout - (now - self->last_read_), time - (now - self->lingering_since_));
        if (left > Duration::zero()) {
            self->arm_lingering_timer(left);
            return;
        }
        self->close_gracefully();
    });
}

void ServerConnection::limit_pipelined_bytes() {
    if (!transport_ || reading_paused_) return;
    if (state_ != State::handling && state_ != State::draining) return;
    // A head's worth of pipelined bytes is enough to start the next request at once; beyond
    // that the bytes would only pile up in memory while this request is answered.
    if (parser_.unconsumed().size() > shared_->options.limits.max_head_size) pause_reading();
}

void ServerConnection::pause_reading() {
    if (reading_paused_ || !transport_) return;
    reading_paused_ = true;
    transport_->pause_reading();
}

void ServerConnection::resume_reading() {
    if (!reading_paused_ || !transport_) return;
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
