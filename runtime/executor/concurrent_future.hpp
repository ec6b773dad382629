// runtime/executor/concurrent_future.hpp: the result of a call running in another thread.
//
// asyncio: concurrent.futures.Future (what ThreadPoolExecutor.submit returns, and what
//          loop.run_in_executor wraps into an asyncio future).
// libuv:   uv_work_t's after_work_cb is the nearest thing: "this work is done, here is how".
//
// This is *not* the loop's Future (runtime/future.hpp). The two differ in the one way that
// matters: an asyncio future belongs to one loop thread and its done callbacks go through
// call_soon; a concurrent future is shared between threads, so its state sits behind a mutex,
// result() blocks the calling thread on a condition variable, and done callbacks run right
// where the future completes, which is usually a worker thread. run_in_executor bridges the
// two with a done callback that does nothing but call_soon_threadsafe.
//
// State machine (Python's PENDING / RUNNING / CANCELLED / FINISHED):
//
//     pending --set_running_or_notify_cancel()--> running --set_result/set_exception--> finished
//        |  \------------------set_result/set_exception----------------------------->/
//        \--cancel()--> cancelled
//
// cancelled and finished are final; "done" means one of them. Python also has
// CANCELLED_AND_NOTIFIED, which only exists for its module-level wait()/as_completed();
// looplab has neither, so a cancelled future stays `cancelled` whether or not the executor
// has noticed yet.
//
// Lock discipline: each future has one mutex, and it is a leaf: while it is held, no other
// lock is taken and no user code runs. Done callbacks are moved out of the state under the
// lock and called after it is released, so a callback may call anything on this future
// (result(), add_done_callback) or on an executor (submit, cancel another future) without
// deadlocking. The decision "run it now, or store it for the completer" is made under the
// lock, which is what makes "exactly once" hold when add_done_callback races completion.
#pragma once

#include <chrono>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "runtime/unique_function.hpp"

namespace looplab {

template <class T>
class ConcurrentFuture;

enum class ConcurrentFutureState { pending, running, cancelled, finished };

namespace detail {

// The throws live in concurrent_future.cpp so that this header needs only the error *names*
// (runtime/errors.hpp), not their constructors, and so each message is written once.
[[noreturn]] void throw_cancelled_error();
[[noreturn]] void throw_timeout_error();
[[noreturn]] void throw_invalid_state_error(const char* what);

// Python logs an exception raised by a done callback and goes on to the next callback; so
// does looplab, on stderr. A callback running in a worker thread has nobody to throw to.
void report_done_callback_exception(std::exception_ptr error) noexcept;

// Waits on `cv` until done() is true or `timeout` passes; nullopt waits forever. Returns
// done(). A timeout so large that now + timeout would overflow the clock is treated as
// "forever" (the addition would be undefined behaviour).
template <class Done>
bool wait_until_done(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                     std::optional<std::chrono::nanoseconds> timeout, Done done) {
    using Clock = std::chrono::steady_clock;
    if (done()) return true;
    if (timeout && *timeout <= std::chrono::nanoseconds::zero()) return false;
    const auto now = Clock::now();
    if (!timeout || *timeout >= Clock::time_point::max() - now) {
        cv.wait(lock, done);
        return true;
    }
    return cv.wait_until(lock, now + *timeout, done);
}

// What a ConcurrentFuture<T> shares between its copies. Every field is guarded by `mutex`.
template <class T>
struct ConcurrentFutureShared {
    // void results are stored as a monostate so one template serves both.
    using Value = std::conditional_t<std::is_void_v<T>, std::monostate, T>;
    using DoneCallback = UniqueFunction<void(ConcurrentFuture<T>&)>;

