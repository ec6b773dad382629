// runtime/observe/trace_points.hpp: the event-building half of every traced path, out of line.
//
// asyncio: none (asyncio has no tracer); the model is the TRACE_EVENT macros of Chrome and
//          Perfetto: the hot path tests "is anyone watching?" and calls out only if so.
// libuv:   uv_metrics_info is the nearest thing; it counts, it does not describe.
//
// The loop and its tasks are traced by TraceObserver (trace_observer.hpp), which hears them
// through the observer door and calls the functions below. The executor and the HTTP client
// call them directly; each such place reads
//
//     if (auto* t = loop_.tracer()) [[unlikely]] trace::http_phase(*t, id, ...);
//
// so with tracing off it costs one load and one branch, and builds nothing. The functions
// here build the TraceEvent (strings included: that is where tracing allocates) and hand it
// to the tracer. Keeping them out of line keeps the hot paths small and readable, and keeps
// <string> building out of the inlined code of call_soon, Task::step and the executor.
//
// What each kind's fields mean is documented once, in tracer.hpp. Timestamps are
// trace_now() nanoseconds. Slices are recorded when they end (start and duration known), so
// on each thread, in recording order, the end times never go backwards.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/clock.hpp"
#include "runtime/observe/tracer.hpp"
#include "runtime/source_location.hpp"

namespace looplab::trace {

// A fresh id for a task, an executor work item or an HTTP request: one process-wide atomic
// counter, starting at 1 (0 means "none" in a TraceEvent). Only called while tracing, so
// untraced objects cost no atomic increment.
std::uint64_t new_id() noexcept;

// "event_loop.cpp:123 call_soon": a scheduling site as a timeline label (file without its
// directories).
std::string where_text(const SourceLocation& where);

// ---- the loop ----
void iteration(Tracer& t, std::int64_t start_ns, std::int64_t end_ns, std::uint64_t number,
               std::size_t callbacks);
// timeout: nullopt means "forever" (recorded as a = -1).
void poll(Tracer& t, std::int64_t start_ns, std::int64_t end_ns, std::optional<Duration> timeout,
          std::size_t events);
// name: what the callback did, in words (observe/words.hpp: ran_text).
void callback(Tracer& t, std::int64_t start_ns, std::int64_t end_ns, const SourceLocation& where,
              std::string name);

// ---- tasks ----
void task_created(Tracer& t, std::uint64_t id, const std::string& name, SourceLocation where);
void task_step(Tracer& t, std::uint64_t id, const std::string& name, std::int64_t start_ns,
               std::int64_t end_ns);
void task_wait(Tracer& t, std::uint64_t id, std::string what);
void task_done(Tracer& t, std::uint64_t id, const std::string& name, TaskOutcome outcome);

// ---- the executor ----
// at_ns: when it joined the queue (stamped under the executor's lock).
void executor_queued(Tracer& t, std::uint64_t id, std::size_t queue_length, std::int64_t at_ns);
void executor_run(Tracer& t, std::uint64_t id, std::int64_t start_ns, std::size_t worker);
void executor_returned(Tracer& t, std::uint64_t id);

// ---- the HTTP client ----
void http_request(Tracer& t, std::uint64_t id, std::int64_t start_ns, std::string name,
                  std::string detail);
void http_phase(Tracer& t, std::uint64_t id, std::int64_t start_ns, const char* phase,
                std::string detail);

}  // namespace looplab::trace
