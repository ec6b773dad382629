// http/client/request_trace.hpp: one ClientSession request on the trace: its slice and its phases.
//
// aiohttp: aiohttp.TraceConfig (on_request_start, on_connection_queued_start/end,
//          on_connection_create_start/end, on_request_end, on_request_exception); the
//          browser's "Timing" tab (Queueing, Initial connection, Request sent, Waiting (TTFB),
//          Content Download) is what the phases below mirror.
//
// A request is an http_request slice (tracer.hpp) from the call to the end of its body (or
// its error), named "GET http://host/path", detail the status or the error. Inside it, one
// http_phase slice per phase, in order, never overlapping:
//   "pool wait"   queued for a connection slot (only when the pool is at its limit)
//   "connect"     opening a new TCP connection (absent when an idle one was reused)
//   "send"        writing the request (never blocks: it lands in the transport's buffer)
//   "first byte"  from the request written to the response head parsed
//   "body"        from the head to the body's end (read by the user, on the user's schedule)
// With redirects, the phases repeat for each hop inside the one request slice. A phase an
// error ends gets detail "timeout" (a ClientTimeoutError: so the timeline says which phase
// the timeout hit), "cancelled", or "error"; the request's detail is then the error message.
//
// Cost with tracing off: the object is a null tracer pointer and an empty string; every
// method is one inline branch on that pointer. Move-only: the trace travels from the request
// into the ClientResponse, which ends the body phase. A trace destroyed still open (a
// response dropped before its body was read) ends as "not finished", but only while its loop
// runs on this thread with the same tracer set: after that the tracer may be gone.
#pragma once

#include <cstdint>
#include <exception>
#include <string>
#include <string_view>

#include "runtime/event_loop.hpp"
#include "runtime/observe/tracer.hpp"

namespace looplab::http::detail {

class RequestTrace {
public:
    RequestTrace() = default;
    // Starts the request's slice if `loop` has a tracer; otherwise an inert trace.
    RequestTrace(EventLoop& loop, std::string_view method, std::string_view url) {
        if (Tracer* t = loop.tracer()) [[unlikely]] {
            start(loop, *t, method, url);
        }
    }
    RequestTrace(RequestTrace&& other) noexcept;
    RequestTrace& operator=(RequestTrace&& other) noexcept;
    RequestTrace(const RequestTrace&) = delete;
    RequestTrace& operator=(const RequestTrace&) = delete;
    ~RequestTrace() {
        if (tracer_) [[unlikely]] {
            abandon();
        }
    }

    explicit operator bool() const noexcept { return tracer_ != nullptr; }

    // Opens `phase` (a string literal), ending the open one first.
    void begin_phase(const char* phase) {
        if (tracer_) [[unlikely]] {
            begin_phase_traced(phase);
        }
    }
    // Ends the open phase, if any, with `detail`.
    void end_phase(std::string_view detail = {}) {
        if (tracer_) [[unlikely]] {
            end_phase_traced(detail);
        }
    }
    // The request ended well: ends the open phase and records the request, detail = status.
    void finish(int status) {
        if (tracer_) [[unlikely]] {
            finish_traced(std::to_string(status));
        }
    }
    // The request failed with `error`: the open phase ends as "timeout", "cancelled" or
    // "error", and the request's detail is the error's message.
    void fail(const std::exception_ptr& error) {
        if (tracer_) [[unlikely]] {
            fail_traced(error);
        }
    }

private:
    void start(EventLoop& loop, Tracer& tracer, std::string_view method, std::string_view url);
    void begin_phase_traced(const char* phase);
    void end_phase_traced(std::string_view detail);
    void finish_traced(std::string detail);
    void fail_traced(const std::exception_ptr& error);
    void abandon() noexcept;

    Tracer* tracer_ = nullptr;  // null: not traced, or already finished
    EventLoop* loop_ = nullptr;
    std::uint64_t id_ = 0;
    std::int64_t start_ns_ = 0;
    std::string name_;             // "GET http://..."
    const char* phase_ = nullptr;  // the open phase, or null
    std::int64_t phase_start_ns_ = 0;
};

}  // namespace looplab::http::detail
