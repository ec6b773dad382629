// runtime/task.hpp: Task<T>, a Future driven by a coroutine.
//
// asyncio: asyncio.Task (tasks.py: __step and __wakeup).
// libuv:   none (libuv has no coroutines); the nearest is a chain of callbacks.
//
// This is the mechanism seed 002 describes, and the heart of asyncio:
//
//   1. create_task(coro) schedules the task's first step with call_soon.
//   2. A step resumes the coroutine. It runs (inline, through any Coros it awaits) until it
//      either finishes, or awaits a Future that is not done yet. The awaiter hands that
//      future to the task (yield_future: asyncio's `yield fut` inside Future.__await__).
//   3. Back in step(), the task adds a wake-up callback to the yielded future and returns to
//      the loop. Nothing of the task runs until that future is done.
//   4. Whoever completes the future (a timer, an I/O callback, another task) schedules the
//      future's done callbacks with call_soon; the wake-up is one of them; it calls step()
//      again, which resumes the coroutine right where it awaited. Go to 2.
//   5. When the coroutine finishes, step() stores its result or exception in the task (a
//      Future), whose own done callbacks then wake whoever awaits the task.
//
// Invariant. asyncio's docs put it as "a task either waits on exactly one future, or has its
// next step scheduled, never both". The code (asyncio's and this one) keeps a finer rule,
// because a woken task still names the future that woke it until its step begins. A pending
// task is in exactly one of three states:
//
//   waiting     fut_waiter_ is set and pending, and holds the task's one wake-up callback;
//               nothing else will step the task.
//   scheduled   a step is in the ready queue: either fut_waiter_ is null (the first step,
//               or after sleep(0)), or fut_waiter_ is done and its wake-up is that step.
//   running     the step is on the stack (loop.current_task() is this task); fut_waiter_ is
//               null, and at its end the step moves the task to waiting, to scheduled (sleep(0))
//               or to done.
//
//       create_task --> scheduled --step--> running --awaits a pending future--> waiting
//                          ^   ^               |  \--sleep(0)--> scheduled      |
//                          |   +---------------+   \--returns or throws--> done  |
//                          +------------ the future completes (wake-up queued) --+
//
// step() asserts the halves it can see: on entry the task is not waiting (no pending
// fut_waiter_), and when it starts to wait there is no other future it waits on.
//
// Cancellation (asyncio 3.11+): cancel(msg) asks the future the task waits on to cancel; its
// wake-up then resumes the coroutine and the awaiter throws CancelledError at the co_await. If
// that future cannot be cancelled (already done, or a shield), the request is remembered
// (must_cancel_) and thrown in at the next step (if the coroutine returns before awaiting
// again, the task still ends cancelled). The coroutine may catch CancelledError and
// clean up; if it escapes, the task ends cancelled. cancelling() counts requests, uncancel()
// takes one back (timeout() uses that to tell its own cancellation from an outside one).
//
// Unlike asyncio, the loop keeps a pending task alive: its scheduled step or its wake-up
// callback holds a reference. So a task whose Task<T> handle was dropped still runs to the
// end ("fire and forget" is safe; in asyncio it is a famous bug).
//
// Context (context.hpp): a task runs every step in its own context, a copy of the one current
// when it was created (or the Context given to create_task), kept inside the task: creating a
// task allocates nothing for it, and a step switches the thread's current context twice.
//
// Starting (asyncio 3.12's task factories and eager tasks): create_task builds the task and
// hands it to the loop's task factory, if one is set, which may start it eagerly: the first
// step then runs at once, inside create_task, and a coroutine that finishes without suspending
// never goes through the loop at all. Otherwise (the default) the first step is scheduled with
// call_soon. DIFFERENCE: asyncio's factory is called with the coroutine and returns the task;
// a Coro<T> is typed, so one C++ function cannot take any coroutine and return any Task<T>.
// looplab's factory receives the task built but not started (TaskFactory, event_loop.hpp).
//
// The awaiting chain (get_stack, print_stack): the Coro frames from the task's own coroutine
// down to the one running or suspended now, each named by its function and file (recorded when
// the frame is created: coro.hpp). A coroutine frame has no portable way to say on which line it
// is suspended (that is a compiler-private resume index), so a frame names its function, not
// its line; asyncio's get_stack shows the line of each frame's current await. A Future at the
// bottom of the chain is named by waiting_on().
#pragma once

