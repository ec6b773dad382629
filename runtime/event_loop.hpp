// runtime/event_loop.hpp: the event loop: one thread, one ready queue, timers and a selector.
//
// asyncio: asyncio.AbstractEventLoop (events.py) implemented by BaseEventLoop
//          (base_events.py) and BaseSelectorEventLoop (selector_events.py).
// libuv:   uv_loop_t and uv_run (src/unix/core.c).
//
// An event loop is a `while` loop around one question: "what can run now?". Callbacks that
// can run now sit in the ready queue; callbacks that can run at a time sit in the timer heap;
// callbacks that can run when a file descriptor is ready are registered with the selector.
// One iteration (run_once) does, in this order:
//
//   1. compute_poll_timeout   how long may the selector block? Zero if callbacks are ready,
//                             else until the nearest timer, else forever.
//   2. poll_for_io            ask the selector which fds are ready (the only place the
//                             thread sleeps).
//   3. queue_io_callbacks     each ready fd's reader / writer handle joins the ready queue.
//   4. queue_threadsafe_calls callbacks handed over by other threads join the ready queue.
//   5. queue_expired_timers   timers whose deadline has passed join the ready queue.
//   6. run_ready_callbacks    run exactly the callbacks that were ready when this phase
//                             began; callbacks they schedule wait for the next iteration,
//                             so a callback that reschedules itself cannot starve I/O.
//
// Phase 6 is the only place callbacks are called. Everything else in looplab (futures, tasks,
// transports, the HTTP client) is built by scheduling callbacks here.
//
// Threading: every method is loop-thread only, except call_soon_threadsafe (any thread), and
// stop() only through call_soon_threadsafe. "The loop's thread" is the thread running it, or,
// while it is not running, the thread that last ran it (at first: the one that created it).
// Debug mode checks this in every scheduling method and names the method (see set_debug).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <iosfwd>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "runtime/clock.hpp"
#include "runtime/context.hpp"
#include "runtime/handle.hpp"
#include "runtime/loop_observer.hpp"
#include "runtime/observer_list.hpp"
#include "runtime/selector/selector.hpp"
#include "runtime/source_location.hpp"
#include "runtime/task_registry.hpp"
#include "runtime/threadsafe_inbox.hpp"
#include "runtime/timer_heap.hpp"

