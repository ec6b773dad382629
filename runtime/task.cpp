// runtime/task.cpp: how a Task steps its coroutine (see the numbered steps in task.hpp).
#include "runtime/task.hpp"

#include <atomic>
#include <cassert>
#include <cstring>
#include <ostream>

namespace looplab {

namespace {
std::atomic<std::uint64_t> task_counter{0};
}

TaskBase::TaskBase(detail::FutureStateBase& self, EventLoop& loop, std::coroutine_handle<> root,
                   detail::PromiseBase& root_promise, std::string name, SourceLocation where)
    : Node(*this),
      self_(self),
      loop_(loop),
      root_(root),
      root_promise_(&root_promise),
      resume_point_(root),
      name_(name.empty() ? "Task-" + std::to_string(++task_counter) : std::move(name)),
      created_at_(where),
      own_context_{detail::current_map()} {
    root_promise.task_ = this;
    loop_.task_registry().add(*this);
}

void TaskBase::use_context(const Context& context) {
    given_context_ = context.state();
    context_ = given_context_.get();
}

TaskBase::~TaskBase() {
    if (root_) {
        root_.destroy();
        root_ = nullptr;
    }
    loop_.task_registry().remove(*this);
    loop_.forget_stepped_task(this);
}

// Called once the TaskState is fully built (create_task), so an observer may look at all of it.
void TaskBase::tell_created() {
    if (LoopObserver* observer = loop_.observer()) [[unlikely]] {
        observer->task_created(*this);
    }
}

// The step sets its context itself (resume_coroutine), so the handle needs none.
void TaskBase::schedule_step(const char* why) {
    loop_.call_soon_without_context([self = ref()] { self->as_task()->step(); }, created_at_)
        .set_label(labels::about(self_, why));
}

void TaskBase::start() {
    if (start_requested_) return;
    start_requested_ = true;
    tell_created();
    schedule_step("starts");
}

// asyncio's Task.__eager_start: the step runs here, in the caller's call stack, as if the
// coroutine had been awaited directly; resume_coroutine puts the caller's current task back
// afterwards. A loop that is not running has no caller step to run inside: start as usual.
void TaskBase::start_eagerly() {
    if (start_requested_) return;
    if (!loop_.is_running() || try_get_running_loop() != &loop_) {
        start();
        return;
    }
    start_requested_ = true;
    tell_created();
    step();
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

void TaskBase::finish_cancelled(const std::string& message) {
    self_.detail::FutureStateBase::cancel(message);
}

// One step: resume the coroutine, then look at what it yielded (asyncio: Task.__step).
void TaskBase::step() {
    if (self_.done() || !root_) return;           // finished or abandoned meanwhile
    assert(!fut_waiter_ || fut_waiter_->done());  // scheduled, never waiting (task.hpp)
    const detail::RefPtr<detail::FutureStateBase> awaited = std::move(fut_waiter_);
    if (must_cancel_ && !deliver_pending_cancel(awaited.get())) return;
    started_ = true;

    auto keep_alive = ref();  // the coroutine may drop the last handle to us
    LoopObserver* const observer = loop_.observer();
    const std::int64_t start = observer ? monotonic_ns() : 0;
    resume_coroutine();
    if (observer) [[unlikely]] {
        observer->task_stepped(*this, {start, monotonic_ns(), how_the_step_ended(), yielded_});
    }
    after_step();
}

// A cancel() that found nothing to cancel when it was made is delivered at this step. Returns
// false if that ends the task before it ever ran: asyncio throws into the coroutine before its
// first line, so no line runs; here the coroutine is simply never started.
bool TaskBase::deliver_pending_cancel(detail::FutureStateBase* awaited) {
    must_cancel_ = false;
    if (!started_) {
        finish();
        return false;
    }
    cancel_pending_ = true;  // the awaiter we resume throws CancelledError
    // The CancelledError replaces whatever the awaited future holds, and the awaiter never
    // looks at it. asyncio's __wakeup calls future.result() before throwing the cancellation
    // in, so a failure there counts as retrieved: no "never retrieved".
    if (awaited) awaited->mark_retrieved();
    return true;
}

// Runs the coroutine until it finishes or awaits something pending, as the current task.
void TaskBase::resume_coroutine() {
    TaskBase* previous = loop_.current_task();
    loop_.set_current_task(this);
    yielded_ = nullptr;
    yielded_bare_ = false;
    {
        detail::ContextScope in_context(*context_);
        resume_point_.resume();
    }
    loop_.set_current_task(previous);
    cancel_pending_ = false;
}

StepEnd TaskBase::how_the_step_ended() const {
    if (root_.done()) return StepEnd::finished;
    if (yielded_) return StepEnd::awaits_future;
    if (yielded_bare_) return StepEnd::yielded;
    return StepEnd::lost;
}

// Steps 3 and 5 of task.hpp: wait for what the coroutine yielded, or finish.
void TaskBase::after_step() {
    switch (how_the_step_ended()) {
        case StepEnd::finished:
            finish();
            break;
        case StepEnd::awaits_future:
            wake_up_on(*yielded_);
            break;
        case StepEnd::yielded:
            schedule_step("continues after sleep(0)");
            break;
        case StepEnd::lost:
            // The coroutine suspended on an awaitable that bypassed the task: nothing would
            // ever resume it. That is a bug in that awaitable; fail loudly rather than hang.
            loop_.call_exception_handler(
                {"task suspended on an awaitable that is not a looplab Future; it can never "
                 "resume",
                 nullptr, name_});
            break;
    }
}

// Step 3 of task.hpp: wait for `future`, and step again when it is done.
void TaskBase::wake_up_on(detail::FutureStateBase& future) {
    assert(!fut_waiter_);  // never waiting on two futures (task.hpp)
    fut_waiter_ = detail::RefPtr(&future);
    future.add_done_callback([self = ref()](detail::FutureStateBase&) { self->as_task()->step(); });
    // cancel() may have been called during this very step (a task cancelling itself, or a
    // callback it ran): asyncio then cancels the future it just yielded.
    if (must_cancel_ && fut_waiter_->cancel(cancel_message_)) must_cancel_ = false;
}

// The coroutine is over, or will never start (cancelled before its first step): free its frame
// now (a finished task's frame can be large; the future's result is all anyone needs) and
// settle the task's future.
void TaskBase::finish() {
    auto keep_alive = ref();
    loop_.task_registry().remove(*this);
    std::coroutine_handle<> root = std::exchange(root_, nullptr);
    const bool ran_to_the_end = root.done();
    if (ran_to_the_end) settle_from_coroutine();
    root.destroy();
    resume_point_ = nullptr;
    if (!ran_to_the_end) finish_cancelled(cancel_message_);
    tell_done();
}

// The finished coroutine's outcome becomes the task's.
void TaskBase::settle_from_coroutine() {
    if (must_cancel_ && !root_promise_->exception_) {
        // A cancel() that found nothing to cancel (the task cancelled itself, or the future it
        // last awaited was already done) and the coroutine then returned without awaiting
        // again: the request wins over the value, as in asyncio's Task.__step ("Task is
        // cancelled right before coro stops"). An exception escaping the coroutine still wins
        // over the request.
        must_cancel_ = false;
        finish_cancelled(cancel_message_);
    } else {
        finish_from_root(*root_promise_);
    }
}

void TaskBase::tell_done() {
    if (LoopObserver* observer = loop_.observer()) [[unlikely]] {
        observer->task_done(*this);
    }
}

void TaskBase::abandon() {
    auto keep_alive = ref();
    loop_.task_registry().remove(*this);
    if (root_) std::exchange(root_, nullptr).destroy();
    resume_point_ = nullptr;
    fut_waiter_.reset();
    if (!self_.done()) {
        loop_.call_exception_handler({"Task was destroyed but it is pending", nullptr, name_});
        finish_cancelled("event loop closed");
        self_.mark_retrieved();
        tell_done();
    }
}

std::vector<SourceLocation> TaskBase::get_stack(std::size_t limit) const {
    std::vector<SourceLocation> frames;
    if (!root_) return frames;
    for (const detail::PromiseBase* p = root_promise_; p && frames.size() < limit;
         p = p->awaiting_) {
        frames.push_back(p->where_);
    }
    return frames;
}

void TaskBase::print_stack(std::ostream& out, std::size_t limit) const {
    const std::vector<SourceLocation> frames = get_stack(limit);
    if (frames.empty()) {
        out << "No stack for Task '" << name_ << "'\n";
        return;
    }
    out << "Stack for Task '" << name_ << "' (most recent call last):\n";
    for (const SourceLocation& frame : frames) {
        const char* slash = std::strrchr(frame.file_name(), '/');
        out << "  File \"" << (slash ? slash + 1 : frame.file_name()) << "\", in "
            << frame.function_name() << "\n";
    }
    if (fut_waiter_ && !fut_waiter_->done())
        out << "  awaits " << fut_waiter_->describe_self() << "\n";
}

namespace detail {

// Debug mode's "never awaited" check (coro.hpp): a Coro destroyed before it started. Named
// after the task it was made in, which is why it lives here rather than in coro.hpp.
void report_never_awaited() noexcept {
    EventLoop* loop = try_get_running_loop();
    if (!loop || !loop->get_debug()) return;
    try {
        const TaskBase* task = loop->current_task();
        loop->call_exception_handler(
            {"a Coro was destroyed without ever being awaited (did you forget co_await?)", nullptr,
             task ? "in Task '" + task->get_name() + "'" : std::string()});
    } catch (...) {
        // Called from a destructor: reporting must not throw.
    }
}

}  // namespace detail
}  // namespace looplab
