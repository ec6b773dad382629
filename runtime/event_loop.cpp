// runtime/event_loop.cpp: see event_loop.hpp for the phases of an iteration.
#include "runtime/event_loop.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <utility>

#include "runtime/errors.hpp"
#include "runtime/executor/thread_pool_executor.hpp"
#include "runtime/selector/choose_selector.hpp"
#include "runtime/signal_watch.hpp"

namespace looplab {

namespace {

thread_local EventLoop* running_loop = nullptr;

// Sets the thread's running loop for the duration of run_forever (asyncio: _set_running_loop).
class RunningLoopScope {
public:
    explicit RunningLoopScope(EventLoop* loop) : previous_(running_loop) { running_loop = loop; }
    ~RunningLoopScope() { running_loop = previous_; }

private:
    EventLoop* previous_;
};

bool env_flag(const char* name) {
    const char* v = std::getenv(name);
    return v && *v && std::strcmp(v, "0") != 0;
}

}  // namespace

EventLoop& get_running_loop() {
    if (!running_loop) throw std::runtime_error("no running event loop");
    return *running_loop;
}

EventLoop* try_get_running_loop() noexcept {
    return running_loop;
}

// ---- Construction ----------------------------------------------------------------------------

EventLoop::EventLoop() : EventLoop(EventLoopOptions{}) {}

EventLoop::EventLoop(EventLoopOptions options)
    : selector_(make_selector(options.selector ? *options.selector : selector_kind_from_env())),
      debug_(options.debug ? *options.debug : env_flag("LOOPLAB_DEBUG")) {
    if (options.clock) {
        clock_ = options.clock;
    } else {
        owned_clock_ = std::make_unique<MonotonicClock>();
        clock_ = owned_clock_.get();
    }
    owner_thread_ = std::this_thread::get_id();
    set_up_wakeup_fd();
    if (debug_) set_debug(true);
    if (options.step ? *options.step : env_flag("LOOPLAB_STEP")) set_step_mode(true);
}

void EventLoop::set_debug(bool on) {
    debug_ = on;
    if (debug_observer_) observers_.remove(std::exchange(debug_observer_, nullptr));
    if (on && !closed_) {
        std::unique_ptr<LoopObserver> observer = detail::make_debug_observer(*this);
        debug_observer_ = observer.get();
        observers_.add(std::move(observer));
    }
    observers_changed();
}

EventLoop::~EventLoop() {
    if (!closed_) close();
}

// ---- Callbacks from other threads (see threadsafe_inbox.hpp) ----------------------------------

void EventLoop::set_up_wakeup_fd() {
    inbox_ = std::make_shared<detail::ThreadsafeInbox>();
    // The inbox's fd is not a reader handle: phase 3 recognises it and drains it, and phase 4
    // picks up the callbacks.
    selector_->register_fd(inbox_->read_fd(), kRead, nullptr);
}

// The callback travels inside a RunUnlessCancelled, so that the handle returned can cancel it
// from this thread while the loop thread alone touches the callback (handle.hpp). That costs
// one allocation per call (asyncio allocates a Handle per call too); run_in_executor's results
// post to the inbox directly and do not pay it.
ThreadsafeHandle EventLoop::call_soon_threadsafe(Callback fn, SourceLocation where) {
    auto call = std::make_shared<detail::ThreadsafeCall>(std::move(fn));
    Callback posted = detail::RunUnlessCancelled(call);
    if (!inbox_->post(posted, where, detail::current_map())) {
        throw InvalidStateError("call_soon_threadsafe on a closed event loop");
    }
    return ThreadsafeHandle(std::move(call));
}

// ---- Scheduling --------------------------------------------------------------------------

void EventLoop::check_open(const char* what) const {
    if (closed_) throw InvalidStateError(std::string(what) + " on a closed event loop");
}

// Debug mode's wrong-thread check (asyncio: BaseEventLoop._check_thread): the caller must be
// the thread running the loop, or if none, the one that last ran (or created) it.
void EventLoop::check_thread_slow(const char* what) const {
    const std::thread::id running = running_thread_.load();
    const std::thread::id expected = running != std::thread::id{} ? running : owner_thread_.load();
    const std::thread::id me = std::this_thread::get_id();
    if (me == expected) return;
    std::ostringstream text;
    text << what << "() called from thread " << me << ", but the event loop belongs to thread "
         << expected << (running != std::thread::id{} ? " (running it)" : " (ran it last)")
         << "; from other threads, only call_soon_threadsafe may be called";
    throw InvalidStateError(text.str());
}

namespace {

// A copy of the current context for a new handle, or null when no variable is set (the common
// case: one thread_local load and one test, no allocation).
std::shared_ptr<detail::ContextState> capture_context() {
    const detail::ContextMapPtr& map = detail::current_context().map;
    if (!map) [[likely]]
        return nullptr;
    return std::make_shared<detail::ContextState>(detail::ContextState{map});
}

// The same for a state fresh from make_handle_state, whose context is null already: with no
// variable set it writes nothing. Assigning the null that capture_context returns cost a
// shared_ptr move-assignment and the release of the old (null) one: 20 of CallSoonChained's
// 529 instructions per link under callgrind.
void capture_context_into(detail::HandleState& state) {
    const detail::ContextMapPtr& map = detail::current_context().map;
    if (map) [[unlikely]]
        state.context = std::make_shared<detail::ContextState>(detail::ContextState{map});
}

}  // namespace

// The callback goes down by reference to its one move, into the state: passed by value
// through call_soon -> call_soon_without_context -> make_handle_state it was moved three times,
// each an indirect call (callgrind, CallSoonChained: 45 instructions per link).
detail::HandleState& EventLoop::queue_soon(Callback&& fn, SourceLocation where) {
    check_open("call_soon");
    check_thread("call_soon");
    return *ready_.emplace_back(detail::make_handle_state(std::move(fn), where)).state();
}

Handle EventLoop::call_soon_without_context(Callback fn, SourceLocation where) {
    return Handle(detail::RefPtr<detail::HandleState>(&queue_soon(std::move(fn), where)));
}

Handle EventLoop::call_soon(Callback fn, SourceLocation where) {
    detail::HandleState& state = queue_soon(std::move(fn), where);
    capture_context_into(state);
    return Handle(detail::RefPtr<detail::HandleState>(&state));
}

Handle EventLoop::call_soon(Callback fn, Context context, SourceLocation where) {
    detail::HandleState& state = queue_soon(std::move(fn), where);
    state.context = context.state();
    return Handle(detail::RefPtr<detail::HandleState>(&state));
}

TimerHandle EventLoop::call_later(Duration delay, Callback fn, SourceLocation where) {
    check_thread("call_later");
    return call_at(deadline_after(time(), delay), std::move(fn), where);
}

TimerHandle EventLoop::call_later(Duration delay, Callback fn, Context context,
                                  SourceLocation where) {
    check_thread("call_later");
    return call_at(deadline_after(time(), delay), std::move(fn), std::move(context), where);
}

TimerHandle EventLoop::call_at(TimePoint when, Callback fn, SourceLocation where) {
    check_open("call_at");
    check_thread("call_at");
    TimerHandle h(detail::make_handle_state(std::move(fn), where));
    h.state()->when = when;
    h.state()->context = capture_context();
    timers_.push(h);
    return h;
}

TimerHandle EventLoop::call_at(TimePoint when, Callback fn, Context context, SourceLocation where) {
    TimerHandle h = call_at(when, std::move(fn), where);
    h.state()->context = context.state();
    return h;
}

// ---- File descriptors --------------------------------------------------------------------

EventLoop::FdWatch* EventLoop::find_watch(int fd) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= watches_.size()) return nullptr;
    return &watches_[fd];
}

