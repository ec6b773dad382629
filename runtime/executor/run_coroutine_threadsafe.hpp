// runtime/executor/run_coroutine_threadsafe.hpp: start a coroutine on a loop from another thread.
//
// asyncio: asyncio.run_coroutine_threadsafe(coro, loop) (tasks.py), built on
//          futures._chain_future.
//
//     // on any thread but the loop's:
//     ConcurrentFuture<int> f = run_coroutine_threadsafe(compute(), loop);
//     int answer = f.result(5s);    // blocks this thread, not the loop
//
// run_in_executor's mirror image: there the loop hands a call to a thread and awaits a loop
// Future; here a thread hands a coroutine to the loop and blocks on a ConcurrentFuture. Three
// callbacks again:
//   1. call_soon_threadsafe: on the loop thread, the coroutine becomes a task;
//   2. the task's done callback (loop thread) copies its outcome into the ConcurrentFuture,
//      which wakes whoever blocks in result();
//   3. the ConcurrentFuture's done callback: if it was cancelled (by the caller, on its
//      thread), post to the loop a request to cancel the task (asyncio does the same).
//
// Why the link in the middle holds a raw pointer. The canceller must reach the task, but a
// task (its reference count is not atomic) may only be referred to, copied and released on the
// loop thread. So the other threads share only a Link: an atomic-free struct whose one field,
// the task's pointer, is written and read on the loop thread alone (set when the task is made,
// cleared by the task's done callback, read by the posted cancel). A cancel that arrives after
// the task finished finds the pointer cleared and does nothing; one that arrives before finds a
// task that is alive, because the loop keeps pending tasks alive and a done task is held by its
// pending done callback until that callback has cleared the pointer.
//
// The coroutine's frame was made on the calling thread (calling a coroutine function only
// allocates it); from the post on it belongs to the loop thread, which runs and frees it.
#pragma once

#include <memory>
#include <utility>

#include "runtime/executor/concurrent_future.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace detail {

struct CoroutineLink {
    TaskBase* task = nullptr;  // loop thread only: set while the task is pending
};

template <class T>
void copy_into(Future<T>& done, ConcurrentFuture<T>& target) {
    if (done.cancelled()) {
        target.cancel();
        return;
    }
    if (!target.set_running_or_notify_cancel()) return;  // the caller cancelled it meanwhile
    if (std::exception_ptr error = done.exception()) {
        target.set_exception(std::move(error));
    } else if constexpr (std::is_void_v<T>) {
        target.set_result();
    } else {
        target.set_result(done.state()->take_result());
    }
}

}  // namespace detail

// Schedules `coro` on `loop` (which must be running, or about to run, on its own thread) and
// returns a ConcurrentFuture for its result. Any thread but the loop's (from the loop thread
// itself, blocking on the result would deadlock: use create_task). Cancelling the future
// cancels the task (asynchronously, through the loop). Throws InvalidStateError if the loop is
// closed.
template <class T>
ConcurrentFuture<T> run_coroutine_threadsafe(Coro<T> coro, EventLoop& loop) {
    ConcurrentFuture<T> result;
    auto link = std::make_shared<detail::CoroutineLink>();
    auto inbox = loop.inbox();

    // 3: a cancel from the caller's side asks the loop to cancel the task.
    result.add_done_callback([inbox, link](ConcurrentFuture<T>& f) {
        if (!f.cancelled()) return;
        Callback cancel_task = [link] {
            if (link->task) link->task->cancel();
        };
        inbox->post(cancel_task);  // refused once the loop is closed: nothing left to cancel
    });

    // 1 and 2, on the loop thread.
    Callback start = [&loop, coro = std::move(coro), result, link]() mutable {
        Task<T> task = loop.create_task(std::move(coro));
        link->task = &task.base();
        task.add_done_callback([result, link](Future<T>& done) mutable {
            link->task = nullptr;
            detail::copy_into(done, result);
        });
        if (result.cancelled()) task.cancel();  // cancelled before the task even existed
    };
    if (!inbox->post(start)) {
        throw InvalidStateError("run_coroutine_threadsafe on a closed event loop");
    }
    return result;
}

}  // namespace looplab
