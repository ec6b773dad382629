// tests/runtime/support/virtual_time_runner.hpp: run a test's coroutine on virtual time,
// with a watchdog, for the synchronization primitives' tests.
//
// Tasks are interleaved with sleep(0), which lets every other ready task run one step, so the
// orders the tests assert are exact and nothing depends on real time. A test that deadlocks
// has nothing ready and no I/O, so the virtual clock jumps straight to the watchdog's timer a
// virtual day later: the test fails at once with CancelledError instead of hanging.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace looplab::testing {

// Cancels `body` if it is still running after a virtual day.
inline Coro<void> with_watchdog(Coro<void> body) {
    EventLoop& loop = get_running_loop();
    Task<void> task = loop.create_task(std::move(body));
    TimerHandle watchdog =
        loop.call_later(std::chrono::hours(24), [task]() mutable { task.cancel("deadlock"); });
    try {
        co_await task;
    } catch (...) {
        watchdog.cancel();
        throw;
    }
    watchdog.cancel();
}

// Runs make_main() to completion with looplab::run on a virtual clock.
template <class F>
void run_in_virtual_time(F make_main) {
    ManualClock clock;
    EventLoopOptions options;
    options.clock = &clock;
    run(with_watchdog(make_main()), options);
}

// Lets every other ready task run `iterations` steps.
inline Coro<void> yield_to_others(int iterations = 1) {
    for (int i = 0; i < iterations; ++i) co_await sleep(Duration::zero());
}

// For the primitives with acquire() / release() (Lock, Semaphore): takes it, records `id`,
// holds it across one iteration, releases it.
template <class Primitive>
Coro<void> take_and_record(Primitive& primitive, std::vector<int>& order, int id) {
    co_await primitive.acquire();
    order.push_back(id);
    co_await sleep(Duration::zero());
    primitive.release();
}

// Waits to acquire and logs the outcome ("<name> acquired" / "<name> cancelled"); releases at
// once if it got it.
template <class Primitive>
Coro<void> acquire_and_log(Primitive& primitive, std::vector<std::string>& log, std::string name) {
    try {
        co_await primitive.acquire();
    } catch (const CancelledError&) {
        log.push_back(name + " cancelled");
        throw;
    }
    log.push_back(name + " acquired");
    primitive.release();
}

}  // namespace looplab::testing
