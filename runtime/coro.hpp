// runtime/coro.hpp: Coro<T>, the return type of an `async def`-style function.
//
// asyncio: a coroutine object (what calling an `async def` function returns).
// cppcoro: cppcoro::task<T>, from which the symmetric-transfer design is taken.
//
//     Coro<int> answer() { co_await sleep(10ms); co_return 42; }
//
// Like a Python coroutine, a Coro is lazy: calling answer() runs nothing; the body starts
// when something awaits it, or when loop.create_task() wraps it in a Task. Awaiting a Coro
// runs it inline, inside the awaiting task, with no trip through the loop: the awaiting
// coroutine suspends and the awaited one resumes in its place (symmetric transfer), and when
// it finishes it resumes its awaiter the same way. Symmetric transfer is a tail call, so a
// chain of a million coroutines that complete without suspending does not grow the stack
// (tests/runtime/coro_test.cpp checks exactly that).
//
// Every Coro frame knows which task it runs in (promise.task_), inherited from its awaiter:
// when it awaits a Future, that is the task that must be woken (see task.hpp).
//
// A Coro is single-use and owns its frame: destroying an un-run Coro destroys the frame
// without running the body. Debug mode reports a Coro destroyed without ever being awaited
// (asyncio's "coroutine ... was never awaited").
//
// GCC 12 bug (see CONTRIBUTING.md for the 20-line reproduction): a lambda temporary whose
// captures have destructors (a std::string, a shared_ptr), written inside a co_await
// expression, is destroyed twice: `co_await run_in_executor(nullptr, [url] {...});` double
// frees. clang is right. Work-around used throughout looplab: name the lambda first
// (`auto fetch = [url] {...}; co_await loop.run_in_executor(nullptr, fetch);`); lambdas that
// capture only references or raw pointers are not affected.
#pragma once

#include <coroutine>
#include <exception>
#include <optional>
#include <utility>

#include "runtime/future.hpp"
#include "runtime/source_location.hpp"

namespace looplab {

namespace detail {

// What every looplab coroutine frame carries, whatever it returns.
class PromiseBase {
public:
    std::suspend_always initial_suspend() noexcept { return {}; }

    // When the body finishes, resume whoever awaited it (symmetric transfer: the awaiter is
    // returned, not called, so the stack does not grow). A task's root coroutine has no
    // awaiter: control goes back to TaskBase::step, which collects the result.
    struct FinalAwaiter {
        bool await_ready() noexcept { return false; }
        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
            PromiseBase& self = h.promise();
            if (self.awaiter_) self.awaiter_->awaiting_ = nullptr;  // the chain ends above us again
            std::coroutine_handle<> next = self.continuation_;
            return next ? next : std::noop_coroutine();
        }
        void await_resume() noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { exception_ = std::current_exception(); }

    TaskBase* task_ = nullptr;              // the task this frame runs in
    std::coroutine_handle<> continuation_;  // who awaits this frame (none for a task's root)
    std::exception_ptr exception_;          // what escaped the body, rethrown at the co_await
    // The awaiting chain, both ways, for Task::get_stack (task.hpp): the frame awaiting this
    // one, and the Coro frame this one awaits right now (null when it awaits none, or a
    // Future). Two pointer stores per nested await; a coroutine handle cannot be walked
    // without them (its promise type, and so where its links are, is erased).
    PromiseBase* awaiter_ = nullptr;
    PromiseBase* awaiting_ = nullptr;
    SourceLocation where_;  // the coroutine's function and file (see Coro's promise_type)
    bool started_ = false;  // for debug mode's "never awaited" report
};

// Only for Coro's promise constructor (below): no argument a coroutine is called with can
// convert to it, so the compiler always picks that constructor's defaults.
struct FrameTag {
    explicit FrameTag() = default;
};

template <class T>
class CoroPromise : public PromiseBase {
public:
    template <class U>
    void return_value(U&& v) {
        value_.emplace(std::forward<U>(v));
    }
    T take_value() { return std::move(*value_); }

private:
    std::optional<T> value_;
};

template <>
class CoroPromise<void> : public PromiseBase {
public:
    void return_void() noexcept {}
    std::monostate take_value() noexcept { return {}; }
};

// Debug mode: "a Coro was destroyed without ever being awaited" (defined in debug.cpp).
void report_never_awaited() noexcept;

}  // namespace detail

template <class T = void>
class [[nodiscard]] Coro {
public:
    using value_type = T;
    struct promise_type : detail::CoroPromise<T> {
        // The compiler constructs the promise inside the coroutine itself, so these default
        // arguments name the coroutine's own function and file: what get_stack() shows.
        explicit promise_type(detail::FrameTag = detail::FrameTag{},
                              SourceLocation where = SourceLocation::current()) noexcept {
            this->where_ = where;
        }
        Coro get_return_object() noexcept {
            return Coro(std::coroutine_handle<promise_type>::from_promise(*this));
        }
    };
    using Handle = std::coroutine_handle<promise_type>;

    Coro() = default;
    explicit Coro(Handle h) noexcept : h_(h) {}
    Coro(Coro&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Coro& operator=(Coro&& o) noexcept {
        if (this != &o) {
            destroy();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    ~Coro() { destroy(); }

    explicit operator bool() const noexcept { return static_cast<bool>(h_); }
    // Gives the frame to a new owner (a Task).
    Handle release() noexcept { return std::exchange(h_, nullptr); }

    struct Awaiter {
        Handle child;
        bool await_ready() const noexcept { return false; }
        // Start the child in place of the parent (symmetric transfer), in the same task.
        template <class P>
        std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
            child.promise().task_ = parent.promise().task_;
            child.promise().continuation_ = parent;
            child.promise().started_ = true;
            child.promise().awaiter_ = &parent.promise();
            parent.promise().awaiting_ = &child.promise();
            return child;
        }
        T await_resume() {
            auto& p = child.promise();
            if (p.exception_) std::rethrow_exception(p.exception_);
            if constexpr (!std::is_void_v<T>) return p.take_value();
        }
    };
    // Awaiting consumes the Coro: its frame is destroyed with this object afterwards.
    Awaiter operator co_await() && noexcept { return Awaiter{h_}; }
    Awaiter operator co_await() & noexcept { return Awaiter{h_}; }

private:
    void destroy() noexcept {
        if (!h_) return;
        if (!h_.promise().started_) detail::report_never_awaited();
        h_.destroy();
        h_ = nullptr;
    }
    Handle h_;
};

}  // namespace looplab
