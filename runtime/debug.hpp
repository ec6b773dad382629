// runtime/debug.hpp: debug mode's checks and reports.
//
// asyncio: loop.set_debug(True) / PYTHONASYNCIODEBUG=1 (slow callbacks, wrong-thread calls,
//          "coroutine ... was never awaited").
// tokio-console: lints for tasks that can never wake, or wake themselves in a busy loop.
//
// Debug mode is off by default and costs one branch per callback then. On
// (loop.set_debug(true) or LOOPLAB_DEBUG=1), the loop times every callback and task step and
// reports the slow ones by name and creation site, checks that the loop's methods are called
// from its own thread, and lints suspicious task behaviour. Reports go through the loop's
// exception handler, so a test or a demo can capture them.
#pragma once

#include <chrono>
#include <thread>

#include "runtime/clock.hpp"

namespace looplab {

class EventLoop;
class Handle;
class TaskBase;

namespace debug {

// Throws InvalidStateError naming `what` if the caller is not the loop's thread.
void check_loop_thread(const EventLoop& loop, std::thread::id owner, std::thread::id running,
                       const char* what);
// A callback that ran longer than loop.slow_callback_duration.
void report_slow_callback(EventLoop& loop, const Handle& handle, Duration took);
// After each task step in debug mode: slow steps, and tasks that wake themselves in a loop.
void after_task_step(TaskBase& task, Duration took);

}  // namespace debug
}  // namespace looplab
