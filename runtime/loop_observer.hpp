// runtime/loop_observer.hpp: LoopObserver, the one door through which anything watches the loop.
//
// asyncio: no single door. BaseEventLoop._run_once times callbacks itself when loop._debug is
//          set, and sys.monitoring / asyncio 3.14's call-graph functions look from outside.
// libuv:   uv_prepare_t and uv_check_t (callbacks just before and after the poll) and
//          uv_metrics_info; the core knows no tool that watches it.
//
// Four tools watch the loop: debug mode (runtime/observe/debug.hpp), step mode
// (runtime/observe/step_mode.hpp), the tracer (runtime/observe/trace_observer.hpp) and loop
// metrics (runtime/observe/loop_metrics.hpp). Each wants to see the same few moments of an
// iteration and of a task's step. Rather than the loop knowing each of them (and including
// them, while they include the loop back), the loop knows only this interface: it tells every
// installed observer what happened, and each observer decides what that means to it. The core
// (runtime/*.cpp) includes no observer; with none installed, each place that would tell one
// costs one load and one predictable branch (runtime_bench's rows: docs/architecture.md,
// "The observer door").
//
// What the loop tells, in this order, in each iteration (run_once's phases are numbered as in
// event_loop.hpp):
//
//   before_iteration                 nothing has happened yet (step mode waits for Enter here)
//   before_poll(timeout)             phase 1's answer. An observer may schedule callbacks here
//                                    (debug mode's stuck-task report goes to the exception
//                                    handler, which may call stop()), so the loop then decides
//                                    the timeout again before it polls.
//   after_poll(PollRecord)           phase 2: how long the selector blocked and what it found
//   after_phase(io)                  phase 3: ready fds' callbacks joined the ready queue
//   after_phase(threadsafe)          phase 4: other threads' callbacks joined it
//   after_phase(timers)              phase 5: expired timers joined it
//   before_callbacks(handles)        phase 6 begins, with exactly these callbacks
//   before_callback(handle)          once per callback, just before it runs (the watchdog
//                                    publishes what the loop is inside)
//   callback_ran(CallbackRecord)     once per callback run, with its times and the task it
//                                    stepped (if it was a task's step)
//   after_iteration(IterationRecord)
//
// What a task tells (task.cpp): task_created, then task_stepped once per step (with what the
// step ended in), then task_done once.
//
// Contract for observers:
//   - Hooks run on the loop's thread, inline, in the order above; every hook has an empty
//     default, so an observer overrides only what it watches.
//   - A hook may schedule callbacks and call the exception handler; it must not run the loop,
//     and it must not throw (the loop does not catch: an observer is trusted code).
//   - add_observer / remove_observer may be called from inside a hook, including by the
//     observer on itself; the change applies from the next hook on (observer_list.hpp).
//   - An observer is not owned by the loop (add_observer) unless the loop made it itself
//     (set_debug, set_step_mode, set_tracer: the factories at the end of this file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>

#include "runtime/clock.hpp"

namespace looplab {

class EventLoop;
class Handle;
class TaskBase;
class Tracer;

namespace detail {
class FutureStateBase;
}

// The phases after which the loop calls after_phase (3, 4 and 5 of run_once).
enum class LoopPhase { io, threadsafe, timers };

// Phase 2, as it happened. Times are monotonic_ns() (clock.hpp): real time even on a
// ManualClock, so that a trace shows what the machine did.
struct PollRecord {
    std::optional<Duration> timeout;  // what phase 1 asked for; nullopt: block until I/O
    std::int64_t start_ns = 0;
    std::int64_t end_ns = 0;
    std::size_t events = 0;  // ready fds returned (the wake-up fd included)
};

// One callback of phase 6.
struct CallbackRecord {
    const Handle& handle;
    TaskBase* task;  // the task whose step this callback ran, or nullptr for a plain callback
    std::int64_t start_ns;
    std::int64_t end_ns;
};

struct IterationRecord {
    std::uint64_t number;   // loop.iteration_count() of this iteration
    std::int64_t start_ns;  // before before_iteration
    std::int64_t end_ns;    // after the last callback
    std::size_t callbacks;  // callbacks phase 6 ran
};

// How a task's step ended: what the task does next.
enum class StepEnd {
    finished,       // the coroutine returned or threw: the task is done
    awaits_future,  // suspended on a pending future; awaited says which
    yielded,        // sleep(0): its next step is already scheduled
    lost,           // suspended on something that is not a looplab future (a bug; reported)
};

struct StepRecord {
    std::int64_t start_ns;
    std::int64_t end_ns;
    StepEnd end;
    const detail::FutureStateBase* awaited;  // set when end == awaits_future
};

class LoopObserver {
public:
    virtual ~LoopObserver() = default;

    // ---- the loop, in the order of one iteration ----
    virtual void before_iteration(EventLoop&) {}
    virtual void before_poll(EventLoop&, std::optional<Duration> /*timeout*/) {}
    virtual void after_poll(EventLoop&, const PollRecord&) {}
    virtual void after_phase(EventLoop&, LoopPhase) {}
    virtual void before_callbacks(EventLoop&, std::span<const Handle>) {}
    virtual void before_callback(EventLoop&, const Handle&) {}
    virtual void callback_ran(EventLoop&, const CallbackRecord&) {}
    virtual void after_iteration(EventLoop&, const IterationRecord&) {}

    // ---- tasks ----
    virtual void task_created(TaskBase&) {}
    virtual void task_stepped(TaskBase&, const StepRecord&) {}
    virtual void task_done(TaskBase&) {}
};

namespace detail {

// The observers the loop can make by itself, for a flag or an environment variable
// (set_debug / LOOPLAB_DEBUG, set_step_mode / LOOPLAB_STEP, set_tracer). Declared here so
// that the core can switch them on without including them; each is defined in its file in
// runtime/observe/.
std::unique_ptr<LoopObserver> make_debug_observer(EventLoop& loop);
std::unique_ptr<LoopObserver> make_step_observer(std::istream& in, std::ostream& out);
std::unique_ptr<LoopObserver> make_trace_observer(Tracer& tracer);

}  // namespace detail
}  // namespace looplab
