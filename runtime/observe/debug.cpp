// runtime/observe/debug.cpp: debug mode's checks and reports (see debug.hpp for what and why).
#include "runtime/observe/debug.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "runtime/event_loop.hpp"
#include "runtime/observe/task_dump.hpp"
#include "runtime/observe/watchdog.hpp"
#include "runtime/observe/words.hpp"
#include "runtime/task.hpp"
#include "runtime/threadsafe_inbox.hpp"

namespace looplab {

namespace {

std::string where_text(const SourceLocation& w) {
    return std::string(w.file_name()) + ":" + std::to_string(w.line());
}

std::string ms_text(Duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

std::string task_text(const TaskBase& task) {
    return "Task '" + task.get_name() + "'";
}

// The SIGUSR1 state. Lock-free atomics only: the handler may touch nothing else.
std::atomic<std::uint64_t> dump_signals{0};
// fd + 1 of each watching loop's wake-up fd; 0 (what a global starts as) is a free slot.
std::atomic<int> dump_wake_fds[debug::kMaxDumpWatchers];
std::once_flag dump_signal_installed;

extern "C" void on_dump_signal(int) {
    const int saved_errno = errno;  // write() below must not change the interrupted code's errno
    dump_signals.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t one = 1;  // an eventfd wants 8 bytes; a pipe takes them too
    for (std::atomic<int>& slot : dump_wake_fds) {
        const int fd = slot.load(std::memory_order_relaxed) - 1;
        if (fd >= 0) {
            [[maybe_unused]] const auto n = ::write(fd, &one, sizeof one);
        }
    }
    errno = saved_errno;
}

void install_dump_signal() {
    struct sigaction current {};
    if (::sigaction(SIGUSR1, nullptr, &current) != 0) return;
    if (current.sa_handler != SIG_DFL) return;  // the program's own handler (or SIG_IGN) stays
    struct sigaction action {};
    action.sa_handler = on_dump_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGUSR1, &action, nullptr);
}

void watch_dump_signal(int fd) {
    std::call_once(dump_signal_installed, install_dump_signal);
    const int code = fd + 1;
    for (std::atomic<int>& slot : dump_wake_fds) {
        if (slot.load() == code) return;
    }
    for (std::atomic<int>& slot : dump_wake_fds) {
        int expected = 0;
        if (slot.compare_exchange_strong(expected, code)) return;
    }
}

void unwatch_dump_signal(int fd) {
    const int code = fd + 1;
    for (std::atomic<int>& slot : dump_wake_fds) {
        int expected = code;
        slot.compare_exchange_strong(expected, 0);
    }
}

// ---- The watchdog's settings (set_watchdog, LOOPLAB_DEBUG_WATCHDOG) --------------------------

struct WatchdogSettings {
    std::optional<Duration> threshold;
    Watchdog::Sink sink;
};

std::mutex watchdog_settings_mutex;

WatchdogSettings from_environment() {
    WatchdogSettings s;
    if (const char* text = std::getenv("LOOPLAB_DEBUG_WATCHDOG")) {
        try {
            s.threshold = debug::parse_watchdog_threshold(text);
        } catch (const std::invalid_argument& e) {
            std::cerr << "looplab: " << e.what() << "; the watchdog answers SIGUSR1 only"
                      << std::endl;
        }
    }
    return s;
}

WatchdogSettings& watchdog_settings() {  // under watchdog_settings_mutex
    static WatchdogSettings settings = from_environment();
    return settings;
}

std::unique_ptr<Watchdog> make_watchdog() {
    std::lock_guard lock(watchdog_settings_mutex);
    const WatchdogSettings& s = watchdog_settings();
    return std::make_unique<Watchdog>(s.threshold, s.sink);
}

// ---- The observer -------------------------------------------------------------------------

// What debug mode remembers about one task while it lives (keyed by the task; loop thread
// only). Created at the task's first step seen, dropped when it is done.
struct TaskRecord {
    std::uint64_t steps = 0;                   // steps seen while debug mode was on
    std::uint32_t self_wakes_in_a_row = 0;     // sleep(0) steps since the last I/O or real wait
    std::uint64_t io_events_at_last_step = 0;  // loop.io_event_count() after the last step
    std::uint64_t stuck_reported_at_step = ~std::uint64_t{0};  // `steps` when reported stuck
    bool busy_loop_reported = false;
};

class DebugObserver final : public LoopObserver {
public:
    explicit DebugObserver(EventLoop& loop) : inbox_(loop.inbox()), watchdog_(make_watchdog()) {
        watch_dump_signal(inbox_->write_fd());
        watch_dump_signal(watchdog_->poke_fd());
        dump_signals_seen_ = dump_signals.load();  // only signals from now on are for us
    }
    ~DebugObserver() override {
        unwatch_dump_signal(watchdog_->poke_fd());  // before the watchdog closes it
        unwatch_dump_signal(inbox_->write_fd());
    }

    // Before an iteration: answer a SIGUSR1 with the task dump.
    void before_iteration(EventLoop& loop) override {
        const std::uint64_t signals = dump_signals.load(std::memory_order_relaxed);
        if (signals == dump_signals_seen_) return;
        dump_signals_seen_ = signals;
        dump_tasks(loop, std::cerr);
    }

    // About to block with no deadline: report the tasks nothing in the loop can wake.
    void before_poll(EventLoop& loop, std::optional<Duration> timeout) override {
        if (!timeout) report_stuck_tasks(loop);
    }

