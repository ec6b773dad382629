// runtime/timeout.hpp: give an await a deadline.
//
// asyncio: asyncio.timeout / timeout_at (timeouts.py, 3.11) and asyncio.wait_for (3.12,
//          which is built on timeout()).
//
//     std::string body = co_await timeout(2s, fetch(url));   // TimeoutError after 2 s
//     int n = co_await wait_for(compute(), 100ms);             // same, in a separate task
//
// timeout(d, aw) runs `aw` in the current task (a Coro runs inline, no new task). A timer
// cancels the current task at the deadline; the CancelledError travels up from whatever the
// task was awaiting, and when it reaches this scope it is turned into TimeoutError. To tell
// "cancelled by my deadline" from "cancelled by someone else", the scope takes its own
// cancellation request back with uncancel(): only if no other request remains does it become
// a TimeoutError; otherwise the CancelledError keeps going (asyncio 3.11's rule).
//
// wait_for(aw, d) wraps `aw` in a task first and awaits that under timeout(): on timeout the
// inner task is cancelled and awaited until it has really finished (its cleanup has run)
// before TimeoutError is raised.
//
// (C++ has no `async with`, so the scope is a function taking the awaitable.)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "runtime/awaitable_traits.hpp"

namespace looplab {

namespace detail {

template <class T, class Aw>
Coro<T> run_with_deadline(TimePoint deadline, Aw aw) {
    TaskBase* task = current_task();
    if (!task) throw InvalidStateError("timeout() must be awaited inside a task");
    EventLoop& loop = task->loop();
    const int cancelling_at_enter = task->cancelling();
    auto expired = std::make_shared<bool>(false);
    TimerHandle timer = loop.call_at(deadline, [t = task->ref(), expired] {
        *expired = true;
        t->as_task()->cancel("timeout");
    });
    timer.set_label(labels::about(task->future(), "cancelled by timeout"));

    std::optional<ValueOf<T>> value;
    std::exception_ptr cancelled;
    try {
        if constexpr (std::is_void_v<T>) {
            co_await std::move(aw);
            value.emplace();
        } else {
            value.emplace(co_await std::move(aw));
        }
    } catch (const CancelledError&) {
        cancelled = std::current_exception();
    } catch (...) {
        timer.cancel();
        if (*expired) task->uncancel();
        throw;
    }
    timer.cancel();
    if (*expired) {
        // Take our own request back; if none is left, the cancellation was ours.
        if (task->uncancel() <= cancelling_at_enter && cancelled) throw TimeoutError();
    }
    if (cancelled) std::rethrow_exception(cancelled);
    if constexpr (!std::is_void_v<T>) co_return std::move(*value);
}

}  // namespace detail

// Runs `aw` (a Coro, Task or Future) in the current task; TimeoutError if it is not done
// by `deadline` on the loop's clock.
template <class Aw>
auto timeout_at(TimePoint deadline, Aw aw) -> Coro<detail::awaited_t<Aw>> {
    return detail::run_with_deadline<detail::awaited_t<Aw>>(deadline, std::move(aw));
}

// Same, with a duration from now.
template <class Aw>
auto timeout(Duration delay, Aw aw) -> Coro<detail::awaited_t<Aw>> {
    return timeout_at(get_running_loop().time() + delay, std::move(aw));
}

// asyncio.wait_for: `aw` becomes a task (if it is a Coro); on timeout that task is cancelled
// and awaited until it has finished, then TimeoutError is raised.
template <class Aw>
auto wait_for(Aw aw, Duration delay) -> Coro<detail::awaited_t<Aw>> {
    using T = detail::awaited_t<Aw>;
    Future<T> inner = detail::to_future(std::move(aw));
    if (delay <= Duration::zero() && !inner.done()) {
        // asyncio: a zero timeout still gives an already-finished future its result (the
        // general path below does). A pending one is cancelled and waited for, on a separate
        // future (asyncio's _cancel_and_wait): cancelling *us* meanwhile then cancels only
        // that wait and stays CancelledError, instead of being absorbed by the inner one.
        Future<void> finished = get_running_loop().template create_future<void>();
        finished.state()->set_label(labels::about(*inner.state(), "cancelled by wait_for(0)"));
        const std::uint64_t id = inner.add_done_callback([finished](Future<T>&) mutable {
            if (!finished.done()) finished.set_result();
        });
        inner.cancel("timeout");
        std::exception_ptr cancelled;
        try {
            co_await Future<void>(finished);
        } catch (...) {
            cancelled = std::current_exception();
        }
        inner.remove_done_callback(id);
        if (cancelled) std::rethrow_exception(cancelled);
        // Only a cancelled inner is a timeout; one that ignored the cancellation gives its
        // value (or exception), as asyncio's `return fut.result()` does.
        if (inner.cancelled()) throw TimeoutError();
        co_return inner.result();
    }
    co_return co_await timeout(delay, std::move(inner));
}

}  // namespace looplab
