// runtime/task.cpp: how a Task steps its coroutine (see the numbered steps in task.hpp).
#include "runtime/task.hpp"

#include <atomic>
#include <cassert>
#include <chrono>

#include "runtime/observe/debug.hpp"
#include "runtime/observe/trace_points.hpp"

namespace looplab {

namespace {
std::atomic<std::uint64_t> task_counter{0};
}

TaskBase::TaskBase(detail::FutureStateBase& self, EventLoop& loop, std::coroutine_handle<> root,
                   detail::PromiseBase& root_promise, std::string name, SourceLocation where)
    : self_(self),
      loop_(loop),
      root_(root),
      root_promise_(&root_promise),
      resume_point_(root),
      name_(name.empty() ? "Task-" + std::to_string(++task_counter) : std::move(name)),
      created_at_(where) {
    root_promise.task_ = this;
    loop_.register_task(this);
    if (Tracer* t = loop_.tracer()) [[unlikely]] {
        trace::task_created(*t, trace_id(), name_, created_at_);
    }
}

TaskBase::~TaskBase() {
    if (root_) {
        root_.destroy();
        root_ = nullptr;
    }
    if (next_task_ || prev_task_) loop_.unregister_task(this);
    loop_.forget_stepped_task(this);
}

std::uint64_t TaskBase::trace_id() {
    if (trace_id_ == 0) trace_id_ = trace::new_id();
    return trace_id_;
}

void TaskBase::schedule_first_step() {
    loop_.call_soon([self = ref()] { self->as_task()->step(); }, created_at_);
}

bool TaskBase::cancel(std::string message) {
    if (self_.done()) return false;
    ++num_cancels_requested_;
    // Cancel what we wait on: its wake-up delivers CancelledError at the co_await. We keep
    // fut_waiter_: it may be a task that catches the cancellation, and then the request
    // stands (must_cancel_ below is not set, matching asyncio).
    if (fut_waiter_ && fut_waiter_->cancel(message)) return true;
    // Nothing to cancel right now (we are scheduled, running, or waiting on a future that
    // refused): throw CancelledError into the coroutine at its next step.
    must_cancel_ = true;
    cancel_message_ = std::move(message);
    return true;
}

int TaskBase::uncancel() noexcept {
    if (num_cancels_requested_ > 0) --num_cancels_requested_;
    // asyncio 3.13: once every request is taken back, a pending one is dropped too.
    if (num_cancels_requested_ == 0) must_cancel_ = false;
    return num_cancels_requested_;
}

void TaskBase::yield_future(detail::FutureStateBase* future, std::coroutine_handle<> h) {
    yielded_ = future;
    resume_point_ = h;
}

void TaskBase::yield_bare(std::coroutine_handle<> h) {
    yielded_bare_ = true;
    resume_point_ = h;
}

void TaskBase::throw_if_cancel_pending() {
    if (!cancel_pending_) return;
    cancel_pending_ = false;
    throw CancelledError(cancel_message_);
}

// One step: resume the coroutine, then look at what it yielded (asyncio: Task.__step).
void TaskBase::step() {
    if (self_.done() || !root_) return;  // finished or abandoned meanwhile
    assert(!fut_waiter_ || fut_waiter_->done());
    const detail::RefPtr<detail::FutureStateBase> awaited = std::move(fut_waiter_);

    if (must_cancel_) {
        must_cancel_ = false;
        if (!started_) {
            // Cancelled before it ever ran: asyncio throws into the coroutine before its
            // first line, so no line runs. Here: do not start it at all.
            finish();
            self_.detail::FutureStateBase::cancel(cancel_message_);
            if (loop_.tracer()) [[unlikely]] {
                trace_done();
            }
            return;
        }
        cancel_pending_ = true;  // the awaiter we resume throws CancelledError
        // The CancelledError replaces whatever the awaited future holds, and the awaiter
        // never looks at it. asyncio's __wakeup calls future.result() before throwing the
        // cancellation in, so a failure there counts as retrieved: no "never retrieved".
        if (awaited) awaited->mark_retrieved();
    }
    started_ = true;

    // Keep ourselves alive across the resume: the coroutine may drop the last handle to us.
    auto keep_alive = ref();
    TaskBase* previous = loop_.current_task();
    loop_.set_current_task(this);
    yielded_ = nullptr;
    yielded_bare_ = false;
    const bool timed = loop_.get_debug();
    const auto start =
        timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    Tracer* const tracer = loop_.tracer();
    const std::int64_t traced_start = tracer ? trace_now() : 0;

    resume_point_.resume();  // runs until the coroutine finishes or awaits something pending

    loop_.set_current_task(previous);
    cancel_pending_ = false;
    if (timed) {
        debug::after_task_step(*this, std::chrono::steady_clock::now() - start, yielded_bare_);
    }

    if (tracer) [[unlikely]] {
        trace_step(*tracer, traced_start);
    }
    if (root_.done()) {
        finish();
    } else if (yielded_) {
        wake_up_on(*yielded_);
    } else if (yielded_bare_) {
        loop_.call_soon([self = ref()] { self->as_task()->step(); }, created_at_);
    } else {
        // The coroutine suspended on an awaitable that bypassed the task: nothing would ever
        // resume it. That is a bug in that awaitable; fail loudly rather than hang.
        loop_.call_exception_handler(
            {"task suspended on an awaitable that is not a looplab Future; it can never resume",
             nullptr, name_});
    }
}

// The step's slice, then (the coroutine is suspended, not finished) what it waits for: the
// instant comes after the slice so that, on the loop thread, events keep their end order.
void TaskBase::trace_step(Tracer& tracer, std::int64_t start_ns) {
    trace::task_step(tracer, trace_id(), name_, start_ns);
    if (root_.done()) return;
    if (yielded_) {
        trace::task_wait(tracer, trace_id(), yielded_->describe_self());
    } else if (yielded_bare_) {
        trace::task_wait(tracer, trace_id(), "sleep(0): the next iteration");
    }
}

void TaskBase::trace_done() {
    Tracer* tracer = loop_.tracer();
    if (!tracer || !self_.done()) return;
    const TaskOutcome outcome = self_.cancelled() ? TaskOutcome::cancelled
                                : self_.failed()  ? TaskOutcome::exception
                                                  : TaskOutcome::result;
    trace::task_done(*tracer, trace_id(), name_, outcome);
}

// Step 3 of task.hpp: wait for `future`, and step again when it is done.
void TaskBase::wake_up_on(detail::FutureStateBase& future) {
    fut_waiter_ = detail::RefPtr(&future);
    future.add_done_callback([self = ref()](detail::FutureStateBase&) { self->as_task()->step(); });
    // cancel() may have been called during this very step (a task cancelling itself, or a
    // callback it ran): asyncio then cancels the future it just yielded.
    if (must_cancel_ && fut_waiter_->cancel(cancel_message_)) must_cancel_ = false;
}

// The coroutine is finished: move its outcome into our future and free its frame now (a
// finished task's frame can be large; the future's result is all anyone needs).
void TaskBase::finish() {
    auto keep_alive = ref();
    loop_.unregister_task(this);
    std::coroutine_handle<> root = std::exchange(root_, nullptr);
    if (root.done()) {
        if (must_cancel_ && !root_promise_->exception_) {
            // A cancel() that found nothing to cancel (the task cancelled itself, or the
            // future it last awaited was already done) and the coroutine then returned
            // without awaiting again: the request wins over the value, as in asyncio's
            // Task.__step ("Task is cancelled right before coro stops"). An exception
            // escaping the coroutine still wins over the request.
            must_cancel_ = false;
            self_.detail::FutureStateBase::cancel(cancel_message_);
        } else {
            finish_from_root(*root_promise_);
        }
    }
    root.destroy();
    resume_point_ = nullptr;
    if (loop_.tracer()) [[unlikely]] {
        trace_done();
    }
}

void TaskBase::abandon() {
    auto keep_alive = ref();
    loop_.unregister_task(this);
    if (root_) std::exchange(root_, nullptr).destroy();
    resume_point_ = nullptr;
    fut_waiter_.reset();
    if (!self_.done()) {
        loop_.call_exception_handler({"Task was destroyed but it is pending", nullptr, name_});
        self_.detail::FutureStateBase::cancel("event loop closed");
        self_.mark_retrieved();
        if (loop_.tracer()) [[unlikely]] {
            trace_done();
        }
    }
}

}  // namespace looplab
