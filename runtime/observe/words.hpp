// runtime/observe/words.hpp: how every observer names a callback and what a task awaits.
//
// asyncio: asyncio 3.14's call graph (asyncio.print_call_graph) and Task.__repr__, which
//          name a task's wait ("sleep", "Lock.acquire") rather than the future's class.
// tokio:   tokio-console's task view ("waker: sleep 100ms").
//
// Step mode, the task dump, the tracer's task_wait and callback events, debug mode's reports
// and the watchdog all say the same words for the same thing, because they all ask here. The
// words come from the labels (runtime/label.hpp) that whoever made the future or scheduled
// the callback set; where there is none, the scheduling site, read as a person would write
// it ("app.cpp:12 in main_coro"), never a compiler's type names.
//
// A callback's words, before it runs and after:
//
//     Task 'fetch' starts                         a task's first step (task.cpp's label)
//     timer: sleep 100 ms ends                    the sleep's timer (sleep.hpp)
//     Task 'fetch' wakes up (sleep 100 ms done)   the awaited future's done callback, called
//                                                 after the task that awaits it (AwaitedBy)
//     transport fd 7: readable                    a reader callback (net/fd_label.hpp)
//     callback from app.cpp:12 in main_coro       a plain call_soon nobody labelled
//
// Why AwaitedBy guesses before the run and knows after. A future's done callbacks all carry
// the same label (the future's), and one of them is the wake-up of the task that awaits it.
// Before they run, an observer that remembers which task awaits which future (from
// task_stepped) calls them that task's wake-up: right for the one future in a hundred that has
// more callbacks only for its first one, right for all the others. After a callback ran, its
// CallbackRecord says which task it stepped, for certain; ran_text uses that.
#pragma once

#include <string>
#include <unordered_map>

#include "runtime/handle.hpp"
#include "runtime/loop_observer.hpp"
#include "runtime/source_location.hpp"

namespace looplab {

class EventLoop;
class TaskBase;

namespace detail {
class FutureStateBase;
}

namespace observe {

// "app.cpp:12 in main_coro": the file without its directories, the function without its
// template arguments ("to_future<std::__cxx11::basic_string<char> >" is "to_future").
std::string site_text(const SourceLocation& where);

// What a task waiting on `future` waits for: the future's own words ("sleep 100 ms (due in
// 42 ms)", "Task 'child'"), or, for a plain future nobody labelled, "a Future nobody
// labelled (loop.create_future)" rather than the bare type name.
std::string awaited_text(const detail::FutureStateBase& future);

// Which task awaits which future, as the observers see it (from task_stepped / task_done).
class AwaitedBy {
public:
    void task_stepped(TaskBase& task, const StepRecord& record);
    void task_done(TaskBase& task);
    // The task waiting on `future`, or nullptr.
    const TaskBase* task_of(const void* future) const;

private:
    std::unordered_map<const void*, const TaskBase*> by_future_;
    std::unordered_map<const TaskBase*, const void*> by_task_;
};

// A queued callback, before it runs (step mode's ready queue, the watchdog).
std::string callback_text(const EventLoop& loop, const Handle& handle, const AwaitedBy* awaited);
// A callback that just ran: record.task names the task it stepped, if any.
std::string ran_text(const EventLoop& loop, const CallbackRecord& record);

}  // namespace observe
}  // namespace looplab
