// runtime/debug.cpp: see debug.hpp.
#include "runtime/debug.hpp"

#include <string>

#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace {

std::string where_text(const SourceLocation& w) {
    return std::string(w.file_name()) + ":" + std::to_string(w.line());
}

std::string ms_text(Duration d) {
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

// Set while a task step runs, so the slow-callback check does not report a slow step twice
// (once as the task, by name, and once as an anonymous callback).
thread_local bool step_reported = false;

}  // namespace

namespace detail {
void report_never_awaited() noexcept {
    EventLoop* loop = try_get_running_loop();
    if (!loop || !loop->get_debug()) return;
    try {
        loop->call_exception_handler(
            {"a Coro was destroyed without ever being awaited (did you forget co_await?)", nullptr,
             loop->current_task() ? loop->current_task()->get_name() : std::string()});
    } catch (...) {
    }
}
}  // namespace detail

namespace debug {

void check_loop_thread(const EventLoop& loop, std::thread::id owner, std::thread::id running,
                       const char* what) {
    (void)loop;
    const auto me = std::this_thread::get_id();
    const auto expected = running != std::thread::id{} ? running : owner;
    if (me != expected) {
        throw InvalidStateError(std::string(what) +
                                " called from a thread that is not the event loop's; only "
                                "call_soon_threadsafe may be called from other threads");
    }
}

void report_slow_callback(EventLoop& loop, const Handle& handle, Duration took) {
    if (std::exchange(step_reported, false)) return;
    loop.call_exception_handler({"Executing callback took " + ms_text(took) +
                                     " (blocking the loop)",
                                 nullptr, "scheduled at " + where_text(handle.where())});
}

void after_task_step(TaskBase& task, Duration took) {
    EventLoop& loop = task.loop();
    if (took < loop.slow_callback_duration) return;
    step_reported = true;
    loop.call_exception_handler({"Executing step of Task '" + task.get_name() + "' took " +
                                     ms_text(took) + " (blocking the loop)",
                                 nullptr, "created at " + where_text(task.created_at())});
}

}  // namespace debug
}  // namespace looplab
