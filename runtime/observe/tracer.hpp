// runtime/observe/tracer.hpp: what the loop, its tasks, its executor and the HTTP client report
// when someone is watching: one event type and one small interface.
//
// asyncio: nothing built in (loop.set_debug and sys.monitoring are the nearest); the
//          model is Chrome's Trace Event format and libuv's uv_metrics_info.
// libuv:   uv_metrics_info / uv_metrics_idle_time (loop metrics only).
//
// Why one flat event type: every exporter (Chrome JSON, terminal timeline, SVG: see
// trace_export.hpp) needs the same few facts (what, when, how long, which task or request,
// which thread), and a flat struct is something a student can print, filter and sort with
// plain code. The instrumented code builds a TraceEvent only when a tracer is installed:
//
//     if (auto* t = loop.tracer()) [[unlikely]] t->record({...});
//
// so with tracing off a traced path costs one load and one branch, and allocates nothing
// (tests/runtime/tracer_test.cpp counts allocations to hold us to that).
//
// Times are nanoseconds of the steady (monotonic) clock, as returned by trace_now(), on every
// thread, so events from the loop thread and from executor workers share one time axis.
// They are real time even when the loop runs on a ManualClock: a timeline shows what the
// machine did.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/clock.hpp"
#include "runtime/source_location.hpp"

namespace looplab {

// Each kind says what its fields mean. "Slice" kinds have a duration; "instant" kinds have
// duration_ns == 0. `id` ties events of one task, work item or request together.
enum class TraceKind : std::uint8_t {
    // ---- the loop (recorded by trace_observer.cpp), one per run_once phase of interest ----
    iteration,  // slice: one run_once. a = iteration number, b = callbacks run in phase 6.
    poll,       // slice: phase 2, the selector call. a = timeout asked in ns (-1: forever),
                //        b = ready events returned.
    callback,   // slice: one callback run in phase 6. name = what it did, in words ("Task
                //        'fetch' wakes up (sleep 100 ms done)": observe/words.hpp), where =
                //        scheduled at.
    // ---- tasks (recorded by trace_observer.cpp) ----
    task_created,  // instant: id = task id, name = task name, where = create_task call site.
    task_step,     // slice: one step of the task. id = task id, name = task name.
    task_wait,     // instant: the task suspended. id = task id, name = what it awaits, in
                   //          words ("sleep 100 ms (due in 100 ms)": observe::awaited_text).
    task_done,     // instant: id = task id, a = 0 result, 1 cancelled, 2 exception.
    // ---- the executor (thread_pool_executor.cpp) ----
    executor_queued,    // instant: id = work item id, a = queue length after queuing.
    executor_run,       // slice on the worker's thread: id = work item id, a = worker index.
    executor_returned,  // instant on the loop thread: the result came back. id = work item id.
    // ---- the HTTP client (http/client_*.cpp) ----
    http_request,  // slice: one request from call to result or error. id = request id,
                   //        name = "GET http://host/path", detail = "200" or the error.
    http_phase,    // slice: one phase of a request. id = request id, name = the phase:
                   //        "pool wait", "connect", "send", "first byte", "body".
                   //        detail = "timeout" when a timeout hit this phase.
    // ---- anything else a program wants on its timeline ----
    mark,  // slice or instant: name and detail are the program's own.
};

enum class TaskOutcome : std::int64_t { result = 0, cancelled = 1, exception = 2 };

struct TraceEvent {
    TraceKind kind = TraceKind::mark;
    std::int64_t start_ns = 0;     // trace_now() when it began (instants: when it happened)
    std::int64_t duration_ns = 0;  // 0 for instants
    std::uint64_t id = 0;          // task, work item or request id; 0 when none
    std::int64_t a = 0;            // kind-specific numbers, as listed above
    std::int64_t b = 0;
    std::uint32_t thread = 0;  // filled in by the recorder: 0 = first thread it saw
    std::string name;
    std::string detail;
    SourceLocation where;
};

// Nanoseconds on the steady clock: the time base of every TraceEvent (the loop's observers'
// clock, monotonic_ns in clock.hpp).
inline std::int64_t trace_now() noexcept {
    return monotonic_ns();
}

// The interface the runtime calls. record() may be called from any thread (executor workers
// record their own events), so implementations must be thread-safe.
class Tracer {
public:
    virtual ~Tracer() = default;
    virtual void record(TraceEvent event) = 0;
};

}  // namespace looplab
