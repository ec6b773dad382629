// runtime/sleep.hpp: co_await sleep(duration).
//
// asyncio: asyncio.sleep (tasks.py): a future, completed by a call_later timer.
// libuv:   uv_timer_start.
//
// sleep(d) creates a future and a timer that completes it after d; the task waits on the
// future like on any other. Cancelling the task cancels the future (CancelledError at the
// co_await) and the timer is cancelled on the way out, so nothing of the sleep lingers.
// sleep(0) (or any non-positive duration) creates nothing: the task just lets every other
// ready callback run once and continues on the next iteration (asyncio's bare `yield`).
//
// Sleep is an awaitable object rather than a Coro: one fewer coroutine frame per sleep.
#pragma once

#include "runtime/task.hpp"

namespace looplab {

class [[nodiscard]] Sleep {
public:
    explicit Sleep(Duration delay) : delay_(delay) {}

    bool await_ready() const noexcept { return false; }
    template <class Promise>
    void await_suspend(std::coroutine_handle<Promise> h) {
        task_ = &detail::task_of(h);
        if (delay_ <= Duration::zero()) {
            task_->yield_bare(h);
            return;
        }
        EventLoop& loop = task_->loop();
        future_ = loop.create_future<void>();
        timer_ = loop.call_later(delay_, [state = future_.state_ref()] {
            if (!state->done()) state->set_result();  // unless cancelled meanwhile
        });
        timer_.set_label(labels::sleep_timer(delay_));
        future_.state()->set_label(labels::sleep(delay_, &timer_.state()->when));
        task_->yield_future(future_.state(), h);
    }
    void await_resume() {
        timer_.cancel();
        task_->throw_if_cancel_pending();
        if (future_) future_.result();  // throws CancelledError if we were cancelled
    }

private:
    Duration delay_;
    TaskBase* task_ = nullptr;
    Future<void> future_;
    TimerHandle timer_;
};

// Suspends the calling task for `delay` on the loop's clock.
inline Sleep sleep(Duration delay) {
    return Sleep(delay);
}

}  // namespace looplab
