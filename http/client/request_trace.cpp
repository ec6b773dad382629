// http/client/request_trace.cpp: see request_trace.hpp.
#include "http/client/request_trace.hpp"

#include <utility>

#include "http/client/client_errors.hpp"
#include "runtime/errors.hpp"
#include "runtime/observe/trace_points.hpp"

namespace looplab::http::detail {

namespace {

// What the phase an error ended is called, and the request's detail.
struct ErrorText {
    const char* phase_detail;
    std::string message;
};

ErrorText describe_error(const std::exception_ptr& error) {
    if (holds<CancelledError>(error)) return {"cancelled", "cancelled"};
    const char* phase_detail = holds<ClientTimeoutError>(error) ? "timeout" : "error";
    return {phase_detail, holds<std::exception>(error) ? describe(error) : "unknown error"};
}

}  // namespace

RequestTrace::RequestTrace(RequestTrace&& other) noexcept
    : tracer_(std::exchange(other.tracer_, nullptr)),
      loop_(other.loop_),
      id_(other.id_),
      start_ns_(other.start_ns_),
      name_(std::move(other.name_)),
      phase_(std::exchange(other.phase_, nullptr)),
      phase_start_ns_(other.phase_start_ns_) {}

RequestTrace& RequestTrace::operator=(RequestTrace&& other) noexcept {
    if (this != &other) {
        if (tracer_) abandon();
        tracer_ = std::exchange(other.tracer_, nullptr);
        loop_ = other.loop_;
        id_ = other.id_;
        start_ns_ = other.start_ns_;
        name_ = std::move(other.name_);
        phase_ = std::exchange(other.phase_, nullptr);
        phase_start_ns_ = other.phase_start_ns_;
    }
    return *this;
}

void RequestTrace::start(EventLoop& loop, Tracer& tracer, std::string_view method,
                         std::string_view url) {
    tracer_ = &tracer;
    loop_ = &loop;
    id_ = trace::new_id();
    start_ns_ = trace_now();
    name_.assign(method);
    name_ += ' ';
    name_ += url;
}

void RequestTrace::begin_phase_traced(const char* phase) {
    end_phase_traced({});
    phase_ = phase;
    phase_start_ns_ = trace_now();
}

void RequestTrace::end_phase_traced(std::string_view detail) {
    if (!phase_) return;
    trace::http_phase(*tracer_, id_, phase_start_ns_, std::exchange(phase_, nullptr),
                      std::string(detail));
}

void RequestTrace::finish_traced(std::string detail) {
    end_phase_traced({});
    trace::http_request(*tracer_, id_, start_ns_, std::move(name_), std::move(detail));
    tracer_ = nullptr;
}

void RequestTrace::fail_traced(const std::exception_ptr& error) {
    ErrorText text = describe_error(error);
    end_phase_traced(text.phase_detail);
    finish_traced(std::move(text.message));
}

void RequestTrace::abandon() noexcept {
    // Only while the tracer is certainly alive: our loop runs here and still uses it.
    if (try_get_running_loop() != loop_ || loop_->tracer() != tracer_) {
        tracer_ = nullptr;
        return;
    }
    try {
        end_phase_traced("not finished");
        finish_traced("not finished: dropped before its end (a response whose body was not read)");
    } catch (...) {
        // A destructor must not throw; the event is lost.
    }
    tracer_ = nullptr;
}

}  // namespace looplab::http::detail