// Tells the selector only when the set of events wanted for fd really changes: replacing a
// reader, or re-adding the same one, costs no syscall (each epoll_ctl is a syscall, and
// transports toggle their writer often).
void EventLoop::update_interest(int fd) {
    FdWatch& w = watches_[fd];
    SelectorEvents wanted = (w.reader ? kRead : 0) | (w.writer ? kWrite : 0);
    if (wanted == w.registered) return;
    if (w.registered == 0) {
        selector_->register_fd(fd, wanted, nullptr);
        ++watched_fds_;
    } else if (wanted == 0) {
        selector_->unregister(fd);
        --watched_fds_;
    } else {
        selector_->modify(fd, wanted, nullptr);
    }
    if (observer_) [[unlikely]]
        observer_->interest_changed(*this, {fd, w.registered, wanted});
    w.registered = wanted;
}

void EventLoop::add_reader(int fd, Callback fn, SourceLocation where) {
    check_open("add_reader");
    check_thread("add_reader");
    if (fd < 0) throw std::invalid_argument("add_reader: invalid fd");
    if (static_cast<std::size_t>(fd) >= watches_.size()) watches_.resize(fd + 1);
    FdWatch& w = watches_[fd];
    if (w.reader) w.reader.cancel();
    w.reader = Handle(detail::make_handle_state(std::move(fn), where));
    w.reader.state()->context = capture_context();
    update_interest(fd);
}

