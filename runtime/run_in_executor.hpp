// runtime/run_in_executor.hpp: run a blocking call in a thread, await it from the loop.
//
// asyncio: loop.run_in_executor(executor, fn, *args), asyncio.wrap_future, asyncio.to_thread.
// libuv:   uv_queue_work: the work runs in the thread pool, the "after work" callback on the
//          loop thread.
//
//     std::string body = co_await loop.run_in_executor(nullptr, blocking_get, url);
//
// This is seed 000's "fast asyncio version": the blocking call does not block the loop
// because it runs on a worker thread, and the loop only sees a Future. The bridge between the
// two worlds (asyncio's wrap_future) is three callbacks:
//   1. the executor's ConcurrentFuture gets a done callback, which runs on the WORKER thread
//      and so may only do one thing: post to the loop's inbox (call_soon_threadsafe);
//   2. the posted callback runs on the loop thread and copies the outcome into the loop
//      Future, whose done callbacks wake the awaiting task as usual;
//   3. the loop Future gets a done callback: if it was cancelled, cancel the concurrent
//      future too, which prevents the call if no worker has started it yet (a running call
//      cannot be interrupted: it runs to the end and its result is dropped).
// Loop futures are loop-thread only (their reference count is not atomic), so the worker
// never copies or destroys a reference to one: the reference travels inside the posted
// callback, moved, never copied. If the loop has closed by the time the worker finishes,
// the post is refused and the reference is deliberately leaked rather than released from the
// wrong thread (a small leak at shutdown instead of a data race).
//
// While a call is out, the loop counts it as external work: a virtual clock will not jump
// ahead of a thread that is still working.
#pragma once

#include <type_traits>
#include <utility>

#include "runtime/coro.hpp"
#include "runtime/future.hpp"
#include "runtime/thread_pool_executor.hpp"

namespace looplab {

namespace detail {

// asyncio.wrap_future: a loop Future mirroring a ConcurrentFuture.
template <class R>
Future<R> wrap_future(EventLoop& loop, ConcurrentFuture<R> source) {
    Future<R> result = loop.create_future<R>();
    loop.begin_external_work();

    // 1 and 2: worker thread -> inbox -> loop thread.
    source.add_done_callback([inbox = loop.inbox(), loop_ptr = &loop,
                              target = result.state_ref()](ConcurrentFuture<R>& done) mutable {
        Callback deliver = [loop_ptr, target = std::move(target), done]() mutable {
            loop_ptr->end_external_work();
            if (target->done()) return;  // cancelled on the loop side meanwhile
            if (done.cancelled()) {
                target->cancel();
            } else if (std::exception_ptr error = done.exception()) {
                target->set_exception(error);
            } else if constexpr (std::is_void_v<R>) {
                target->set_result();
            } else {
                target->set_result(done.result());
            }
        };
        if (!inbox->post(deliver)) {
            // The loop is closed: leak the reference instead of releasing it off-thread.
            (void)new Callback(std::move(deliver));
        }
    });

    // 3: cancelling the loop future cancels the call if it has not started.
    result.add_done_callback([source](Future<R>& f) mutable {
        if (f.cancelled()) source.cancel();
    });
    return result;
}

}  // namespace detail

template <class F, class... Args>
auto EventLoop::run_in_executor(ThreadPoolExecutor* executor, F&& fn, Args&&... args) {
    check_thread("run_in_executor");
    ThreadPoolExecutor& pool = executor ? *executor : default_executor();
    return detail::wrap_future(*this, pool.submit(std::forward<F>(fn), std::forward<Args>(args)...));
}

// asyncio.to_thread: fn(args...) in the running loop's default executor.
template <class F, class... Args>
auto to_thread(F&& fn, Args&&... args) {
    return get_running_loop().run_in_executor(nullptr, std::forward<F>(fn),
                                              std::forward<Args>(args)...);
}

}  // namespace looplab