#include <coroutine>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/context.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"
#include "runtime/source_location.hpp"

namespace looplab {

// The part of a task that does not depend on its result type: what asyncio.current_task(),
// all_tasks(), TaskGroup and timeout() work with.
class TaskBase : public detail::TaskRegistry::Node {
public:
    bool cancel(std::string message = {});
    // How many cancel() requests are pending (asyncio: Task.cancelling()).
    int cancelling() const noexcept { return num_cancels_requested_; }
    // Takes one cancellation request back; returns the remaining count.
    int uncancel() noexcept;
    bool done() const noexcept { return self_.done(); }
    const std::string& get_name() const noexcept { return name_; }
    void set_name(std::string name) { name_ = std::move(name); }
    // Where create_task was called (shown by debug mode and the task dump).
    SourceLocation created_at() const noexcept { return created_at_; }
    // The future this task is suspended on, or nullptr (running, scheduled, or done).
    detail::FutureStateBase* waiting_on() const noexcept { return fut_waiter_.get(); }
    EventLoop& loop() const noexcept { return loop_; }
    detail::FutureStateBase& future() noexcept { return self_; }
    // A strong reference to this task's future state (keeps the task alive).
    detail::RefPtr<detail::FutureStateBase> ref() { return detail::RefPtr(&self_); }
    // The task's own coroutine frame (asyncio: Task.get_coro), or a null handle once the task
    // is done: looplab frees a finished task's frame at once (DIFFERENCE: asyncio keeps it).
    std::coroutine_handle<> get_coro() const noexcept { return root_; }
    // The awaiting chain, outermost (the task's own coroutine) first, at most `limit` frames
    // (asyncio: Task.get_stack, oldest first). Empty once the task is done.
    std::vector<SourceLocation> get_stack(std::size_t limit = SIZE_MAX) const;
    // Writes the chain (asyncio: Task.print_stack):
    //     Stack for Task 'fetch' (most recent call last):
    //       File "app.cpp", in fetch_page
    //       File "app.cpp", in read_body
    //       awaits Future
    void print_stack(std::ostream& out, std::size_t limit = SIZE_MAX) const;

    // ---- Starting (for task factories: event_loop.hpp's TaskFactory) -----------------------
    // Schedules the first step with call_soon (the default). Once; later calls do nothing.
    void start();
    // asyncio 3.12's eager start: runs the first step now, inside create_task, when the loop is
    // running in this thread (else as start()). Once; later calls do nothing.
    void start_eagerly();
    bool start_requested() const noexcept { return start_requested_; }
    // Runs the task in `context` instead of its own copy of the creator's (create_task's
    // context argument). Before it starts.
    void use_context(const Context& context);

    // ---- Machinery (called by awaiters and the loop, not by user code) ----------------------
    void step();
    // The awaiter behind `co_await future` calls this from await_suspend (step 2 above).
    void yield_future(detail::FutureStateBase* future, std::coroutine_handle<> resume_point);
    // sleep(0): "let everyone else run once", asyncio's bare `yield`.
    void yield_bare(std::coroutine_handle<> resume_point);
    // Called by awaiters when they resume: throws CancelledError if a cancel was delivered
    // to this step (must_cancel_) rather than through the awaited future.
    void throw_if_cancel_pending();
    // Destroys the coroutine of a task that will never finish (loop close).
    void abandon() override;

protected:
    TaskBase(detail::FutureStateBase& self, EventLoop& loop, std::coroutine_handle<> root,
             detail::PromiseBase& root_promise, std::string name, SourceLocation where);
    ~TaskBase();