bool EventLoop::remove_reader(int fd) {
    check_thread("remove_reader");
    FdWatch* w = find_watch(fd);
    if (!w || !w->reader) return false;
    w->reader.cancel();
    w->reader = Handle();
    if (!closed_) update_interest(fd);
    return true;
}

void EventLoop::add_writer(int fd, Callback fn, SourceLocation where) {
    check_open("add_writer");
    check_thread("add_writer");
    if (fd < 0) throw std::invalid_argument("add_writer: invalid fd");
    if (static_cast<std::size_t>(fd) >= watches_.size()) watches_.resize(fd + 1);
    FdWatch& w = watches_[fd];
    if (w.writer) w.writer.cancel();
    w.writer = Handle(detail::make_handle_state(std::move(fn), where));
    w.writer.state()->context = capture_context();
    update_interest(fd);
}

bool EventLoop::remove_writer(int fd) {
    check_thread("remove_writer");
    FdWatch* w = find_watch(fd);
    if (!w || !w->writer) return false;
    w->writer.cancel();
    w->writer = Handle();
    if (!closed_) update_interest(fd);
    return true;
}

void EventLoop::set_fd_label(int fd, SelectorEvents which, const Label& label) {
    FdWatch* w = find_watch(fd);
    if (!w) return;
    if (which & kRead) w->reader.set_label(label);
    if (which & kWrite) w->writer.set_label(label);
}

// ---- One iteration -----------------------------------------------------------------------

// By hand, the loop becomes the running loop for one iteration (asyncio's _run_once is private
// and needs no such care; looplab lets tests and teaching code step the loop).
void EventLoop::run_once() {
    if (running_thread_.load() == std::this_thread::get_id()) {
        iterate();  // from inside a callback of this loop: one nested iteration, as before
        return;
    }
    check_can_run("run_once");
    RunningLoopScope scope(this);
    running_thread_ = std::this_thread::get_id();
    owner_thread_ = std::this_thread::get_id();
    struct Reset {
        EventLoop* loop;
        ~Reset() { loop->running_thread_ = std::thread::id{}; }
    } reset{this};
    iterate();
}

// The six phases. While an observer is installed, run_once_observed runs the same phases and
// tells it about each (loop_observer.hpp); the one branch here is all that watching costs
// while nobody watches.
void EventLoop::iterate() {
    ++iterations_;
    if (observer_) [[unlikely]] {
        run_once_observed();
        return;
    }
    const std::optional<Duration> timeout = compute_poll_timeout();  // 1
    poll_for_io(timeout);                                            // 2
    // Phases 3-5 are skipped, call and all, when they have nothing to look at (no event, no
    // post or signal, no timer): a chain of callbacks then pays three tests per link instead
    // of three calls (callgrind, CallSoonChained: 23 + 19 + 4 instructions per link before).
    if (!events_.empty()) queue_io_callbacks();                         // 3
    if (signals_ || inbox_->maybe_pending()) queue_threadsafe_calls();  // 4
    if (timers_.size() != 0) queue_expired_timers();                    // 5
    run_ready_callbacks();                                              // 6
}

