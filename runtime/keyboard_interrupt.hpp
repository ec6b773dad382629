// runtime/keyboard_interrupt.hpp: Ctrl-C in looplab::run, handled as asyncio 3.11's Runner does.
//
// asyncio: Runner.run's SIGINT handler (runners.py: _on_sigint, _interrupt_count) and what
//          Python does with a KeyboardInterrupt nobody caught.
//
// Without this, Ctrl-C kills a looplab program at once (SIGINT's default action): no task gets
// to clean up, a server drops its connections mid-response, a trace is never written. asyncio
// 3.11 does better, and so does looplab::run:
//
//   first Ctrl-C     the main task is cancelled: CancelledError is thrown at its current
//                    co_await, its cleanup (catch blocks, destructors) runs, run() then cancels
//                    the other tasks and shuts down as usual. A main task that catches the
//                    CancelledError and returns normally makes run() return normally: that is
//                    a graceful shutdown (demos/echo/graceful_shutdown.cpp).
//   second Ctrl-C    kills the process, as the default action does. After the loop has taken
//                    the first one, SIGINT's default disposition is back; and if the loop has
//                    not taken it yet (it is stuck in a callback that never returns), the C
//                    handler itself restores the default and re-raises
//                    (SignalWatch::set_repeat_kills): the one case where a signal handler does
//                    more than set a flag, and still only with async-signal-safe calls.
//
// As in asyncio, this is only done on the main thread (a worker's loop is not what the user
// means by Ctrl-C) and only if SIGINT has its default disposition (a program that installed its
// own SIGINT handler keeps it).
//
// DIFFERENCE: when the main task ends cancelled by the first Ctrl-C (it did not handle it),
// asyncio raises KeyboardInterrupt out of asyncio.run, and Python's top level, finding it
// uncaught, exits the way a process killed by SIGINT does (shells print 130). C++ has no
// exception that a `catch (const std::exception&)` in main would not turn into "error: ...;
// return 1", and an uncaught one ends in std::terminate (abort, 134). So run(), after its whole
// cleanup (tasks finished, executor joined, loop closed: Runner::close), does what Python's top
// level does:
// flushes stdio, restores SIGINT's default and raises it: exit status 130. Destructors of
// main()'s own locals do not run then; put cleanup that must run inside the coroutine.
#pragma once

#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"
#include "runtime/ref_ptr.hpp"

namespace looplab::detail {

class InterruptMainTask {
public:
    // Installs the SIGINT handler on loop (see the header for when). main is run()'s task.
    InterruptMainTask(EventLoop& loop, RefPtr<FutureStateBase> main);
    InterruptMainTask(const InterruptMainTask&) = delete;
    InterruptMainTask& operator=(const InterruptMainTask&) = delete;
    // Removes the handler if Ctrl-C has not come (SIGINT's default action is back): the
    // handler holds `this`, so it must not outlive it (asyncio: Runner.run's finally).
    ~InterruptMainTask();

    // Called by Runner::run when its task has ended: a Ctrl-C cancelled it and it ended
    // cancelled by that alone (uncancel() brings its count to zero).
    [[nodiscard]] bool ended(TaskBase& main);

    // Ctrl-C has arrived (the loop took it).
    [[nodiscard]] bool interrupted() const noexcept { return interrupted_; }

private:
    // Set by the signal callback, which holds `this`: it can only run inside the loop, and the
    // destructor removes it unless it has run (and removed itself).
    EventLoop* loop_ = nullptr;  // null: no handler was installed
    bool interrupted_ = false;
};

// What Python's top level does with a KeyboardInterrupt nobody caught (the DIFFERENCE above):
// flushes stdio and ends the process as SIGINT's default action does (shells print 130).
[[noreturn]] void die_of_sigint();

// The calling thread is the process's main thread (the one main() runs on).
bool is_main_thread() noexcept;

}  // namespace looplab::detail