    std::mutex mutex;
    std::condition_variable done_cv;  // notified (all) when the state becomes final
    ConcurrentFutureState state = ConcurrentFutureState::pending;
    std::optional<Value> value;           // set iff finished without an exception
    std::exception_ptr error;             // set iff finished with an exception
    std::vector<DoneCallback> callbacks;  // emptied (moved out) when the state becomes final
};

}  // namespace detail

// A handle on a result that another thread will produce. Copies share one state; there is
// no empty ConcurrentFuture (moving one copies it, so the source stays valid).
//
// Every member is thread-safe. Members that only look (done(), running(), cancelled(),
// state()) never block for long; result() and exception() block until done or timeout.
template <class T>
class ConcurrentFuture {
    static_assert(std::is_void_v<T> || (std::is_object_v<T> && !std::is_array_v<T> &&
                                        std::is_move_constructible_v<T>),
                  "ConcurrentFuture<T>: T must be void or a movable object type");
    using Shared = detail::ConcurrentFutureShared<T>;

public:
    using value_type = T;
    // What result() returns: const T& (into the shared state), or void.
    // (Spelled with Value, which is T or a monostate, because const void& cannot be formed
    // even in the branch conditional_t discards.)
    using result_type = std::conditional_t<std::is_void_v<T>, void, const typename Shared::Value&>;
    // A done callback: called with (a copy of) this future; may be move-only.
    using DoneCallback = typename Shared::DoneCallback;

    // A new, pending future. Executors create these; tests may too.
    ConcurrentFuture() : shared_(std::make_shared<Shared>()) {}
    // Declared so that no move constructor is generated: a "moved" future is a copy, and
    // every ConcurrentFuture always refers to a state.
    ConcurrentFuture(const ConcurrentFuture&) = default;
    ConcurrentFuture& operator=(const ConcurrentFuture&) = default;
    ~ConcurrentFuture() = default;

    // --- Observing (any thread) -----------------------------------------------------------

    ConcurrentFutureState state() const {
        std::lock_guard lock(shared_->mutex);
        return shared_->state;
    }
    bool done() const {
        const auto s = state();
        return s == ConcurrentFutureState::finished || s == ConcurrentFutureState::cancelled;
    }
    bool running() const { return state() == ConcurrentFutureState::running; }
    // For labels (runtime/label.hpp): the shared state's address, the same for every copy and
    // valid while any copy lives, and the state of the future at such an address.
    const void* address() const noexcept { return shared_.get(); }
    static ConcurrentFutureState state_at(const void* address) {
        Shared& shared = *static_cast<Shared*>(const_cast<void*>(address));
        std::lock_guard lock(shared.mutex);
        return shared.state;
    }
    bool cancelled() const { return state() == ConcurrentFutureState::cancelled; }

    // Blocks the calling thread until the future is done, for at most `timeout` (nullopt:
    // no limit; zero or negative: do not wait). Then returns the value, or rethrows the
    // call's exception. Throws CancelledError if cancelled, TimeoutError if still not done.
    // The returned reference lives as long as any copy of this future: keep one
    // (`auto v = pool.submit(f).result();` copies and is fine; binding `const auto&` to that
    // expression dangles).
    result_type result(std::optional<std::chrono::nanoseconds> timeout = std::nullopt) const {
        std::unique_lock lock(shared_->mutex);
        wait_done(lock, timeout);
        if (shared_->error) std::rethrow_exception(shared_->error);
        // Finished means value is set and is never written again, so the reference is
        // safe to read after the lock is released.
        if constexpr (!std::is_void_v<T>) return *shared_->value;
    }

    // Like result(), but returns the call's exception instead of throwing it (nullptr if it
    // returned normally). Still throws CancelledError and TimeoutError.
    std::exception_ptr exception(
        std::optional<std::chrono::nanoseconds> timeout = std::nullopt) const {
        std::unique_lock lock(shared_->mutex);
        wait_done(lock, timeout);
        return shared_->error;
    }

    // --- Cancelling and callbacks (any thread) --------------------------------------------

    // Cancels the future if the work has not started. Returns false if it is running or
    // finished (a running call cannot be interrupted), true if it is now cancelled
    // (including when it already was). On success, waiters wake with CancelledError and
    // the done callbacks run in *this* thread, before cancel() returns.
    bool cancel() {
        std::vector<DoneCallback> to_run;
        {
            std::lock_guard lock(shared_->mutex);
            switch (shared_->state) {
                case ConcurrentFutureState::running:
                case ConcurrentFutureState::finished:
                    return false;
                case ConcurrentFutureState::cancelled:
                    return true;
                case ConcurrentFutureState::pending:
                    break;
            }
            shared_->state = ConcurrentFutureState::cancelled;
            to_run = std::move(shared_->callbacks);
        }
        shared_->done_cv.notify_all();
        run_callbacks(to_run);
        return true;
    }

