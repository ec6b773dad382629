// runtime/observe/debug.cpp: debug mode's checks and reports (see debug.hpp for what and why).
#include "runtime/observe/debug.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <sstream>
#include <string>

#include "runtime/event_loop.hpp"
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

// Set by after_task_step when it reported a slow step, and consumed by report_slow_callback
// for the callback that ran that step: a slow step is reported once, by the task's name,
// not a second time as an anonymous callback. Per thread, as a loop runs on one thread.
thread_local bool step_reported = false;

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

}  // namespace

namespace detail {
void report_never_awaited() noexcept {
    EventLoop* loop = try_get_running_loop();
    if (!loop || !loop->get_debug()) return;
    try {
        const TaskBase* task = loop->current_task();
        loop->call_exception_handler(
            {"a Coro was destroyed without ever being awaited (did you forget co_await?)", nullptr,
             task ? "in " + task_text(*task) : std::string()});
    } catch (...) {
        // Called from a destructor: reporting must not throw.
    }
}
}  // namespace detail

namespace debug {

void check_loop_thread(std::thread::id owner, std::thread::id running, const char* what) {
    const std::thread::id me = std::this_thread::get_id();
    const std::thread::id expected = running != std::thread::id{} ? running : owner;
    if (me == expected) return;
    std::ostringstream text;
    text << what << "() called from thread " << me << ", but the event loop belongs to thread "
         << expected << (running != std::thread::id{} ? " (running it)" : " (ran it last)")
         << "; from other threads, only call_soon_threadsafe may be called";
    throw InvalidStateError(text.str());
}

void report_slow_callback(EventLoop& loop, const Handle& handle, Duration took) {
    if (std::exchange(step_reported, false)) return;
    loop.call_exception_handler(
        {"Executing callback took " + ms_text(took) + " (the loop could do nothing else meanwhile)",
         nullptr, "scheduled at " + where_text(handle.where())});
}

void after_task_step(TaskBase& task, Duration took, bool woke_itself) {
    EventLoop& loop = task.loop();
    TaskRecord& record = task.debug_record();
    ++record.steps;

    // Busy loop: count sleep(0) steps in a row; I/O in between, or a real wait, resets.
    if (!woke_itself || loop.io_event_count() != record.io_events_at_last_step) {
        record.self_wakes_in_a_row = 0;
    }
    record.io_events_at_last_step = loop.io_event_count();
    if (woke_itself && ++record.self_wakes_in_a_row == kBusyLoopSelfWakes &&
        !record.busy_loop_reported) {
        record.busy_loop_reported = true;
        loop.call_exception_handler(
            {task_text(task) + " woke itself " + std::to_string(kBusyLoopSelfWakes) +
                 " times in a row (sleep(0)) with no I/O in between: it is busy-waiting. Await "
                 "what it waits for (a Future, an Event), or move CPU-bound work to to_thread()",
             nullptr, "created at " + where_text(task.created_at())});
    }

    if (took < loop.slow_callback_duration) return;
    step_reported = true;
    loop.call_exception_handler({"Executing step of " + task_text(task) + " took " + ms_text(took) +
                                     " (the loop could do nothing else meanwhile)",
                                 nullptr, "created at " + where_text(task.created_at())});
}

bool report_stuck_tasks(EventLoop& loop) {
    // Anything that could still run on the loop thread without help from another thread?
    // (The selector always holds one fd: the inbox's.)
    if (loop.ready_count() != 0 || loop.timer_count() != 0 || loop.selector().size() > 1 ||
        loop.external_work() != 0) {
        return false;
    }
    bool reported = false;
    for (TaskBase* task : loop.all_tasks()) {
        TaskRecord& record = task->debug_record();
        const detail::FutureStateBase* waited = task->waiting_on();
        if (task->done() || !waited || record.stuck_reported_at_step == record.steps) continue;
        record.stuck_reported_at_step = record.steps;
        reported = true;
        loop.call_exception_handler(
            {task_text(*task) + " is waiting for " + waited->describe_self() +
                 ", and nothing in the loop can complete it: no callback is ready, no timer is "
                 "set, no fd is watched and no executor call is out. Unless another thread "
                 "calls call_soon_threadsafe, it waits forever",
             nullptr, "created at " + where_text(task->created_at())});
    }
    return reported;
}

void watch_dump_signal(const std::shared_ptr<detail::ThreadsafeInbox>& inbox) {
    std::call_once(dump_signal_installed, install_dump_signal);
    const int code = inbox->write_fd() + 1;
    for (std::atomic<int>& slot : dump_wake_fds) {
        if (slot.load() == code) return;
    }
    for (std::atomic<int>& slot : dump_wake_fds) {
        int expected = 0;
        if (slot.compare_exchange_strong(expected, code)) return;
    }
}

void unwatch_dump_signal(const std::shared_ptr<detail::ThreadsafeInbox>& inbox) {
    const int code = inbox->write_fd() + 1;
    for (std::atomic<int>& slot : dump_wake_fds) {
        int expected = code;
        slot.compare_exchange_strong(expected, 0);
    }
}

std::uint64_t dump_signal_count() noexcept {
    return dump_signals.load(std::memory_order_relaxed);
}

}  // namespace debug
}  // namespace looplab