namespace looplab {

template <class T>
class Future;
template <class T>
class Task;
template <class T>
class Coro;
class TaskBase;
class ThreadPoolExecutor;
class Tracer;
namespace detail {
class SignalWatch;
}

// What went wrong, for the exception handler (asyncio: the `context` dict).
struct ExceptionContext {
    std::string message;           // "Exception in callback", "Task exception was never retrieved"
    std::exception_ptr exception;  // may be null
    std::string source;            // the task's name or the callback's scheduling site
};

using ExceptionHandler = std::function<void(EventLoop&, const ExceptionContext&)>;

struct EventLoopOptions {
    // Which selector; nullopt means LOOPLAB_SELECTOR if set, else the platform's best.
    std::optional<SelectorKind> selector;
    // Where time comes from; nullptr means the monotonic clock. Not owned: must outlive the loop.
    Clock* clock = nullptr;
    // Debug mode; nullopt means LOOPLAB_DEBUG=1 turns it on.
    std::optional<bool> debug;
    // Step mode (observe/step_mode.hpp); nullopt means LOOPLAB_STEP=1 turns it on, reading
    // Enter from std::cin and printing to std::cerr.
    std::optional<bool> step;
};

class EventLoop {
public:
    EventLoop();
    explicit EventLoop(EventLoopOptions options);
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // ---- Scheduling callbacks --------------------------------------------------------------
    // Each runs fn in a copy of the context current now (context.hpp), or, given a Context,
    // in that Context (what fn sets stays there), as asyncio's `context=` argument.
    //
    // Runs fn on a later iteration, after the callbacks already scheduled (FIFO).
    Handle call_soon(Callback fn, SourceLocation where = SourceLocation::current());
    Handle call_soon(Callback fn, Context context,
                     SourceLocation where = SourceLocation::current());
    // Runs fn once `delay` has passed on the loop's clock (at the earliest). Duration::max()
    // means never (the deadline saturates: clock.hpp).
    TimerHandle call_later(Duration delay, Callback fn,
                           SourceLocation where = SourceLocation::current());
    TimerHandle call_later(Duration delay, Callback fn, Context context,
                           SourceLocation where = SourceLocation::current());
    // Runs fn once the loop's clock reaches `when`.
    TimerHandle call_at(TimePoint when, Callback fn,
                        SourceLocation where = SourceLocation::current());
    TimerHandle call_at(TimePoint when, Callback fn, Context context,
                        SourceLocation where = SourceLocation::current());
    // The only method safe from any thread: queues fn and wakes the loop if it is blocked in
    // the selector. threadsafe_inbox.hpp says how, and why wake-ups coalesce. fn runs on the
    // loop thread, in phase 6 of the iteration that picks it up, in a copy of the calling
    // thread's current context. The handle may be cancelled from any thread (handle.hpp).
    // Throws InvalidStateError if the loop is closed.
    ThreadsafeHandle call_soon_threadsafe(Callback fn,
                                          SourceLocation where = SourceLocation::current());
    // Machinery: call_soon without capturing the current context; fn runs in the loop's empty
    // scratch context. For the loop's own types, whose callbacks need no context or switch to
    // their own (a task's step, a future's done callbacks: task.cpp, future.cpp).
    Handle call_soon_without_context(Callback fn, SourceLocation where = SourceLocation::current());
    // The inbox behind call_soon_threadsafe, for code that may post after the loop is gone
    // (an executor's done callback holds it instead of a pointer to the loop).
    std::shared_ptr<detail::ThreadsafeInbox> inbox() const { return inbox_; }
    // The loop's idea of now (asyncio: loop.time()).
    TimePoint time() const { return clock_->now(); }

    // ---- Watching file descriptors -----------------------------------------------------------
    // fn runs on every iteration in which fd is readable / writable, until removed. Adding a
    // second reader for the same fd replaces the first. The fd is not owned.
    void add_reader(int fd, Callback fn, SourceLocation where = SourceLocation::current());
    bool remove_reader(int fd);  // false if there was none
    void add_writer(int fd, Callback fn, SourceLocation where = SourceLocation::current());
    bool remove_writer(int fd);
    // Words for fd's reader (kRead) and/or writer (kWrite) callback (label.hpp), which step
    // mode and traces show instead of the scheduling site. Call after add_reader / add_writer.
    void set_fd_label(int fd, SelectorEvents which, const Label& label);

    // ---- Signals (asyncio: loop.add_signal_handler; event_loop_signals.cpp) -------------------
    // fn runs on this loop's thread, in the iteration after `sig` arrives (whichever thread the
    // kernel delivered it to); several arrivals before it runs may be one call, never zero.
    // A second add for the same sig replaces fn. Throws std::invalid_argument if sig is not a
    // signal number, InvalidStateError if another loop holds sig (one loop per signal, any
    // thread's: signal_watch.hpp says why, and why a signal handler may not touch the loop),
    // std::system_error if sig cannot be caught (SIGKILL, SIGSTOP). close() removes them all.
    void add_signal_handler(int sig, Callback fn, SourceLocation where = SourceLocation::current());
    // Removes the handler and restores the signal's default disposition (SIG_DFL, as asyncio).
    // False if this loop had no handler for sig.
    bool remove_signal_handler(int sig);

    // ---- Running and stopping ---------------------------------------------------------------
    // Runs iterations until stop() is called.
    void run_forever();
    // Runs until `future` is done and returns its result (rethrows its exception).
    template <class T>
    T run_until_complete(Future<T> future);
    template <class T>
    T run_until_complete(Coro<T> coro);
    // Asks run_forever to return after the current iteration. Loop thread only: from another
    // thread, call_soon_threadsafe([&] { loop.stop(); }).
    void stop();
    // Runs one iteration (the six phases above). Public so tests can drive the loop by hand:
    // called while the loop is not running, it makes the loop this thread's running loop for
    // that iteration (get_running_loop(), create_task and every awaitable work inside it), as
    // run_forever does. InvalidStateError if the loop is closed, if another loop runs in this
    // thread, or if called from another thread while this loop runs.
    void run_once();
    // Releases the selector and every pending callback, timer and task. The loop must not be
    // running. Idempotent.
    void close();
    bool is_running() const { return running_thread_.load() != std::thread::id{}; }
    bool is_closed() const { return closed_; }

