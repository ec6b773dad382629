// runtime/observe/trace_observer.cpp: see trace_observer.hpp.
#include "runtime/observe/trace_observer.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/event_loop.hpp"
#include "runtime/observe/trace_points.hpp"
#include "runtime/observe/words.hpp"
#include "runtime/selector/selector.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace {

const char* phase_name(LoopPhase phase) {
    switch (phase) {
        case LoopPhase::io:
            return "I/O callbacks";
        case LoopPhase::threadsafe:
            return "from other threads";
        case LoopPhase::timers:
            return "timers due";
    }
    return "";
}

int phase_number(LoopPhase phase) {
    switch (phase) {
        case LoopPhase::io:
            return 3;
        case LoopPhase::threadsafe:
            return 4;
        case LoopPhase::timers:
            return 5;
    }
    return 0;
}

std::string fd_text(const SelectorEvent& event) {
    std::string text = "fd " + std::to_string(event.fd);
    if (event.events & kRead) text += " read";
    if (event.events & kWrite) text += " write";
    return text;
}

}  // namespace

// Phase 1's picture: what the loop holds as it decides how long to block.
void TraceObserver::before_poll(EventLoop& loop, std::optional<Duration>) {
    std::int64_t next_ns = -1;
    if (const std::optional<TimePoint> next = loop.next_timer_deadline()) {
        next_ns = std::max<std::int64_t>(0, (*next - loop.clock().now()).count());
    }
    trace::loop_state(tracer_, loop.ready_count(), loop.timer_count(), next_ns,
                      loop.watched_fd_count());
    ready_seen_ = loop.ready_count();
}

void TraceObserver::after_poll(EventLoop& loop, const PollRecord& record) {
    trace::poll(tracer_, record.start_ns, record.end_ns, record.timeout, record.events);
    const std::vector<SelectorEvent>& events = loop.polled_events();
    std::vector<std::string> items;
    for (std::size_t i = 0; i < events.size() && i < kPhaseItems; ++i) {
        items.push_back(fd_text(events[i]));
    }
    trace::loop_phase(tracer_, 2, "poll", events.size(), items);
}

void TraceObserver::after_phase(EventLoop& loop, LoopPhase phase) {
    const std::vector<Handle>& ready = loop.ready_handles();
    const std::size_t queued = ready.size() > ready_seen_ ? ready.size() - ready_seen_ : 0;
    std::vector<std::string> items;
    for (std::size_t i = ready_seen_; i < ready.size() && items.size() < kPhaseItems; ++i) {
        items.push_back(observe::callback_text(loop, ready[i], &awaited_));
    }
    trace::loop_phase(tracer_, phase_number(phase), phase_name(phase), queued, items);
    ready_seen_ = ready.size();
}

// Named in words (observe/words.hpp): "Task 'fetch' wakes up (sleep 100 ms done)".
void TraceObserver::callback_ran(EventLoop& loop, const CallbackRecord& record) {
    trace::callback(tracer_, record.start_ns, record.end_ns, record.handle.where(),
                    observe::ran_text(loop, record), callback_task_id(record.task));
}

void TraceObserver::interest_changed(EventLoop&, const InterestRecord& record) {
    trace::interest(tracer_, record.fd, record.before, record.now);
}

void TraceObserver::after_iteration(EventLoop&, const IterationRecord& record) {
    trace::iteration(tracer_, record.start_ns, record.end_ns, record.number, record.callbacks);
}

std::uint64_t TraceObserver::id_of(const TaskBase& task) {
    auto [it, added] = task_ids_.try_emplace(&task, 0);
    if (added) it->second = trace::new_id();
    return it->second;
}

// A task's last step ends in task_done, which forgets its id, before callback_ran reports
// the callback that ran the step: that one task's id is remembered until then.
std::uint64_t TraceObserver::callback_task_id(const TaskBase* task) {
    if (!task) return 0;
    // A live task's own id first: a new task may have been made where the done one was.
    if (task_ids_.count(task) == 0 && task == just_done_.first) return just_done_.second;
    return id_of(*task);
}

void TraceObserver::task_created(TaskBase& task) {
    trace::task_created(tracer_, id_of(task), task.get_name(), task.created_at());
}

// The step's slice, then (the coroutine is suspended, not finished) what it waits for: the
// instant comes after the slice so that, on the loop thread, events keep their end order.
void TraceObserver::task_stepped(TaskBase& task, const StepRecord& record) {
    awaited_.task_stepped(task, record);
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
    awaited_.task_done(task);
    const std::uint64_t id = id_of(task);
    trace::task_done(tracer_, id, task.get_name(), outcome);
    task_ids_.erase(&task);
    just_done_ = {&task, id};
}

namespace detail {

std::unique_ptr<LoopObserver> make_trace_observer(Tracer& tracer) {
    return std::make_unique<TraceObserver>(tracer);
}

}  // namespace detail
}  // namespace looplab
