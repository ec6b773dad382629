// runtime/observe/debug.hpp: debug mode's checks and reports.
//
// asyncio:       loop.set_debug(True) / PYTHONASYNCIODEBUG=1 (slow callbacks, wrong-thread
//                calls, "coroutine ... was never awaited").
// tokio-console: lints for tasks that can never wake, and for tasks that wake themselves.
// Go:            "all goroutines are asleep - deadlock!", the model for the stuck-task lint.
//
// Debug mode is off by default. It is on with loop.set_debug(true), or with LOOPLAB_DEBUG=1 in
// the environment when the loop is made. It has two halves. The wrong-thread checks are the
// loop's own (EventLoop::check_thread: one branch per scheduling call while off). Everything
// else here is a LoopObserver (loop_observer.hpp) that set_debug installs: it watches
// callbacks, polls and task steps through the observer door, and the loop knows nothing of
// it. Every report goes through the loop's exception handler (ExceptionContext with a null
// exception), so the default handler prints it and a test or a demo can capture it.
//
// What debug mode reports (with the message each report starts with):
//
//   slow callbacks   "Executing step of Task 'name' took 153 ms": a task step, or any callback
//                    ("Executing callback ..."), that ran for loop.slow_callback_duration
//                    (100 ms) or more, blocking everything else. Source: where the task was
//                    created, or where the callback was scheduled (file:line).
//   wrong thread     InvalidStateError "call_soon() called from thread 2, but the event
//                    loop belongs to thread 1 ...; only call_soon_threadsafe may be called",
//                    thrown by every loop-thread-only method that schedules or registers
//                    something (call_soon, call_later, call_at, add/remove_reader,
//                    add/remove_writer, create_task, create_future, run_in_executor, stop).
//                    Without debug mode such a call is a data race and is not detected.
//   never awaited    "a Coro was destroyed without ever being awaited": a coroutine object
//                    made and dropped, usually a forgotten co_await. Reported when a loop is
//                    running on the thread that drops it (coro.hpp; task.cpp says it).
//   stuck tasks      "Task 'name' is waiting for Lock.acquire (1st in line), and nothing in
//                    the loop can complete it": the loop is about to block with no deadline while
//                    tasks wait, and it has nothing that could ever run again: no ready callback,
//                    no timer, no watched fd, no executor call out. Only another thread calling
//                    call_soon_threadsafe can still help. Reported once per task and wait.
//   busy loops       "Task 'name' woke itself 1000 times in a row": a task that yielded with
//                    sleep(0) kBusyLoopSelfWakes times in a row with no I/O in between is
//                    polling, burning a core instead of awaiting what it waits for. Once per
//                    task.
//   swallowed        "Task 'name' was cancelled (1 request) but finished normally: it
//   cancellation     swallowed the CancelledError": a task whose cancel() was neither
//                    delivered (the task did not end cancelled) nor taken back with uncancel(),
//                    and which returned a value. The `catch (...)` that ate it is the bug;
//                    CancelledError is outside std::exception (errors.hpp), so no
//                    `catch (const std::exception&)` can. Once per task, when it finishes.
//   task dump        `kill -USR1 <pid>` prints loop.dump_tasks() to stderr (task_dump.hpp):
//                    every live task, its state, where it was made and what it awaits. The
//                    signal handler only counts the signal and writes to each debug loop's
//                    wake-up fd and to its watchdog's fd (all async-signal-safe); the loop
//                    prints on its own thread at its next iteration. A SIGUSR1 handler the
//                    program installed itself is left alone.
//   stuck loop       "looplab watchdog: the loop is stuck: for 203 ms (iteration 12) it has
//                    been inside Task 'fetch' wakes up (sleep 250 ms done); Task 'fetch' was
//                    created at app.cpp:30 in main": the watchdog (watchdog.hpp), a thread of
//                    each debug loop, reports a callback or task step that has run for
//                    LOOPLAB_DEBUG_WATCHDOG (e.g. 200ms) or more, once, while it still runs:
//                    the loop itself cannot, it is stuck. On SIGUSR1 it says at once what the
//                    loop is inside (the dump itself must wait for the loop). Printed to
//                    stderr, not through the exception handler, which belongs to the loop
//                    thread.
//
// And what is reported always, debug mode or not (future.cpp, task.cpp), as asyncio does
// (asyncio too reports these without debug mode; debug mode only adds where they were made):
//   "Task 'name' exception was never retrieved" / "Future exception was never retrieved":
//       a future or task that failed, and whose exception nobody looked at (result(),
//       exception(), co_await) before it was destroyed;
//   "Task was destroyed but it is pending": a task still pending when its loop closed.
//
// What "a task never awaited" means in looplab. A Task need not be awaited: the loop keeps a
// pending task alive, so fire-and-forget tasks run to the end. What matters is an outcome
// nobody sees, so looplab reports exactly asyncio's two cases above: a failure nobody
// retrieved, and a task that never finished. A task that finished with a value that nobody
// read is not reported (asyncio does not either): that is what a fire-and-forget task does,
// and reporting it would bury the real reports in noise.
//
// Why the stuck-task lint looks at the whole loop and not at one future's reference count.
// tokio-console flags a task whose waker count dropped to zero: in Rust, no code can wake a
// task without holding a counted Waker (the borrow checker forbids stashing a `&Waker`). In
// looplab, whoever completes a future may reach it through a pointer or a reference that
// is not counted: `call_soon([&f] { f.set_result(1); }); co_await f;` is correct, yet the
// only counted references to f's state are in the waiting task's own frame. Counts cannot
// tell the frame's references from anyone else's, nor see uncounted ones, so a count check
// both misses stuck tasks and, worse, flags healthy ones. The whole-loop check makes no
// such guess: when the loop has no callback, timer, fd or executor call left, no code will
// run on the loop thread again unless another thread posts, and that is a fact.
#pragma once

#include <cstdint>
#include <optional>

#include "runtime/clock.hpp"
#include "runtime/observe/watchdog.hpp"

namespace looplab::debug {

// How many sleep(0) steps in a row, with no I/O in between, make a task a busy loop. A task
// polling a flag gets there in about a millisecond. A long computation cut into slices with
// sleep(0) gets there too if nothing else happens meanwhile, and that is deliberate: with no
// I/O to let through, yielding gains nothing, and the work belongs in to_thread().
inline constexpr std::uint32_t kBusyLoopSelfWakes = 1000;

// At most this many fds are written to by SIGUSR1 (two per debug loop: its wake-up fd and its
// watchdog's); loops beyond still dump at their next iteration.
inline constexpr int kMaxDumpWatchers = 64;

// How many SIGUSR1 have arrived so far (a debug loop dumps its tasks when this moves).
std::uint64_t dump_signal_count() noexcept;

// The watchdog of the debug loops made (or switched to debug mode) from now on: a callback
// that runs `threshold` or longer is reported while it runs, to `sink` (on the watchdog's
// thread; empty: stderr). nullopt: no threshold, the watchdog answers SIGUSR1 only. Until
// this is called: LOOPLAB_DEBUG_WATCHDOG (unset: none; bad text: a message on stderr, none).
// Any thread.
void set_watchdog(std::optional<Duration> threshold, Watchdog::Sink sink = {});
// Back to what LOOPLAB_DEBUG_WATCHDOG says, with the default sink (stderr).
void reset_watchdog();

}  // namespace looplab::debug

// The observer itself is made by loop.set_debug(true) through detail::make_debug_observer
// (loop_observer.hpp); it has no other public surface.