// run_once, told to the observers in the order loop_observer.hpp lists. Hooks go through
// observers_ itself (not observer_), which stays valid while observers come and go.
void EventLoop::run_once_observed() {
    const std::int64_t began = monotonic_ns();
    observers_.before_iteration(*this);
    std::optional<Duration> timeout = compute_poll_timeout();  // 1
    observers_.before_poll(*this, timeout);
    timeout = compute_poll_timeout();  // a hook may have scheduled something: decide again
    poll_for_io_observed(timeout);     // 2
    queue_io_callbacks();              // 3
    observers_.after_phase(*this, LoopPhase::io);
    queue_threadsafe_calls();  // 4
    observers_.after_phase(*this, LoopPhase::threadsafe);
    queue_expired_timers();  // 5
    observers_.after_phase(*this, LoopPhase::timers);
    const std::size_t ran = run_ready_callbacks();  // 6 (observes each callback itself)
    observers_.after_iteration(*this, {iterations_, began, monotonic_ns(), ran});
}

// Phase 1. Blocking is only allowed when nothing is ready to run: the selector's timeout is
// zero if the ready queue is not empty (or stop() was called), the time to the nearest live
// timer otherwise, and "forever" when there is no timer at all: then only I/O or another
// thread can wake us, and there is nothing else to do anyway.
std::optional<Duration> EventLoop::compute_poll_timeout() {
    timers_.drop_cancelled_top();
    if (!ready_.empty() || stopping_) return Duration::zero();
    if (inbox_->maybe_pending()) return Duration::zero();
    const std::optional<TimePoint> next = timers_.next_deadline();
    if (!next) return std::nullopt;
    // A virtual clock does not move while we sleep: look at I/O without blocking, and let
    // phase 5 jump the clock if the loop turns out to be idle. While another thread owes us
    // a result, block (for it) instead of jumping; but not when the timer is due already:
    // it needs no jump, and the other thread may well be waiting for what it does.
    if (clock_->is_virtual()) {
        if (external_work_ > 0 && *next > time()) return std::nullopt;
        return Duration::zero();
    }
    const Duration until = time_until(*next, time());
    return until > Duration::zero() ? until : Duration::zero();
}

// Phase 2. The only place the loop thread blocks.
void EventLoop::poll_for_io(std::optional<Duration> timeout) {
    // "Forever" as the longest wait, so the tests below never look at the payload of an empty
    // optional. Written as `!timeout || *timeout > 0`, valgrind (.ci/valgrind.sh) reported a
    // conditional jump on uninitialised memory here in the -O2 build: the optimiser may test
    // the payload before the flag, harmless but indistinguishable from a real bug to memcheck.
    const Duration wait = timeout.value_or(Duration::max());
    // A zero-timeout poll with no fd watched and no wake-up pending can report nothing:
    // skip the system call. That is about half of each iteration when only callbacks are
    // ready (perf: epoll_wait + syscall entry 42% of runtime_bench CallSoonChained).
    if (watched_fds_ == 0 && wait == Duration::zero() && !inbox_->maybe_pending()) {
        events_.clear();
        return;
    }
    // About to block: the moment to give back what a burst of handles left (handle.cpp).
    if (wait > Duration::zero()) detail::release_idle_handle_memory();
    selector_->select(timeout, events_);
}

// Phase 2, timed for the observers: the time blocked in the selector is the loop's idle time
// (libuv: uv_metrics_idle_time), and a slice on a trace.
void EventLoop::poll_for_io_observed(std::optional<Duration> timeout) {
    PollRecord record;
    record.timeout = timeout;
    record.start_ns = monotonic_ns();
    poll_for_io(timeout);
    record.end_ns = monotonic_ns();
    record.events = events_.size();
    observers_.after_poll(*this, record);
}

// Phase 3. A ready fd's handle is queued, not run: every callback runs in phase 6.
void EventLoop::queue_io_callbacks() {
    io_events_ += events_.size();
    for (const SelectorEvent& ev : events_) {
        if (ev.fd == inbox_->read_fd()) {
            inbox_->drain_fd();
            continue;
        }
        FdWatch* w = find_watch(ev.fd);
        if (!w) continue;
        if ((ev.events & kRead) && w->reader && !w->reader.cancelled()) ready_.push_back(w->reader);
        if ((ev.events & kWrite) && w->writer && !w->writer.cancelled())
            ready_.push_back(w->writer);
    }
}

