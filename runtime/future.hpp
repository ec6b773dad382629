// runtime/future.hpp: a result that is not there yet.
//
// asyncio: asyncio.Future (futures.py).
// libuv:   none; libuv completes requests by calling a C callback directly.
//
// A Future is a box that starts empty (pending) and is filled once: with a value
// (set_result), an exception (set_exception), or by cancel(). Whoever is interested registers
// a done callback; a Task awaiting the future registers its own wake-up as one (task.hpp).
//
// Contract (as asyncio's):
//   - state moves pending -> finished | cancelled, once; a second set_* throws
//     InvalidStateError, and cancel() on a done future returns false;
//   - done callbacks run exactly once each, via call_soon on the future's loop, never inline:
//     whoever completes a future never has foreign code run inside its own call stack (no
//     surprise re-entrancy, no unbounded recursion through chains of futures);
//   - result() returns the value, rethrows the exception, throws CancelledError if cancelled
//     and InvalidStateError while pending;
//   - an exception nobody retrieved (result() / exception() never called) is reported to the
//     loop's exception handler when the future is destroyed;
//   - loop-thread only. To complete a future from another thread, call_soon_threadsafe a
//     callback that completes it (run_in_executor does exactly that).
//
// Future<T> is a reference-counted handle: copies share one state. The state outlives every
// handle, done callback and awaiting task that refers to it.
#pragma once

#include <coroutine>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/label.hpp"
#include "runtime/ref_ptr.hpp"
#include "runtime/unique_function.hpp"

namespace looplab {

class TaskBase;

namespace detail {

// void results are stored (and returned by gather) as std::monostate.
template <class T>
using ValueOf = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

class FutureStateBase;
using DoneCallback = UniqueFunction<void(FutureStateBase&), 48>;

// Everything about a future except the type of its value.
class FutureStateBase : public Describable {
public:
    enum class Status : std::uint8_t { pending, finished, cancelled };

    explicit FutureStateBase(EventLoop* loop) : loop_(loop) {}
    virtual ~FutureStateBase();
    FutureStateBase(const FutureStateBase&) = delete;
    FutureStateBase& operator=(const FutureStateBase&) = delete;

    void add_ref() noexcept { ++refs_; }
    void release() noexcept {
        if (--refs_ == 0) delete this;
    }

    EventLoop& loop() const { return *loop_; }
    bool done() const noexcept { return status_ != Status::pending; }
    bool cancelled() const noexcept { return status_ == Status::cancelled; }
    // Finished with an exception. Unlike exception(), does not count as retrieving it (the
    // tracer asks, and must not silence "exception was never retrieved").
    bool failed() const noexcept { return status_ == Status::finished && exception_ != nullptr; }

    // Cancels a pending future: it becomes cancelled and its callbacks are scheduled.
    // Tasks and gather() override this to propagate the request (asyncio does the same).
    virtual bool cancel(std::string message = {});

    void set_exception(std::exception_ptr error);
    // The stored exception (a CancelledError for a cancelled future), or null if it finished
    // with a value. InvalidStateError while pending. Marks the exception as retrieved.
    std::exception_ptr exception();
    // Throws what result() would throw, if anything. Marks the exception as retrieved.
    void rethrow_if_failed();

    // Registers fn(state) to be scheduled with call_soon when the future is done (at once if
    // it is done already). Returns an id for remove_done_callback.
    std::uint64_t add_done_callback(DoneCallback fn);
    // Removes a callback that has not been scheduled yet; returns how many were removed.
    std::size_t remove_done_callback(std::uint64_t id);

    // "Task exception was never retrieved": set when an exception is stored, cleared when
    // someone looks at it.
    void mark_retrieved() noexcept { log_traceback_ = false; }
    // Reports an exception nobody retrieved to the loop's handler (once). Destructors call it;
    // a Task calls it from its own destructor, while it can still say its name.
    void report_if_unretrieved() noexcept;
    // What to call this future in messages and observers: its label (label.hpp: "sleep 100 ms
    // (due in 42 ms)"), the task's name, or "Future".
    std::string describe_self() const override;
    // Set by whoever makes a future to await (sleep, Lock, sock_recv, ...); copied, no allocation.
    void set_label(const Label& label) noexcept { label_ = label; }
    const Label& label() const noexcept { return label_; }
    virtual TaskBase* as_task() noexcept { return nullptr; }

protected:
    void check_pending(const char* what) const;
    void finish(Status status);  // sets the status and schedules the callbacks
    std::exception_ptr make_cancelled_error() const;

    EventLoop* loop_;
    std::exception_ptr exception_;
    std::string cancel_message_;
    Label label_;

private:
    void schedule_callback(DoneCallback fn);

    struct Entry {
        std::uint64_t id;
        DoneCallback fn;
    };
    // Nearly every future has exactly one done callback (the task awaiting it), so the first
    // lives inline and only the second onwards costs a vector allocation.
    std::optional<Entry> first_callback_;
    std::vector<Entry> more_callbacks_;
    std::uint64_t next_callback_id_ = 1;
    std::uint32_t refs_ = 0;
    Status status_ = Status::pending;
    bool log_traceback_ = false;
};

template <class T>
class FutureState : public FutureStateBase {
public:
    using FutureStateBase::FutureStateBase;

