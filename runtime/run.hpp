// runtime/run.hpp: looplab::run(main()), the program's entry into async code.
//
// asyncio: asyncio.run (runners.py).
//
//     int main() { return looplab::run(async_main()); }
//
// run() creates a fresh loop, runs the coroutine to completion as a task, and then cleans up
// the way asyncio.run does: every task still pending is cancelled and run until it has
// finished its cleanup (their failures, other than cancellation, go to the exception
// handler), the default executor is shut down (its threads joined), and the loop is closed.
// It returns the coroutine's result or rethrows its exception. On the main thread, Ctrl-C
// cancels the main task and a second one kills, as asyncio 3.11's Runner does
// (keyboard_interrupt.hpp).
#pragma once

#include <exception>
#include <optional>

#include "runtime/executor/run_in_executor.hpp"
#include "runtime/keyboard_interrupt.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace detail {
// The clean-up half of run(): cancel leftovers, await them, shut the executor down, close.
void finish_run(EventLoop& loop);
}  // namespace detail

template <class T>
T run(Coro<T> main, EventLoopOptions options = {}) {
    EventLoop loop(std::move(options));
    Task<T> task = loop.create_task(std::move(main));
    detail::InterruptMainTask sigint(loop, task.base().ref());  // Ctrl-C cancels the task
    std::optional<detail::ValueOf<T>> result;
    std::exception_ptr error;
    try {
        if constexpr (std::is_void_v<T>) {
            loop.run_until_complete(Future<T>(task));
        } else {
            result.emplace(loop.run_until_complete(Future<T>(task)));
        }
    } catch (...) {
        error = std::current_exception();
    }
    detail::finish_run(loop);
    sigint.exit_if_interrupted(task.base());
    if (error) std::rethrow_exception(error);
    if constexpr (!std::is_void_v<T>) return std::move(*result);
}

}  // namespace looplab
