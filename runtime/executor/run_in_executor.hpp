// runtime/executor/run_in_executor.hpp: run a blocking call in a thread, await it from the loop.
//
// asyncio: loop.run_in_executor(executor, fn, *args), asyncio.wrap_future, asyncio.to_thread.
// libuv:   uv_queue_work: the work runs in the thread pool, the "after work" callback on the
//          loop thread.
//
//     std::string body = co_await loop.run_in_executor(nullptr, blocking_get, url);
//     std::string body = co_await to_thread(blocking_get, url);   // the same, shorter
//
// This is seed 000's "fast asyncio version": the blocking call does not block the loop
// because it runs on a worker thread, and the loop only sees a Future. The bridge between the
// two worlds (asyncio's wrap_future) is three callbacks:
//   1. the executor's ConcurrentFuture gets a done callback, which runs on the WORKER thread
//      and so may only do one thing: post to the loop's inbox (call_soon_threadsafe);
//   2. the posted callback runs on the loop thread and moves the outcome into the loop
//      Future, whose done callbacks wake the awaiting task as usual;
//   3. the loop Future gets a done callback: if it was cancelled, cancel the concurrent
//      future too, which prevents the call if no worker has started it yet (a running call
//      cannot be interrupted: it runs to the end and its result is dropped).
// Loop futures are loop-thread only (their reference count is not atomic), so the worker
// never copies or destroys a reference to one: the reference travels inside the posted
// callback, moved, never copied. If the loop has closed by the time the worker finishes,
// the post is refused and the callback is abandoned (ThreadsafeInbox::abandon keeps it,
// never run nor destroyed) rather than releasing the reference from the wrong thread: a
// small deliberate leak at shutdown instead of a data race.
//
// The call's exception travels as a value. The worker runs fn inside a wrapper that catches
// what fn throws and returns it in a CallOutcome, so the concurrent future always finishes
// "with a value", which the loop moves out. Why: an exception object is reference counted
// (std::exception_ptr), and if the worker held a reference, whichever thread dropped the last
// one would free the exception. When that is the worker, right after the loop read it, the
// count's atomics (inside libstdc++, not instrumented) are invisible to ThreadSanitizer, which
// then reports a race. Moved along, the exception is only ever released on the loop thread.
//
// Tracing: run_in_executor takes the loop's tracer at submit time and hands it to the
// executor with the call (submit_traced), so the worker records its executor_run slice into
// the same trace; the result's arrival back on the loop is executor_returned. With no tracer,
// nothing is recorded and nothing extra is allocated (the two words ride in the callbacks'
// inline storage).
//
// While a call is out, the loop counts it as external work: a virtual clock will not jump
// ahead of a thread that is still working, and debug mode does not call a task waiting for
// it stuck. The executor's stats() count these calls like any other submit().
#pragma once

#include <exception>
#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "runtime/coro.hpp"
#include "runtime/executor/thread_pool_executor.hpp"
#include "runtime/future.hpp"
#include "runtime/observe/trace_points.hpp"

