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
// A task's trace id is given here, at task_created, and forgotten at task_done: a task made
// and run with no tracer never takes one, and TaskBase carries no tracing state.
#pragma once

#include <cstdint>
#include <unordered_map>

#include "runtime/loop_observer.hpp"
#include "runtime/observe/tracer.hpp"

namespace looplab {

class TraceObserver final : public LoopObserver {
public:
    explicit TraceObserver(Tracer& tracer) : tracer_(tracer) {}

    void after_poll(EventLoop& loop, const PollRecord& record) override;
    void callback_ran(EventLoop& loop, const CallbackRecord& record) override;
    void after_iteration(EventLoop& loop, const IterationRecord& record) override;
    void task_created(TaskBase& task) override;
    void task_stepped(TaskBase& task, const StepRecord& record) override;
    void task_done(TaskBase& task) override;

private:
    std::uint64_t id_of(const TaskBase& task);

    Tracer& tracer_;
    std::unordered_map<const TaskBase*, std::uint64_t> task_ids_;
};

}  // namespace looplab