// Phase 4. Takes what other threads queued, with the sites they were posted from.
// threadsafe_inbox.hpp says why no wake-up can be lost between phases 3 and 4. Signals ride
// the same wake-up fd: their callbacks join here too (signal_watch.hpp).
void EventLoop::queue_threadsafe_calls() {
    if (signals_) signals_->queue_raised(ready_);
    if (!inbox_->maybe_pending()) return;
    inbox_->take_all(threadsafe_batch_);
    for (detail::ThreadsafeInbox::Posted& p : threadsafe_batch_) {
        detail::RefPtr<detail::HandleState> state =
            detail::make_handle_state(std::move(p.fn), p.where);
        if (p.context) {
            state->context =
                std::make_shared<detail::ContextState>(detail::ContextState{std::move(p.context)});
        }
        ready_.emplace_back(std::move(state)).set_label(p.label);
    }
    threadsafe_batch_.clear();
}

// Phase 5. With a virtual clock and nothing else to do (no callback ready, no I/O, nothing
// owed by another thread), jump the clock to the nearest deadline first: the program then
// runs exactly as it would in real time, without the waiting.
void EventLoop::queue_expired_timers() {
    // No timers, no need to read the clock (a clock_gettime per iteration: 11% of
    // runtime_bench CallSoonChained under perf).
    if (timers_.size() == 0) return;
    if (clock_->is_virtual() && ready_.empty() && events_.empty() && external_work_ == 0 &&
        !stopping_) {
        timers_.drop_cancelled_top();
        if (auto next = timers_.next_deadline()) clock_->auto_advance_to(*next);
    }
    const TimePoint now = time();
    while (std::optional<Handle> h = timers_.pop_expired(now)) ready_.push_back(std::move(*h));
}

// Phase 6. Exactly the callbacks that were ready when this phase began. Returns how many ran.
// observer_ is read again for each callback: a callback may install or remove an observer.
std::size_t EventLoop::run_ready_callbacks() {
    running_.swap(ready_);
    detail::ContextScope in_scratch(callback_context_);
    if (observer_) [[unlikely]] {
        observers_.before_callbacks(*this, running_);
    }
    std::size_t ran = 0;
    for (Handle& h : running_) {
        if (!h.cancelled()) {
            if (observer_) [[unlikely]] {
                run_handle_observed(h);
            } else {
                run_handle(h);
            }
            ++ran;
        }
        h = Handle();  // release now: a finished callback's captures die before the next one runs
    }
    running_.clear();
    return ran;
}

// An exception escaping a callback is reported and the loop goes on (asyncio: Handle._run).
// The callback runs in its own context if it has one (asyncio: self._context.run(callback)),
// else in the scratch context, which is emptied again if the callback set a variable in it.
void EventLoop::run_handle(const Handle& handle) {
    detail::HandleState& state = *handle.state();
    try {
        if (state.context) [[unlikely]] {
            if (state.context->entered) detail::throw_context_entered();
            detail::ContextScope in_its_context(*state.context);
            state.run();
        } else {
            state.run();
        }
    } catch (...) {
        const auto& w = state.where;
        call_exception_handler({"Exception in callback", std::current_exception(),
                                std::string(w.file_name()) + ":" + std::to_string(w.line())});
    }
    if (callback_context_.map || callback_context_.id != 0) [[unlikely]] {
        callback_context_.map.reset();
        callback_context_.id = 0;
    }
}

// The callback is timed and named after the task it stepped, if it stepped one (TaskBase::step
// sets stepped_task_ through set_current_task). The handle still holds the callback, and so
// the task, until run_ready_callbacks releases it: the pointer is valid in the hooks.
void EventLoop::run_handle_observed(const Handle& handle) {
    stepped_task_ = nullptr;
    observers_.before_callback(*this, handle);
    const std::int64_t start = monotonic_ns();
    run_handle(handle);
    const std::int64_t end = monotonic_ns();
    observers_.callback_ran(*this, {handle, stepped_task_, start, end});
}

// ---- Running -----------------------------------------------------------------------------

void EventLoop::check_can_run(const char* what) const {
    check_open(what);
    if (is_running()) throw InvalidStateError("this event loop is already running");
    if (try_get_running_loop()) {
        throw InvalidStateError("cannot run an event loop while another loop is running");
    }
}