    // ---- Futures and tasks (defined in future.hpp / task.hpp) --------------------------------
    template <class T = void>
    Future<T> create_future();
    // A task runs in a copy of the context current now, or in `context` (asyncio's
    // create_task(coro, name=, context=)).
    template <class T>
    Task<T> create_task(Coro<T> coro, std::string name = {},
                        SourceLocation where = SourceLocation::current());
    template <class T>
    Task<T> create_task(Coro<T> coro, std::string name, Context context,
                        SourceLocation where = SourceLocation::current());
    // What create_task calls with every new task, built but not started (asyncio:
    // loop.set_task_factory; task.hpp says why looplab's factory is shaped differently). It may
    // rename the task, record it, and start it: task.start() or task.start_eagerly()
    // (eager_task_factory does just that). A task it leaves unstarted starts as usual. An empty
    // function (the default) means no factory.
    using TaskFactory = std::function<void(EventLoop&, TaskBase&)>;
    void set_task_factory(TaskFactory factory) { task_factory_ = std::move(factory); }
    const TaskFactory& get_task_factory() const noexcept { return task_factory_; }
    // The task whose step is running right now, or nullptr (asyncio.current_task()).
    TaskBase* current_task() const { return current_task_; }
    // Every task of this loop that is not done yet (asyncio.all_tasks()).
    std::vector<TaskBase*> all_tasks() const;

    // ---- Errors ----------------------------------------------------------------------------
    // An exception escaping a callback (or a task nobody awaited) is reported here; the loop
    // goes on. With no handler set (or an empty one: asyncio's set_exception_handler(None)),
    // call_exception_handler calls default_exception_handler. A handler may call
    // default_exception_handler itself, to log as usual and then do more.
    void set_exception_handler(ExceptionHandler handler) {
        exception_handler_ = std::move(handler);
    }
    // The handler set, or an empty function if none is (asyncio returns None).
    const ExceptionHandler& get_exception_handler() const noexcept { return exception_handler_; }
    // Calls the handler; if it throws, reports that through default_exception_handler
    // ("Unhandled error in exception handler") and then the original context too.
    void call_exception_handler(const ExceptionContext& context);
    // Prints the context to stderr: "looplab: <message> (<source>)" and the exception's text
    // on a second line. An empty message reads "Unhandled exception in event loop" (asyncio's
    // default). Static: it needs nothing of the loop, and a handler may call it with any context.
    static void default_exception_handler(const ExceptionContext& context);

    // ---- Debug mode (asyncio: loop.set_debug) -------------------------------------------------
    // The wrong-thread checks read the flag itself (check_thread); what debug mode watches and
    // reports (slow callbacks, stuck tasks, busy loops, SIGUSR1) is an observer the loop
    // installs: runtime/observe/debug.hpp. Set it on the loop thread, before other threads
    // use the loop.
    void set_debug(bool on);
    bool get_debug() const { return debug_; }
    Duration slow_callback_duration = std::chrono::milliseconds(100);

    // ---- Threads (run_in_executor.hpp) ------------------------------------------------------
    // Runs fn(args...) on `executor` (nullptr: the default one) and returns a loop future for
    // its result, completed on the loop thread. Cancelling that future before the call has
    // started on a worker prevents the call.
    template <class F, class... Args>
    auto run_in_executor(ThreadPoolExecutor* executor, F&& fn, Args&&... args);
    // The executor run_in_executor(nullptr, ...) uses, created on first use.
    ThreadPoolExecutor& default_executor();
    void set_default_executor(std::unique_ptr<ThreadPoolExecutor> executor);
    // Shuts the default executor down without blocking the loop (the join happens in a
    // helper thread); run() awaits this before closing the loop.
    Coro<void> shutdown_default_executor();

