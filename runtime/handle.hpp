// runtime/handle.hpp: a callback scheduled on the loop, which can be cancelled.
//
// asyncio: asyncio.Handle (from call_soon) and asyncio.TimerHandle (from call_later/call_at).
// libuv:   uv_idle_t / uv_timer_t are the nearest things; libuv has no generic "run this soon".
//
// A Handle is what call_soon returns and what the ready queue holds. The user keeps a copy
// only to cancel it; the loop keeps one until it has run. Contract:
//   - the callback runs at most once (a reader/writer handle: once per readiness event);
//   - cancel() before it runs means it never runs; cancel() is idempotent and never throws;
//   - cancel() drops the callback (and whatever it captured) at once, unless the callback is
//     running right now, in which case it is dropped when it returns.
//
// Why a pool: a task switch goes through call_soon, so a Handle is created for nearly every
// step of every task. The states are recycled through a per-thread free list instead of being
// allocated each time; in steady state call_soon performs no heap allocation (the callback is
// stored inline: see unique_function.hpp). The call_soon benchmark shows the difference.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "runtime/clock.hpp"
#include "runtime/context.hpp"
#include "runtime/label.hpp"
#include "runtime/ref_ptr.hpp"
#include "runtime/source_location.hpp"
#include "runtime/unique_function.hpp"

namespace looplab {
namespace detail {

// What a scheduled timer's cancel() tells the heap that holds it (TimerHeap implements it):
// the heap deletes lazily and counts its cancelled entries (timer_heap.hpp). An interface, so
// that a handle knows no heap and no loop.
class TimerOwner {
public:
    virtual void timer_cancelled() noexcept = 0;

protected:
    ~TimerOwner() = default;
};

// The shared state behind Handle / TimerHandle. Loop-thread only.
struct HandleState {
    Callback callback;
    SourceLocation where;  // where it was scheduled (debug mode names slow callbacks)
    // The context the callback runs in (context.hpp): a copy of the one current when it was
    // scheduled, or the Context given to call_soon. Null: the loop's scratch context, empty.
    std::shared_ptr<ContextState> context;
    Label label;  // what it does, in words (label.hpp); empty: `where` names it
    std::uint32_t refs = 0;
    bool cancelled = false;
    bool running = false;
    // Timer part (unused for plain handles).
    TimePoint when{};
    TimerOwner* owner = nullptr;  // the heap holding this timer, while it does; cancel() tells it
    HandleState* next_free = nullptr;  // free-list link while recycled

    void add_ref() noexcept { ++refs; }
    void release() noexcept;
    void cancel() noexcept;
    void run();  // runs the callback; exceptions propagate to the loop
};

// Takes a state from this thread's free list (or the heap when it is empty).
RefPtr<HandleState> make_handle_state(Callback callback, SourceLocation where);

}  // namespace detail

class Handle {
public:
    Handle() = default;
    explicit Handle(detail::RefPtr<detail::HandleState> s) : state_(std::move(s)) {}

    // Prevents the callback from running (if it has not yet). Safe to call repeatedly.
    void cancel() noexcept {
        if (state_) state_->cancel();
    }
    bool cancelled() const noexcept { return state_ && state_->cancelled; }
    explicit operator bool() const noexcept { return static_cast<bool>(state_); }
    // Where call_soon / call_later was called from.
    SourceLocation where() const { return state_ ? state_->where : SourceLocation{}; }
    // What the callback does, in words, for step mode and traces (label.hpp). Its subject must
    // live as long as the callback does (a future the callback holds, a task it steps).
    void set_label(const Label& label) noexcept {
        if (state_) state_->label = label;
    }
    const Label& label() const noexcept {
        static const Label none;
        return state_ ? state_->label : none;
    }

    detail::HandleState* state() const noexcept { return state_.get(); }

protected:
    detail::RefPtr<detail::HandleState> state_;
};

namespace detail {

// What call_soon_threadsafe hands the inbox: the callback, and a flag any thread may set.
struct ThreadsafeCall {
    explicit ThreadsafeCall(Callback fn) : callback(std::move(fn)) {}
    std::atomic<bool> cancelled{false};
    Callback callback;  // touched only by the loop thread once posted (see RunUnlessCancelled)
};

// The posted callable: runs the callback unless it was cancelled. The callback is moved out and
// destroyed on the loop thread whether it runs or not (this object's destructor runs where the
// inbox or the ready queue drops it: on the loop thread), never on the thread holding the
// ThreadsafeHandle, which only ever touches the flag.
struct RunUnlessCancelled {
    std::shared_ptr<ThreadsafeCall> call;

    void operator()() {
        Callback fn = std::move(call->callback);
        if (!call->cancelled.load(std::memory_order_acquire)) fn();
    }
    explicit RunUnlessCancelled(std::shared_ptr<ThreadsafeCall> c) : call(std::move(c)) {}
    RunUnlessCancelled(RunUnlessCancelled&&) noexcept = default;
    RunUnlessCancelled& operator=(RunUnlessCancelled&&) noexcept = default;
    ~RunUnlessCancelled() {
        if (call) call->callback.reset();
    }
};

}  // namespace detail

// What call_soon_threadsafe returns (asyncio: the Handle it returns): cancel() may be called
// from any thread. A cancel() that happens before the loop thread begins the callback prevents
// it (the flag is read just before the call, with acquire ordering); once the callback has
// begun, cancel() changes nothing. The callback's captures are always released on the loop
// thread. An empty handle (default-constructed) cancels nothing.
class ThreadsafeHandle {
public:
    ThreadsafeHandle() = default;
    explicit ThreadsafeHandle(std::shared_ptr<detail::ThreadsafeCall> call)
        : call_(std::move(call)) {}
    void cancel() noexcept {
        if (call_) call_->cancelled.store(true, std::memory_order_release);
    }
    bool cancelled() const noexcept {
        return call_ && call_->cancelled.load(std::memory_order_acquire);
    }

private:
    std::shared_ptr<detail::ThreadsafeCall> call_;
};

// A Handle with a deadline on the loop's clock (asyncio.TimerHandle).
class TimerHandle : public Handle {
public:
    TimerHandle() = default;
    explicit TimerHandle(detail::RefPtr<detail::HandleState> s) : Handle(std::move(s)) {}
    TimePoint when() const noexcept { return state_ ? state_->when : TimePoint{}; }
};

}  // namespace looplab