    void before_callback(EventLoop& loop, const Handle& handle) override {
        watchdog_->before_callback(loop, handle);
    }

    // A slow callback blocked everything else. A task's step is named by the task.
    void callback_ran(EventLoop& loop, const CallbackRecord& record) override {
        watchdog_->callback_ran(loop, record);
        const Duration took(record.end_ns - record.start_ns);
        if (took < loop.slow_callback_duration) return;
        const std::string meanwhile = " (the loop could do nothing else meanwhile)";
        if (record.task) {
            loop.call_exception_handler({"Executing step of " + task_text(*record.task) + " took " +
                                             ms_text(took) + meanwhile,
                                         nullptr,
                                         "created at " + where_text(record.task->created_at())});
        } else {
            const Label& label = record.handle.label();
            const std::string words = label ? "(" + observe::ran_text(loop, record) + ") " : "";
            loop.call_exception_handler(
                {"Executing callback " + words + "took " + ms_text(took) + meanwhile, nullptr,
                 "scheduled at " + where_text(record.handle.where())});
        }
    }

    // Busy loops: count sleep(0) steps in a row; I/O in between, or a real wait, resets.
    void task_stepped(TaskBase& task, const StepRecord& step) override {
        watchdog_->task_stepped(task, step);
        EventLoop& loop = task.loop();
        TaskRecord& record = records_[&task];
        ++record.steps;
        const bool woke_itself = step.end == StepEnd::yielded;
        if (!woke_itself || loop.io_event_count() != record.io_events_at_last_step) {
            record.self_wakes_in_a_row = 0;
        }
        record.io_events_at_last_step = loop.io_event_count();
        if (woke_itself && ++record.self_wakes_in_a_row == debug::kBusyLoopSelfWakes &&
            !record.busy_loop_reported) {
            record.busy_loop_reported = true;
            loop.call_exception_handler(
                {task_text(task) + " woke itself " + std::to_string(debug::kBusyLoopSelfWakes) +
                     " times in a row (sleep(0)) with no I/O in between: it is busy-waiting. "
                     "Await what it waits for (a Future, an Event), or move CPU-bound work to "
                     "to_thread()",
                 nullptr, "created at " + where_text(task.created_at())});
        }
    }

    // A task asked to cancel that ended with a value swallowed the CancelledError: a
    // `catch (...)` that did not rethrow (CancelledError is outside std::exception, errors.hpp,
    // so `catch (const std::exception&)` cannot do it). asyncio 3.11+ lets such a task finish,
    // and so does looplab; debug mode says so, once per task.
    void task_done(TaskBase& task) override {
        watchdog_->task_done(task);
        records_.erase(&task);
        const detail::FutureStateBase& future = task.future();
        if (task.cancelling() == 0 || future.cancelled() || future.failed()) return;
        task.loop().call_exception_handler(
            {task_text(task) + " was cancelled (" + std::to_string(task.cancelling()) + " request" +
                 (task.cancelling() == 1 ? "" : "s") +
                 ") but finished normally: it swallowed the CancelledError (a catch (...) that "
                 "did not rethrow). Rethrow it, or call uncancel() if the cancellation was "
                 "really handled",
             nullptr, "created at " + where_text(task.created_at())});
    }

private:
    // Anything that could still run on the loop thread without help from another thread?
    // (The selector always holds one fd: the inbox's.) If not, every waiting task is stuck;
    // each is reported once per wait (a new step makes a new wait).
    void report_stuck_tasks(EventLoop& loop) {
        if (loop.ready_count() != 0 || loop.timer_count() != 0 || loop.selector().size() > 1 ||
            loop.external_work() != 0) {
            return;
        }
        for (TaskBase* task : loop.all_tasks()) {
            TaskRecord& record = records_[task];
            const detail::FutureStateBase* waited = task->waiting_on();
            if (task->done() || !waited || record.stuck_reported_at_step == record.steps) continue;
            record.stuck_reported_at_step = record.steps;
            loop.call_exception_handler(
                {task_text(*task) + " is waiting for " + observe::awaited_text(*waited) +
                     ", and nothing in the loop can complete it: no callback is ready, no timer "
                     "is set, no fd is watched and no executor call is out. Unless another "
                     "thread calls call_soon_threadsafe, it waits forever",
                 nullptr, "created at " + where_text(task->created_at())});
        }
    }

    std::shared_ptr<detail::ThreadsafeInbox> inbox_;
    std::unique_ptr<Watchdog> watchdog_;  // its thread reads only its own Slot (watchdog.hpp)
    std::unordered_map<const TaskBase*, TaskRecord> records_;
    std::uint64_t dump_signals_seen_ = 0;  // SIGUSR1 count already answered
};

}  // namespace

namespace debug {

std::uint64_t dump_signal_count() noexcept {
    return dump_signals.load(std::memory_order_relaxed);
}

void set_watchdog(std::optional<Duration> threshold, Watchdog::Sink sink) {
    std::lock_guard lock(watchdog_settings_mutex);
    watchdog_settings() = {threshold, std::move(sink)};
}

void reset_watchdog() {
    std::lock_guard lock(watchdog_settings_mutex);
    watchdog_settings() = from_environment();
}

}  // namespace debug

namespace detail {

std::unique_ptr<LoopObserver> make_debug_observer(EventLoop& loop) {
    return std::make_unique<DebugObserver>(loop);
}

}  // namespace detail
}  // namespace looplab