void EventLoop::run_forever() {
    check_can_run("run_forever");
    RunningLoopScope scope(this);
    running_thread_ = std::this_thread::get_id();
    owner_thread_ = std::this_thread::get_id();
    struct Reset {
        EventLoop* loop;
        ~Reset() {
            loop->stopping_ = false;
            loop->running_thread_ = std::thread::id{};
        }
    } reset{this};
    while (true) {
        iterate();
        if (stopping_) break;
    }
}

void EventLoop::stop() {
    check_thread("stop");
    stopping_ = true;
}

void EventLoop::close() {
    if (is_running()) throw InvalidStateError("cannot close a running event loop");
    if (closed_) return;
    // Tasks still pending are abandoned: their coroutine frames are destroyed (running
    // destructors of their locals), which also breaks the reference cycles between a task and
    // the future it awaits. looplab::run cancels and finishes them before getting here.
    tasks_.abandon_all();
    signals_.reset();  // each signal gets its default disposition back (asyncio: the same)
    // Observers the loop made (debug mode's SIGUSR1 watch holds the inbox's fd) go before the
    // inbox closes; observers installed by the program are only forgotten.
    for (const LoopObserver** own : {&debug_observer_, &step_observer_, &trace_observer_}) {
        if (*own) observers_.remove(std::exchange(*own, nullptr));
    }
    observers_changed();
    inbox_->close();
    closed_ = true;
    // Dropping handles can destroy futures whose destructors schedule nothing (closed_ is set).
    ready_.clear();
    timers_.clear();
    for (FdWatch& w : watches_) {
        w.reader = Handle();
        w.writer = Handle();
    }
    watches_.clear();
    watched_fds_ = 0;
    selector_.reset();
    detail::release_idle_handle_memory();
    // inbox_ is kept (closed): call_soon_threadsafe from another thread then throws
    // InvalidStateError instead of racing with this function. Its fd closes with the loop,
    // or when the last late poster (an executor callback) lets go.
    if (default_executor_) default_executor_->shutdown(/*wait=*/false);
}

// ---- Observers ---------------------------------------------------------------------------

void EventLoop::add_observer(LoopObserver* observer) {
    check_thread("add_observer");
    observers_.add(observer);
    observers_changed();
}

void EventLoop::remove_observer(LoopObserver* observer) {
    check_thread("remove_observer");
    observers_.remove(observer);
    observers_changed();
}

void EventLoop::set_step_mode(bool on, std::istream* in, std::ostream* out) {
    check_thread("set_step_mode");
    if (step_observer_) observers_.remove(std::exchange(step_observer_, nullptr));
    if (on) {
        std::unique_ptr<LoopObserver> observer =
            detail::make_step_observer(in ? *in : std::cin, out ? *out : std::cerr);
        step_observer_ = observer.get();
        observers_.add(std::move(observer));
    }
    observers_changed();
}

void EventLoop::set_tracer(Tracer* tracer) {
    if (trace_observer_) observers_.remove(std::exchange(trace_observer_, nullptr));
    tracer_ = tracer;
    if (tracer) {
        std::unique_ptr<LoopObserver> observer = detail::make_trace_observer(*tracer);
        trace_observer_ = observer.get();
        observers_.add(std::move(observer));
    }
    observers_changed();
}

// ---- Errors ------------------------------------------------------------------------------

void EventLoop::call_exception_handler(const ExceptionContext& context) {
    if (exception_handler_) {
        try {
            exception_handler_(*this, context);
            return;
        } catch (...) {
            // A failing handler must not kill the loop either; fall back to the default.
            default_exception_handler(
                {"Unhandled error in exception handler", std::current_exception(), context.source});
        }
    }
    default_exception_handler(context);
}

void EventLoop::default_exception_handler(const ExceptionContext& context) {
    std::string text = "looplab: " + (context.message.empty() ? "Unhandled exception in event loop"
                                                              : context.message);
    if (!context.source.empty()) text += " (" + context.source + ")";
    if (context.exception) text += "\n  exception: " + describe(context.exception);
    std::cerr << text << std::endl;
}

// ---- Tasks -------------------------------------------------------------------------------

std::vector<TaskBase*> EventLoop::all_tasks() const {
    return tasks_.all();
}

}  // namespace looplab