    // ---- Observers (loop_observer.hpp): everything that watches the loop --------------------
    // Installs an observer (not owned: it must outlive its installation). Several may be
    // installed; each hears every hook, in the order they were added. Loop thread only; safe
    // from inside a hook (the change applies from the next hook on).
    void add_observer(LoopObserver* observer);
    void remove_observer(LoopObserver* observer);
    // The installed observers as one, or nullptr when there are none. What the loop's own
    // types (tasks) test before they build anything to tell: one load, one branch.
    LoopObserver* observer() const noexcept { return observer_; }

    // ---- Tracing (observe/tracer.hpp) -------------------------------------------------------
    // Every traced path in the loop, its tasks, run_in_executor and the HTTP client records
    // into this tracer; nullptr (the default) turns tracing off. Not owned: it must outlive
    // the loop's use of it. Set it on the loop thread, before the work to be traced. The loop
    // installs an observer of its own that turns its hooks into TraceEvents
    // (observe/trace_observer.hpp); the executor and the HTTP client record into tracer().
    void set_tracer(Tracer* tracer);
    Tracer* tracer() const { return tracer_; }

    // ---- Step mode (observe/step_mode.hpp) --------------------------------------------------
    // Pauses before each iteration until a line is read from `in`, and prints a banner per
    // phase to `out` (nullptr: std::cin / std::cerr). End of input turns step mode off, so a
    // non-interactive run never hangs. Loop thread only.
    void set_step_mode(bool on, std::istream* in = nullptr, std::ostream* out = nullptr);
    bool step_mode() const { return observers_.contains(step_observer_); }

    // ---- Introspection ---------------------------------------------------------------------
    Selector& selector() { return *selector_; }
    Clock& clock() { return *clock_; }
    std::uint64_t iteration_count() const { return iterations_; }
    std::size_t ready_count() const { return ready_.size(); }
    // The ready queue itself, oldest first (step mode lists it; do not keep the reference).
    const std::vector<Handle>& ready_handles() const { return ready_; }
    // The ready fds of this iteration's poll (phase 2's result; step mode lists them).
    const std::vector<SelectorEvent>& polled_events() const { return events_; }
    std::size_t timer_count() const { return timers_.size(); }
    // Ready fds the selector has reported so far (the inbox's wake-ups included).
    std::uint64_t io_event_count() const { return io_events_; }
    // Calls running in other threads that will come back through the inbox (see below).
    std::int64_t external_work() const { return external_work_; }

    // ---- For the runtime's own types ---------------------------------------------------------
    // Work running in another thread that will come back through call_soon_threadsafe
    // (run_in_executor). While any is outstanding, a virtual clock does not auto-advance:
    // the loop waits for the thread instead of jumping time forward.
    void begin_external_work() { ++external_work_; }
    void end_external_work() { --external_work_; }
    // Every live task (task_registry.hpp); tasks link themselves in and out (task.cpp).
    detail::TaskRegistry& task_registry() noexcept { return tasks_; }
    void set_current_task(TaskBase* task) {
        current_task_ = task;
        if (task) stepped_task_ = task;
    }
    // The task whose step ran last: while phase 6 observes a callback, this names the
    // callback after the task it stepped (CallbackRecord::task). TaskBase's destructor clears
    // it.
    TaskBase* stepped_task() const { return stepped_task_; }
    void forget_stepped_task(TaskBase* task) {
        if (stepped_task_ == task) stepped_task_ = nullptr;
    }
    // Debug mode: throws InvalidStateError naming `what` when called from a thread that is
    // not the loop's. Inline, so that with debug mode off it costs one branch.
    void check_thread(const char* what) const {
        if (debug_) [[unlikely]] {
            check_thread_slow(what);
        }
    }

private:
    // One per watched fd: what the loop wants to hear about, and who to tell.
    struct FdWatch {
        Handle reader;
        Handle writer;
        SelectorEvents registered = 0;  // what the selector currently has for this fd
    };