    template <class... U>
    void set_result(U&&... value) {
        check_pending("set_result");
        value_.emplace(std::forward<U>(value)...);
        finish(Status::finished);
    }

    // The value (copied, or moved out if T cannot be copied), or what result() throws.
    ValueOf<T> take_result() {
        rethrow_if_failed();
        if constexpr (std::is_copy_constructible_v<ValueOf<T>>) {
            return *value_;
        } else {
            return std::move(*value_);
        }
    }

private:
    std::optional<ValueOf<T>> value_;
};

// Implemented in task.hpp (it is the Task's side of awaiting): records that the task running
// the coroutine `h` yielded `future`, as asyncio's `yield fut` hands the future to Task.__step.
template <class Promise>
TaskBase& task_of(std::coroutine_handle<Promise> h);
void yield_future_to_task(TaskBase& task, FutureStateBase* future, std::coroutine_handle<> h);
void throw_if_cancel_pending(TaskBase& task);

}  // namespace detail

// ---- Future<T> -------------------------------------------------------------------------------

template <class T = void>
class Future {
public:
    using value_type = T;
    using State = detail::FutureState<T>;

    Future() = default;
    // A new pending future on `loop` (asyncio: loop.create_future()).
    explicit Future(EventLoop& loop) : state_(new State(&loop)) {}
    explicit Future(detail::RefPtr<State> state) : state_(std::move(state)) {}

    bool done() const noexcept { return state_->done(); }
    bool cancelled() const noexcept { return state_->cancelled(); }
    bool cancel(std::string message = {}) { return state_->cancel(std::move(message)); }

    template <class... U>
    void set_result(U&&... value) {
        state_->set_result(std::forward<U>(value)...);
    }
    void set_exception(std::exception_ptr error) { state_->set_exception(std::move(error)); }
    template <class E>
    void set_exception(E error) {
        state_->set_exception(std::make_exception_ptr(std::move(error)));
    }

    // The value (void for Future<void>); rethrows the exception; CancelledError if cancelled;
    // InvalidStateError while pending.
    T result() {
        if constexpr (std::is_void_v<T>) {
            state_->rethrow_if_failed();
        } else {
            return state_->take_result();
        }
    }
    std::exception_ptr exception() { return state_->exception(); }

    // fn(Future<T>&) runs on the loop (via call_soon) once the future is done, in a copy of
    // the context current now (asyncio: add_done_callback(fn, context=None)).
    template <class F>
    std::uint64_t add_done_callback(F fn) {
        auto call = [fn = std::move(fn)](detail::FutureStateBase& s) mutable {
            Future<T> self(detail::RefPtr<State>(static_cast<State*>(&s)));
            fn(self);
        };
        if (detail::ContextMapPtr map = detail::current_map()) [[unlikely]] {
            return state_->add_done_callback(
                [call = std::move(call), context = Context(std::move(map))](
                    detail::FutureStateBase& s) mutable { context.run([&] { call(s); }); });
        }
        return state_->add_done_callback(std::move(call));
    }
    std::size_t remove_done_callback(std::uint64_t id) { return state_->remove_done_callback(id); }

    EventLoop& get_loop() const { return state_->loop(); }
    explicit operator bool() const noexcept { return static_cast<bool>(state_); }
    State* state() const noexcept { return state_.get(); }
    const detail::RefPtr<State>& state_ref() const noexcept { return state_; }

    // co_await future: suspends the awaiting task until the future is done, then returns its
    // result (or throws its exception / CancelledError).
    auto operator co_await() const noexcept;

protected:
    detail::RefPtr<State> state_;
};

namespace detail {

// The awaiter behind `co_await future`. If the future is already done, no suspension at all.
// Otherwise the coroutine suspends and its task adds a wake-up callback to the future: see
// TaskBase::step for the other half.
template <class T>
struct FutureAwaiter {
    RefPtr<FutureState<T>> state;
    TaskBase* task = nullptr;

    bool await_ready() const noexcept { return state->done(); }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) {
        task = &task_of(h);
        yield_future_to_task(*task, state.get(), h);
    }
    T await_resume() {
        // The task may have been cancelled after the future completed but before this
        // coroutine got to run: asyncio throws CancelledError in that case too.
        if (task) throw_if_cancel_pending(*task);
        if constexpr (std::is_void_v<T>) {
            state->rethrow_if_failed();
        } else {
            return state->take_result();
        }
    }
};

}  // namespace detail

template <class T>
auto Future<T>::operator co_await() const noexcept {
    return detail::FutureAwaiter<T>{state_};
}

template <class T>
Future<T> EventLoop::create_future() {
    check_thread("create_future");
    return Future<T>(*this);
}

// A finished value or an exception, for gather(return_exceptions, ...) (asyncio returns the
// exception object in the result list; C++ needs a type that can hold either).
template <class T>
class Outcome {
public:
    explicit Outcome(detail::ValueOf<T> v) : value_(std::move(v)) {}
    explicit Outcome(std::exception_ptr e) : error_(std::move(e)) {}
    bool ok() const noexcept { return !error_; }
    std::exception_ptr error() const noexcept { return error_; }
    // The value, or rethrows the exception.
    detail::ValueOf<T>& value() {
        if (error_) std::rethrow_exception(error_);
        return *value_;
    }

private:
    std::optional<detail::ValueOf<T>> value_;
    std::exception_ptr error_;
};

}  // namespace looplab
