// runtime/timeout.hpp: give an await a deadline.
//
// asyncio: asyncio.Timeout, asyncio.timeout / timeout_at (timeouts.py, 3.11) and
//          asyncio.wait_for (3.12, which is built on timeout()).
//
//     std::string body = co_await timeout(2s, fetch(url));   // TimeoutError after 2 s
//     int n = co_await wait_for(compute(), 100ms);             // same, in a separate task
//
//     Timeout scope = Timeout::after(10s);                     // the scope as an object
//     co_await scope.run(download(scope));                     // download may reschedule it
//     if (scope.expired()) ...
//
// A Timeout is asyncio's `async with asyncio.timeout(d) as cm:` made into an object (C++ has
// no `async with`, so the block is the awaitable given to run()). run(aw) runs `aw` in the
// current task (a Coro runs inline, no new task). A timer cancels the current task at the
// deadline; the CancelledError travels up from whatever the task was awaiting, and when it
// reaches this scope it is turned into TimeoutError. To tell "cancelled by my deadline" from
// "cancelled by someone else", the scope takes its own cancellation request back with
// uncancel(): only if no other request remains does it become a TimeoutError; otherwise the
// CancelledError keeps going (asyncio 3.11's rule).
//
// States (asyncio's _State, with its names):
//
//     created --run()--> active --deadline--> expiring --run() ends--> expired
//                          |                                    (TimeoutError if the
//                          +------run() ends----------> finished  cancellation was ours)
//
// when() is the deadline (nullopt: none, asyncio's None); reschedule() moves it while the scope
// is active; expired() is true from the moment the deadline fired. A deadline that is already
// past when the scope starts (or is rescheduled to) takes effect through call_soon, as in
// asyncio: the body runs until its first suspension and is cancelled there, even if that
// suspension is a sleep(0) (the cancel is queued before the task's next step).
//
// wait_for(aw, d) wraps `aw` in a task first and awaits that under timeout(): on timeout the
// inner task is cancelled and awaited until it has really finished (its cleanup has run)
// before TimeoutError is raised.
//
// Deadlines saturate (clock.hpp): timeout(Duration::max(), aw) never expires.
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/awaitable_traits.hpp"

namespace looplab {

// Loop-thread only. Not copyable or movable: its timer refers to it.
class Timeout {
public:
    // A scope with deadline `when` on the loop's clock; nullopt: no deadline (asyncio:
    // asyncio.timeout_at(when)). Needs no running loop until run().
    explicit Timeout(std::optional<TimePoint> when) : when_(when) {}
    // A scope whose deadline is `delay` from now on the running loop's clock; nullopt: none
    // (asyncio.timeout(delay)).
    static Timeout after(std::optional<Duration> delay) {
        if (!delay) return Timeout(std::nullopt);
        return Timeout(deadline_after(get_running_loop().time(), *delay));
    }
    Timeout(const Timeout&) = delete;
    Timeout& operator=(const Timeout&) = delete;
    ~Timeout() { timer_.cancel(); }

    // The deadline, or nullopt for none.
    std::optional<TimePoint> when() const noexcept { return when_; }
    // Moves the deadline (nullopt: none). Only while the scope is active: InvalidStateError
    // "Timeout has not been entered" before run(), "Cannot change state of <state> Timeout" once
    // it has expired or finished.
    void reschedule(std::optional<TimePoint> when);
    // The deadline fired (whether or not run() has returned yet).
    bool expired() const noexcept { return state_ == State::expiring || state_ == State::expired; }
    // "created", "active", "expiring", "expired" or "finished" (asyncio's state names).
    const char* state_name() const noexcept;

    // Runs `aw` (a Coro, Task or Future) inside the scope, in the current task: its value, or
    // TimeoutError if the deadline cancelled it. Once per Timeout (InvalidStateError "Timeout has
    // already been entered" the second time); InvalidStateError outside a task.
    template <class Aw>
    Coro<detail::awaited_t<Aw>> run(Aw aw);

private:
    enum class State : std::uint8_t { created, active, expiring, expired, finished };

    void enter();
    // The scope ends; `cancelled` says a CancelledError is leaving it. Returns whether that
    // CancelledError is ours and must become TimeoutError.
    bool exit(bool cancelled);
    void on_timeout();

    std::optional<TimePoint> when_;
    State state_ = State::created;
    TaskBase* task_ = nullptr;
    int cancelling_at_enter_ = 0;
    Handle timer_;
};

template <class Aw>
Coro<detail::awaited_t<Aw>> Timeout::run(Aw aw) {
    using T = detail::awaited_t<Aw>;
    enter();
    std::optional<detail::ValueOf<T>> value;
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
        exit(false);
        throw;
    }
    if (exit(cancelled != nullptr)) throw TimeoutError();
    if (cancelled) std::rethrow_exception(cancelled);
    if constexpr (!std::is_void_v<T>) co_return std::move(*value);
}

// Runs `aw` (a Coro, Task or Future) in the current task; TimeoutError if it is not done
// by `deadline` on the loop's clock.
template <class Aw>
auto timeout_at(TimePoint deadline, Aw aw) -> Coro<detail::awaited_t<Aw>> {
    Timeout scope(deadline);
    co_return co_await scope.run(std::move(aw));
}

// Same, with a duration from now (Duration::max(): never).
template <class Aw>
auto timeout(Duration delay, Aw aw) -> Coro<detail::awaited_t<Aw>> {
    return timeout_at(deadline_after(get_running_loop().time(), delay), std::move(aw));
}

// asyncio.wait_for: `aw` becomes a task (if it is a Coro); on timeout that task is cancelled
// and awaited until it has finished, then TimeoutError is raised.
// DIFFERENCE: asyncio 3.12 awaits a coroutine inline (no task); looplab keeps 3.11's separate
// task, so a wait_for cancelled before that task's first step stops it before its body begins
// (tests/runtime/cpython_waitfor_test.cpp shows both cases).
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