    // Moves the finished root coroutine's result or exception into the task's future.
    virtual void finish_from_root(detail::PromiseBase& root_promise) = 0;
    // Ends the task's future as cancelled (the base Future's cancel: TaskState::cancel is
    // TaskBase::cancel, the *request*, which would only ask the coroutine).
    void finish_cancelled(const std::string& message);

private:
    // The parts of step(), in order.
    bool deliver_pending_cancel(detail::FutureStateBase* awaited);
    void resume_coroutine();
    StepEnd how_the_step_ended() const;
    void after_step();
    void schedule_step(const char* why);  // why: its label, "starts", ... (label.hpp)
    void tell_created();
    void wake_up_on(detail::FutureStateBase& future);
    void finish();
    void settle_from_coroutine();
    void tell_done();

    detail::FutureStateBase& self_;
    EventLoop& loop_;
    std::coroutine_handle<> root_;  // the task's own coroutine (owned)
    detail::PromiseBase* root_promise_;
    std::coroutine_handle<> resume_point_;                // the innermost suspended frame
    detail::RefPtr<detail::FutureStateBase> fut_waiter_;  // what we wait on (asyncio: _fut_waiter)
    detail::FutureStateBase* yielded_ = nullptr;          // set by yield_future during a step
    bool yielded_bare_ = false;
    bool started_ = false;
    bool start_requested_ = false;
    bool must_cancel_ = false;
    bool cancel_pending_ = false;  // a must_cancel_ being delivered in this step
    int num_cancels_requested_ = 0;
    std::string cancel_message_;
    std::string name_;
    SourceLocation created_at_;
    // The context every step runs in: own_context_ (a copy of the creator's), or the state of
    // a Context given to create_task (kept alive by given_context_).
    detail::ContextState own_context_;
    std::shared_ptr<detail::ContextState> given_context_;
    detail::ContextState* context_ = &own_context_;
};

namespace detail {

template <class T>
class TaskState final : public FutureState<T>, public TaskBase {
public:
    TaskState(EventLoop& loop, typename Coro<T>::Handle root, std::string name,
              SourceLocation where)
        : FutureState<T>(&loop),
          TaskBase(*this, loop, root, root.promise(), std::move(name), where) {}

    ~TaskState() override { this->report_if_unretrieved(); }

    bool cancel(std::string message) override { return TaskBase::cancel(std::move(message)); }
    std::string describe_self() const override { return "Task '" + get_name() + "'"; }
    TaskBase* as_task() noexcept override { return this; }

private:
    void finish_from_root(PromiseBase& root_promise) override {
        auto& p = static_cast<typename Coro<T>::promise_type&>(root_promise);
        if (p.exception_) {
            try {
                std::rethrow_exception(p.exception_);
            } catch (const CancelledError& e) {
                // A CancelledError that escapes the coroutine makes the task cancelled.
                this->finish_cancelled(e.message());
            } catch (...) {
                this->set_exception(std::current_exception());
            }
        } else if constexpr (std::is_void_v<T>) {
            this->set_result();
        } else {
            this->set_result(p.take_value());
        }
    }
};

template <class Promise>
TaskBase& task_of(std::coroutine_handle<Promise> h) {
    static_assert(std::is_base_of_v<PromiseBase, Promise>,
                  "looplab awaitables can only be awaited from a looplab Coro<T>");
    TaskBase* task = h.promise().task_;
    if (!task) throw InvalidStateError("awaited outside of a task: use loop.create_task or run()");
    return *task;
}

inline void yield_future_to_task(TaskBase& task, FutureStateBase* future,
                                 std::coroutine_handle<> h) {
    task.yield_future(future, h);
}
inline void throw_if_cancel_pending(TaskBase& task) {
    task.throw_if_cancel_pending();
}

}  // namespace detail

template <class T = void>
class Task : public Future<T> {
public:
    Task() = default;
    explicit Task(detail::RefPtr<detail::TaskState<T>> s) : Future<T>(std::move(s)) {}

