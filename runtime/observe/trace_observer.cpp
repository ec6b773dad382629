// runtime/observe/trace_observer.cpp: see trace_observer.hpp.
#include "runtime/observe/trace_observer.hpp"

#include <memory>
#include <string_view>

#include "runtime/observe/trace_points.hpp"
#include "runtime/observe/words.hpp"
#include "runtime/task.hpp"

namespace looplab {

void TraceObserver::after_poll(EventLoop&, const PollRecord& record) {
    trace::poll(tracer_, record.start_ns, record.end_ns, record.timeout, record.events);
}

// Named in words (observe/words.hpp): "Task 'fetch' wakes up (sleep 100 ms done)".
void TraceObserver::callback_ran(EventLoop& loop, const CallbackRecord& record) {
    trace::callback(tracer_, record.start_ns, record.end_ns, record.handle.where(),
                    observe::ran_text(loop, record));
}

void TraceObserver::after_iteration(EventLoop&, const IterationRecord& record) {
    trace::iteration(tracer_, record.start_ns, record.end_ns, record.number, record.callbacks);
}

std::uint64_t TraceObserver::id_of(const TaskBase& task) {
    auto [it, added] = task_ids_.try_emplace(&task, 0);
    if (added) it->second = trace::new_id();
    return it->second;
}

void TraceObserver::task_created(TaskBase& task) {
    trace::task_created(tracer_, id_of(task), task.get_name(), task.created_at());
}

// The step's slice, then (the coroutine is suspended, not finished) what it waits for: the
// instant comes after the slice so that, on the loop thread, events keep their end order.
void TraceObserver::task_stepped(TaskBase& task, const StepRecord& record) {
    const std::uint64_t id = id_of(task);
    trace::task_step(tracer_, id, task.get_name(), record.start_ns, record.end_ns);
    if (record.end == StepEnd::awaits_future) {
        trace::task_wait(tracer_, id, observe::awaited_text(*record.awaited));
    } else if (record.end == StepEnd::yielded) {
        trace::task_wait(tracer_, id, "sleep(0): the next iteration");
    }
}

void TraceObserver::task_done(TaskBase& task) {
    const detail::FutureStateBase& f = task.future();
    const TaskOutcome outcome = f.cancelled() ? TaskOutcome::cancelled
                                : f.failed()  ? TaskOutcome::exception
                                              : TaskOutcome::result;
    trace::task_done(tracer_, id_of(task), task.get_name(), outcome);
    task_ids_.erase(&task);
}

namespace detail {

std::unique_ptr<LoopObserver> make_trace_observer(Tracer& tracer) {
    return std::make_unique<TraceObserver>(tracer);
}

}  // namespace detail
}  // namespace looplab
