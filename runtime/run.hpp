// runtime/run.hpp: looplab::run(main()), the program's entry into async code.
//
// asyncio: asyncio.run (runners.py).
//
//     int main() { return looplab::run(async_main()); }
//
// run() is a Runner (runner.hpp) used once: it creates a fresh loop, runs the coroutine to
// completion as a task, and then cleans up the way asyncio.run does: every task still pending
// is cancelled and run until it has finished its cleanup (their failures, other than
// cancellation, go to the exception handler), the default executor is shut down (its threads
// joined), and the loop is closed. It returns the coroutine's result or rethrows its exception.
// On the main thread, Ctrl-C cancels the main task and a second one kills, as asyncio 3.11's
// Runner does (keyboard_interrupt.hpp); a main task that ended by that first Ctrl-C ends the
// process as SIGINT would, after the whole cleanup.
#pragma once

#include <exception>
#include <optional>

#include "runtime/runner.hpp"

namespace looplab {

// InvalidStateError if an event loop is running in this thread (main is then never started).
template <class T>
T run(Coro<T> main, EventLoopOptions options = {}) {
    if (try_get_running_loop()) {
        throw InvalidStateError("looplab::run() cannot be called from a running event loop");
    }
    Runner runner(std::move(options));
    std::optional<detail::ValueOf<T>> result;
    std::exception_ptr error;
    try {
        if constexpr (std::is_void_v<T>) {
            runner.run(std::move(main));
        } else {
            result.emplace(runner.run(std::move(main)));
        }
    } catch (...) {
        error = std::current_exception();
    }
    runner.close();  // outside the try: its own failure must not be mistaken for main's
    if (runner.interrupted()) detail::die_of_sigint();  // Python's top level, KeyboardInterrupt
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace looplab
