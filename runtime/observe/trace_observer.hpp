// runtime/observe/trace_observer.hpp: the observer that turns the loop's hooks into TraceEvents.
//
// asyncio: none (asyncio has no tracer); the model is Chrome's Trace Event format.
// libuv:   none; uv_metrics_info counts, it does not describe.
//
// loop.set_tracer(&recorder) installs one of these (through detail::make_trace_observer): it
// hears every iteration, poll, callback and task step through the observer door
// (loop_observer.hpp) and records each as a TraceEvent (tracer.hpp says what each kind's
// fields mean) into the Tracer it was given. The executor and the HTTP client do not go
// through it: they are not the loop, and record their own events into loop.tracer().
//
// For the loop explorer (runtime/trace/trace_html.cpp) it also records the loop's state at
// phase 1 (ready queue, timer heap, next deadline, registered fds), what phases 2 to 5 moved
// (ready fds, callbacks queued, each in words) and every change of the selector's interest:
// the trace then holds, per iteration, what a step-mode session would have printed.
//
// A task's trace id is given here, at task_created, and forgotten at task_done: a task made
// and run with no tracer never takes one, and TaskBase carries no tracing state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <utility>

#include "runtime/loop_observer.hpp"
#include "runtime/observe/tracer.hpp"
#include "runtime/observe/words.hpp"

namespace looplab {

class TraceObserver final : public LoopObserver {
public:
    explicit TraceObserver(Tracer& tracer) : tracer_(tracer) {}

    void before_poll(EventLoop& loop, std::optional<Duration> timeout) override;
    void after_poll(EventLoop& loop, const PollRecord& record) override;
    void after_phase(EventLoop& loop, LoopPhase phase) override;
    void callback_ran(EventLoop& loop, const CallbackRecord& record) override;
    void after_iteration(EventLoop& loop, const IterationRecord& record) override;
    void interest_changed(EventLoop& loop, const InterestRecord& record) override;
    void task_created(TaskBase& task) override;
    void task_stepped(TaskBase& task, const StepRecord& record) override;
    void task_done(TaskBase& task) override;

private:
    std::uint64_t id_of(const TaskBase& task);
    std::uint64_t callback_task_id(const TaskBase* task);

    Tracer& tracer_;
    std::unordered_map<const TaskBase*, std::uint64_t> task_ids_;
    // The task that finished last and its id, for the callback_ran that follows its last step.
    std::pair<const TaskBase*, std::uint64_t> just_done_{nullptr, 0};
    // The ready queue's length after the previous phase: what a phase queued is what lies
    // beyond it (phases only append).
    std::size_t ready_seen_ = 0;
    // Which task awaits which future, so that queued wake-ups are named after their task.
    observe::AwaitedBy awaited_;
};

}  // namespace looplab