namespace looplab {

namespace detail {

template <class T>
inline constexpr bool is_coro_v = false;
template <class T>
inline constexpr bool is_coro_v<Coro<T>> = true;

// What a call did: returned a value, or threw (see "The call's exception travels as a value").
template <class R>
struct CallOutcome {
    std::optional<ValueOf<R>> value;
    std::exception_ptr error;
};

// fn(args...) as a call returning its CallOutcome<R>. fn and args are decay-copied here, on
// the caller's thread, and passed to fn as rvalues (it is called once), as std::thread does.
// The call runs in a fresh context holding `context` (the caller's map: context.hpp), so that
// it sees the caller's variables and what it sets stays with this one call.
template <class R, class F, class... Args>
auto catching_call(ContextMapPtr context, F&& fn, Args&&... args) {
    return [context = std::move(context), fn = std::forward<F>(fn),
            ... args = std::forward<Args>(args)]() mutable {
        ContextState state{std::move(context)};
        ContextScope in_context(state);
        CallOutcome<R> outcome;
        try {
            if constexpr (std::is_void_v<R>) {
                std::invoke(std::move(fn), std::move(args)...);
                outcome.value.emplace();
            } else {
                outcome.value.emplace(std::invoke(std::move(fn), std::move(args)...));
            }
        } catch (...) {
            outcome.error = std::current_exception();
        }
        return outcome;
    };
}

// The loop future's label: "run_in_executor (queued 12 ms)", then "(running, 40 ms since
// submitted)", then "(returned after 52 ms)". subject: the concurrent future's state (alive while
// the loop future is pending: callback 3 below holds a copy); number: monotonic_ns() at submit.
template <class R>
void describe_executor_call(const Label& label, const LabelView& view, std::string& out) {
    if (!view.live) return;
    const std::string waited = labels::duration_text(Duration(monotonic_ns() - label.number));
    switch (ConcurrentFuture<CallOutcome<R>>::state_at(label.subject)) {
        case ConcurrentFutureState::pending:
            out += " (queued " + waited + ")";
            break;
        case ConcurrentFutureState::running:
            out += " (running, " + waited + " since submitted)";
            break;
        default:
            out += " (returned after " + waited + ")";
            break;
    }
}

// asyncio.wrap_future: a loop Future<R> mirroring the concurrent future of a catching_call.
// `tracer` / `trace_id`: the work item's, for executor_returned (null / 0: untraced).
template <class R>
Future<R> wrap_future(EventLoop& loop, ConcurrentFuture<CallOutcome<R>> source,
                      Tracer* tracer = nullptr, std::uint64_t trace_id = 0) {
    Future<R> result = loop.create_future<R>();
    result.state()->set_label(
        {"run_in_executor", &describe_executor_call<R>, source.address(), monotonic_ns()});
    loop.begin_external_work();

    // 1 and 2: worker thread -> inbox -> loop thread.
    source.add_done_callback([inbox = loop.inbox(), loop_ptr = &loop, target = result.state_ref(),
                              tracer, trace_id](ConcurrentFuture<CallOutcome<R>>& done) mutable {
        const FutureStateBase* const target_state = target.get();  // for the label only
        Callback deliver = [loop_ptr, target = std::move(target), done, tracer,
                            trace_id]() mutable {
            loop_ptr->end_external_work();
            if (tracer) [[unlikely]] {
                trace::executor_returned(*tracer, trace_id);
            }
            if (target->done()) return;  // cancelled on the loop side meanwhile
            if (done.cancelled()) {
                target->cancel();
                return;
            }
            if (std::exception_ptr error = done.exception()) {
                target->set_exception(error);  // not fn's exception: moving its outcome threw
                return;
            }
            // Moved out, not copied (a move-only R works too). Safe: nobody else reads it.
            // The concurrent future never left this file, the worker is done with it, and
            // result() took its mutex, so the worker's writes happened before.
            auto& outcome = const_cast<CallOutcome<R>&>(done.result());
            if (outcome.error) {
                target->set_exception(std::move(outcome.error));
            } else if constexpr (std::is_void_v<R>) {
                target->set_result();
            } else {
                target->set_result(std::move(*outcome.value));
            }
        };
        if (!inbox->post(deliver, SourceLocation::current(), nullptr,
                         labels::about(*target_state, "result arrives on the loop"))) {
            // The loop is closed: keep the reference instead of releasing it off-thread.
            ThreadsafeInbox::abandon(std::move(deliver));
        }
    });

    // 3: cancelling the loop future cancels the call if it has not started.
    result.add_done_callback([source](Future<R>& f) mutable {
        if (f.cancelled()) source.cancel();
    });
    return result;
}

}  // namespace detail

// Contract: fn and args are copied (decayed) here, on the loop thread; fn(args...) runs once
// on a worker of `executor` (nullptr: the loop's default executor, made on first use), in a
// copy of the current context (DIFFERENCE, context.hpp: asyncio's run_in_executor runs it in
// the worker's own); its
// value or exception completes the returned Future<R> on the loop thread. Cancelling that
// future before a worker has started the call prevents the call; after, the call runs to the
// end and its outcome is dropped. Throws InvalidStateError if the loop is closed or (with
// nullptr) its default executor has been shut down, and std::runtime_error if `executor` has.
template <class F, class... Args>
auto EventLoop::run_in_executor(ThreadPoolExecutor* executor, F&& fn, Args&&... args) {
    using R = detail::SubmitResult<F, Args...>;
    static_assert(!detail::is_coro_v<R>,
                  "run_in_executor: fn returns a Coro. A coroutine runs on the loop, not in a "
                  "thread: co_await it, or create_task it");
    check_open("run_in_executor");
    check_thread("run_in_executor");
    ThreadPoolExecutor& pool = executor ? *executor : default_executor();
    Tracer* const tracer = tracer_;
    const std::uint64_t trace_id = tracer ? trace::new_id() : 0;
    return detail::wrap_future<R>(
        *this,
        pool.submit_traced(tracer, trace_id,
                           detail::catching_call<R>(detail::current_map(), std::forward<F>(fn),
                                                    std::forward<Args>(args)...)),
        tracer, trace_id);
}

// asyncio.to_thread: fn(args...) in the running loop's default executor, in a copy of the
// current context (context.hpp). Loop thread only.
template <class F, class... Args>
auto to_thread(F&& fn, Args&&... args) {
    return get_running_loop().run_in_executor(nullptr, std::forward<F>(fn),
                                              std::forward<Args>(args)...);
}

}  // namespace looplab