    // One iteration, with the running loop already set (run_forever's and run_once's body).
    void iterate();
    // The phases of run_once, in order.
    std::optional<Duration> compute_poll_timeout();
    void poll_for_io(std::optional<Duration> timeout);
    void queue_io_callbacks();
    void queue_threadsafe_calls();
    void queue_expired_timers();
    std::size_t run_ready_callbacks();

    // The same iteration while observers are installed: the phases above, each told to them.
    void run_once_observed();
    void poll_for_io_observed(std::optional<Duration> timeout);
    void run_handle(const Handle& handle);
    void run_handle_observed(const Handle& handle);
    // Keeps observer_ in step with observers_ after an add or a remove.
    void observers_changed() noexcept { observer_ = observers_.empty() ? nullptr : &observers_; }
    void update_interest(int fd);
    FdWatch* find_watch(int fd);
    void set_up_wakeup_fd();
    void check_open(const char* what) const;
    // Throws InvalidStateError unless run_forever could start now: open, not running, and no
    // other loop running in this thread (asyncio: _check_closed + _check_running).
    void check_can_run(const char* what) const;
    void check_thread_slow(const char* what) const;

    std::unique_ptr<Selector> selector_;
    std::unique_ptr<Clock> owned_clock_;
    Clock* clock_ = nullptr;

    // The ready queue, recycled: phase 6 swaps it with running_ (empty, capacity kept) and
    // runs that, so call_soon during phase 6 appends to a vector that is not being iterated,
    // and neither vector reallocates once it has grown to the program's working size.
    std::vector<Handle> ready_;
    std::vector<Handle> running_;
    // The context phase 6 runs a callback in when it has none of its own (context.hpp): empty,
    // and emptied again after a callback that set a variable in it.
    detail::ContextState callback_context_;
    TimerHeap timers_;
    std::vector<FdWatch> watches_;  // indexed by fd: fds are small integers
    std::size_t watched_fds_ = 0;   // fds registered through update_interest (not the inbox's)
    std::vector<SelectorEvent> events_;

    // Callbacks from other threads, and the fd that wakes the selector for them.
    std::shared_ptr<detail::ThreadsafeInbox> inbox_;
    std::vector<detail::ThreadsafeInbox::Posted> threadsafe_batch_;  // phase 4's scratch space
    std::unique_ptr<ThreadPoolExecutor> default_executor_;
    bool default_executor_shut_down_ = false;
    // The signals this loop handles (signal_watch.hpp); null until the first add_signal_handler.
    std::unique_ptr<detail::SignalWatch> signals_;

    ExceptionHandler exception_handler_;
    TaskFactory task_factory_;
    // The observers (loop_observer.hpp). observer_ is &observers_ while any is installed, else
    // nullptr: the one pointer every observed place tests. The three the loop made itself
    // (owned by observers_) are remembered so that they can be switched off again.
    detail::ObserverList observers_;
    LoopObserver* observer_ = nullptr;
    const LoopObserver* debug_observer_ = nullptr;
    const LoopObserver* step_observer_ = nullptr;
    const LoopObserver* trace_observer_ = nullptr;
    Tracer* tracer_ = nullptr;
    TaskBase* current_task_ = nullptr;
    TaskBase* stepped_task_ = nullptr;  // see stepped_task()
    detail::TaskRegistry tasks_;
    std::atomic<std::thread::id> running_thread_{};
    // The thread that last ran the loop, or created it (debug checks; read by other threads).
    std::atomic<std::thread::id> owner_thread_{};
    std::uint64_t iterations_ = 0;
    std::uint64_t io_events_ = 0;
    std::int64_t external_work_ = 0;
    bool stopping_ = false;
    bool closed_ = false;
    bool debug_ = false;
};

// The loop running in this thread (asyncio.get_running_loop()); throws std::runtime_error
// "no running event loop" if there is none.
EventLoop& get_running_loop();
// Same, but nullptr instead of throwing.
EventLoop* try_get_running_loop() noexcept;

}  // namespace looplab
