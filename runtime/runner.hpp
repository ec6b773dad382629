// runtime/runner.hpp: Runner, one loop for several top-level coroutines, closed once.
//
// asyncio: asyncio.Runner (runners.py, 3.11), which asyncio.run is built on.
//
//     looplab::Runner runner;
//     runner.run(connect());        // each run() is one run_until_complete on the same loop
//     runner.run(serve());
//     runner.close();               // or let the destructor do it
//
// looplab::run(main()) is a Runner used once (run.hpp). A Runner is for programs (and tests)
// that want to call async code several times from synchronous code without paying for a new
// loop each time, and keep what lives on the loop (open connections, the default executor's
// threads) between the calls.
//
// Every run() runs its coroutine as a task in the Runner's own context: a copy of the context
// current when the Runner was made, shared by all its runs (asyncio does the same), so a
// context variable set by one run is seen by the next. run(coro, context) uses another.
//
// States:  open --run()* --> open --close()--> closed  (close is idempotent; run on a closed
//          Runner throws InvalidStateError "Runner is closed").
//
// close() does what the end of asyncio.run does: cancels every task still pending and runs the
// loop until each has finished its cleanup (their failures, other than cancellation, go to the
// exception handler), shuts the default executor down (joining its threads), and closes the
// loop. The destructor calls close().
//
// Ctrl-C, as asyncio.Runner.run: on the main thread, and while SIGINT has its default action,
// each run() installs a SIGINT handler that cancels its task, and removes it when the run ends
// (keyboard_interrupt.hpp). A run that ended by that cancellation rethrows the CancelledError
// and interrupted() is then true: looplab::run() ends the process as SIGINT would, after close(),
// which is where asyncio raises KeyboardInterrupt.
#pragma once

#include <exception>
#include <optional>
#include <utility>

#include "runtime/context.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/keyboard_interrupt.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace detail {
// The clean-up half of run() and Runner::close(): cancel leftovers, await them, shut the
// executor down, close (asyncio: runners._cancel_all_tasks + shutdown_default_executor).
void finish_run(EventLoop& loop);
}  // namespace detail

class Runner {
public:
    explicit Runner(EventLoopOptions options = {})
        : loop_(std::move(options)), context_(copy_context()) {}
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;
    ~Runner();

    // Runs `coro` to completion as a task on this Runner's loop and returns its result (or
    // rethrows its exception). InvalidStateError if the Runner is closed, or if called while an
    // event loop runs in this thread ("Runner.run() cannot be called from a running event
    // loop"). With a context: the task runs in that one instead of the Runner's.
    template <class T>
    T run(Coro<T> coro) {
        return run(std::move(coro), context_);
    }
    template <class T>
    T run(Coro<T> coro, Context context);

    // Cancels what is left, shuts the default executor down and closes the loop. Idempotent.
    // InvalidStateError from inside the running loop.
    void close();

    // The Runner's loop (asyncio: get_loop()). InvalidStateError once closed.
    EventLoop& get_loop();
    bool is_closed() const noexcept { return closed_; }
    // The last run() ended because Ctrl-C cancelled its task (asyncio: KeyboardInterrupt).
    bool interrupted() const noexcept { return interrupted_; }

private:
    void check_can_run() const;

    EventLoop loop_;
    Context context_;
    bool closed_ = false;
    bool interrupted_ = false;
};

template <class T>
T Runner::run(Coro<T> coro, Context context) {
    check_can_run();
    interrupted_ = false;
    Task<T> task = loop_.create_task(std::move(coro), {}, std::move(context));
    detail::InterruptMainTask sigint(loop_, task.base().ref());  // Ctrl-C cancels the task
    try {
        return loop_.run_until_complete(Future<T>(task));
    } catch (...) {
        interrupted_ = sigint.ended(task.base());
        throw;
    }
}

}  // namespace looplab