    // Arranges for fn(future) to be called exactly once, when the future is done (finished
    // or cancelled). On which thread:
    //   - already done: right now, in the calling thread, before this returns;
    //   - otherwise: in the thread that completes it. For a ThreadPoolExecutor future that
    //     is the WORKER THREAD (or the thread calling cancel()/shutdown(cancel_futures)), so
    //     fn must be thread-safe with respect to whatever it touches; to get back to a loop,
    //     it should only call_soon_threadsafe.
    // Callbacks run in the order they were added. One that throws is reported on stderr and
    // the others still run. The callable is destroyed on the thread that ran it (or, if the
    // future is dropped while pending, wherever the last copy is destroyed).
    template <class F>
    requires std::is_invocable_v < std::decay_t<F>
    &, ConcurrentFuture& > void add_done_callback(F&& fn) {
        DoneCallback callback(std::forward<F>(fn));
        {
            std::lock_guard lock(shared_->mutex);
            if (!is_done_locked()) {
                shared_->callbacks.push_back(std::move(callback));
                return;
            }
        }
        run_callback(callback);
    }

    // --- Completing (the executor's side) -------------------------------------------------

    // Python's set_running_or_notify_cancel(): called by the worker just before it runs
    // the call. pending -> running and returns true: go ahead. Returns false if the future
    // was cancelled while queued: do not run (its callbacks already ran in the canceller).
    // Throws InvalidStateError if the future is already running or finished.
    bool set_running_or_notify_cancel() {
        std::lock_guard lock(shared_->mutex);
        switch (shared_->state) {
            case ConcurrentFutureState::cancelled:
                return false;
            case ConcurrentFutureState::pending:
                shared_->state = ConcurrentFutureState::running;
                return true;
            case ConcurrentFutureState::running:
            case ConcurrentFutureState::finished:
                break;
        }
        detail::throw_invalid_state_error("set_running_or_notify_cancel: future already started");
    }

    // Finish with a value (non-void T) / with no value (void T) / with an exception. Wakes
    // every waiter, then runs the done callbacks in the calling thread before returning.
    // Throws InvalidStateError if the future is already done (finished or cancelled).
    template <class U = T>
    requires(!std::is_void_v<U>) void set_result(typename Shared::Value value) {
        finish([&](Shared& s) { s.value.emplace(std::move(value)); });
    }
    template <class U = T>
    requires std::is_void_v<U>
    void set_result() {
        finish([](Shared& s) { s.value.emplace(); });
    }
    void set_exception(std::exception_ptr error) {
        finish([&](Shared& s) { s.error = std::move(error); });
    }

private:
    explicit ConcurrentFuture(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}

    bool is_done_locked() const {
        return shared_->state == ConcurrentFutureState::finished ||
               shared_->state == ConcurrentFutureState::cancelled;
    }

    // Waits (lock held) until done; throws TimeoutError / CancelledError as result() says.
    void wait_done(std::unique_lock<std::mutex>& lock,
                   std::optional<std::chrono::nanoseconds> timeout) const {
        if (!detail::wait_until_done(shared_->done_cv, lock, timeout,
                                     [this] { return is_done_locked(); })) {
            detail::throw_timeout_error();
        }
        if (shared_->state == ConcurrentFutureState::cancelled) detail::throw_cancelled_error();
    }

    template <class Store>
    void finish(Store store) {
        std::vector<DoneCallback> to_run;
        {
            std::lock_guard lock(shared_->mutex);
            if (is_done_locked()) detail::throw_invalid_state_error("future is already done");
            store(*shared_);
            shared_->state = ConcurrentFutureState::finished;
            to_run = std::move(shared_->callbacks);
        }
        // Waiters first, then callbacks (Python's order): a callback that blocks or is slow
        // does not delay the threads sitting in result().
        shared_->done_cv.notify_all();
        run_callbacks(to_run);
    }

    // Called with no lock held (see the header comment).
    void run_callbacks(std::vector<DoneCallback>& callbacks) {
        for (auto& cb : callbacks) run_callback(cb);
    }
    void run_callback(DoneCallback& callback) {
        ConcurrentFuture self(shared_);
        try {
            callback(self);
        } catch (...) {
            detail::report_done_callback_exception(std::current_exception());
        }
    }

    std::shared_ptr<Shared> shared_;
};

}  // namespace looplab