    TaskBase& base() const noexcept {
        return *static_cast<detail::TaskState<T>*>(this->state_.get());
    }
    int cancelling() const noexcept { return base().cancelling(); }
    int uncancel() noexcept { return base().uncancel(); }
    const std::string& get_name() const noexcept { return base().get_name(); }
    void set_name(std::string name) { base().set_name(std::move(name)); }
    std::coroutine_handle<> get_coro() const noexcept { return base().get_coro(); }
    std::vector<SourceLocation> get_stack(std::size_t limit = SIZE_MAX) const {
        return base().get_stack(limit);
    }
    void print_stack(std::ostream& out, std::size_t limit = SIZE_MAX) const {
        base().print_stack(out, limit);
    }
};

namespace detail {

template <class T>
RefPtr<TaskState<T>> make_task_state(EventLoop& loop, Coro<T>& coro, std::string name,
                                     SourceLocation where) {
    if (loop.is_closed()) throw InvalidStateError("create_task on a closed event loop");
    loop.check_thread("create_task");
    if (!coro) throw std::invalid_argument("create_task: empty Coro");
    auto handle = coro.release();
    handle.promise().started_ = true;
    return RefPtr<TaskState<T>>(new TaskState<T>(loop, handle, std::move(name), where));
}

}  // namespace detail

// The factory, if any, may start the task (eagerly); what it leaves unstarted starts as usual.
template <class T>
Task<T> EventLoop::create_task(Coro<T> coro, std::string name, SourceLocation where) {
    detail::RefPtr<detail::TaskState<T>> state =
        detail::make_task_state(*this, coro, std::move(name), where);
    Task<T> task(state);
    if (task_factory_) [[unlikely]] {
        task_factory_(*this, *state);
    }
    state->start();
    return task;
}

template <class T>
Task<T> EventLoop::create_task(Coro<T> coro, std::string name, Context context,
                               SourceLocation where) {
    detail::RefPtr<detail::TaskState<T>> state =
        detail::make_task_state(*this, coro, std::move(name), where);
    state->use_context(context);
    Task<T> task(state);
    if (task_factory_) [[unlikely]] {
        task_factory_(*this, *state);
    }
    state->start();
    return task;
}

// asyncio.eager_task_factory (3.12): every task's first step runs inside create_task.
// loop.set_task_factory(eager_task_factory).
inline void eager_task_factory(EventLoop& /*loop*/, TaskBase& task) {
    task.start_eagerly();
}

// asyncio.ensure_future: a Coro becomes a Task on the running loop; a Future stays itself.
template <class T>
Task<T> ensure_future(Coro<T> coro, SourceLocation where = SourceLocation::current()) {
    return get_running_loop().create_task(std::move(coro), {}, where);
}
template <class T>
Future<T> ensure_future(Future<T> future) {
    return future;
}

// The task running the current step (asyncio.current_task()), or nullptr outside a task.
inline TaskBase* current_task() {
    EventLoop* loop = try_get_running_loop();
    return loop ? loop->current_task() : nullptr;
}

// ---- run_until_complete (declared in event_loop.hpp) ----------------------------------------

template <class T>
T EventLoop::run_until_complete(Future<T> future) {
    // Check before touching the future: a call that cannot run (closed loop, or called from
    // inside the running loop) must not leave a stop() callback behind on it.
    check_can_run("run_until_complete");
    if (&future.get_loop() != this) {
        // asyncio: ValueError "The future belongs to a different loop than the one specified".
        throw std::invalid_argument("run_until_complete: the future belongs to another loop");
    }
    // Stop the loop when the future is done, whatever happens to it.
    const std::uint64_t stop_id = future.add_done_callback([this](Future<T>&) { stop(); });
    // If something else stops the loop first, take the callback back (asyncio does too):
    // otherwise the future completing later would stop an unrelated run of the loop.
    struct RemoveStop {
        Future<T>& future;
        std::uint64_t id;
        ~RemoveStop() { future.remove_done_callback(id); }
    } remove_stop{future, stop_id};
    run_forever();
    if (!future.done()) {
        throw InvalidStateError("event loop stopped before the future completed");
    }
    return future.result();
}

template <class T>
T EventLoop::run_until_complete(Coro<T> coro) {
    check_can_run("run_until_complete");  // before the Coro becomes a task that would run later
    return run_until_complete(Future<T>(create_task(std::move(coro))));
}

}  // namespace looplab
