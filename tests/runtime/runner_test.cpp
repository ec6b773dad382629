// tests/runtime/runner_test.cpp: Runner, several top-level coroutines on one loop (asyncio.Runner).
//
// One loop for every run(), a context shared by the runs (tests/runtime/context_test.cpp checks
// the values), close() cleaning up as looplab::run does, and the refusals: run() on a closed
// Runner, run() from inside a running loop.
#include "runtime/runner.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "runtime/errors.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

EventLoopOptions virtual_time(ManualClock& clock) {
    EventLoopOptions options;
    options.clock = &clock;
    return options;
}

Coro<int> twice(int n) {
    co_await sleep(1ms);
    co_return 2 * n;
}

TEST(Runner, EveryRunUsesTheSameLoopAndReturnsItsCoroutinesResult) {
    ManualClock clock;
    Runner runner(virtual_time(clock));
    EventLoop* first = nullptr;
    EventLoop* second = nullptr;
    auto where = [](EventLoop** out) -> Coro<void> {
        *out = &get_running_loop();
        co_return;
    };
    runner.run(where(&first));
    EXPECT_EQ(runner.run(twice(21)), 42);
    runner.run(where(&second));
    EXPECT_EQ(first, &runner.get_loop());
    EXPECT_EQ(first, second);
    runner.close();
}

TEST(Runner, RunRethrowsTheCoroutinesExceptionAndTheRunnerStaysUsable) {
    ManualClock clock;
    Runner runner(virtual_time(clock));
    auto fail = []() -> Coro<int> {
        co_await sleep(1ms);
        throw std::runtime_error("failed run");
    };
    EXPECT_THROW(runner.run(fail()), std::runtime_error);
    EXPECT_EQ(runner.run(twice(1)), 2);
}

TEST(Runner, ATaskLeftRunningBetweenRunsKeepsRunningInTheNextRun) {
    ManualClock clock;
    Runner runner(virtual_time(clock));
    int ticks = 0;
    auto ticker = [&]() -> Coro<void> {
        for (;;) {
            co_await sleep(1ms);
            ++ticks;
        }
    };
    auto start = [&]() -> Coro<void> {
        get_running_loop().create_task(ticker());
        co_return;
    };
    runner.run(start());
    runner.run([]() -> Coro<void> { co_await sleep(10ms); }());
    EXPECT_GE(ticks, 9);
    runner.close();  // cancels the ticker
    EXPECT_TRUE(runner.is_closed());
}

TEST(Runner, CloseCancelsLeftoverTasksAndLetsTheirCleanupFinish) {
    ManualClock clock;
    Runner runner(virtual_time(clock));
    bool cleaned_up = false;
    auto leftover = [&]() -> Coro<void> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            cleaned_up = true;
            throw;
        }
    };
    auto start = [&]() -> Coro<void> {
        get_running_loop().create_task(leftover());
        co_return;
    };
    runner.run(start());
    runner.close();
    EXPECT_TRUE(cleaned_up);
    runner.close();  // idempotent
}

TEST(Runner, RunOnAClosedRunnerIsRefused) {
    Runner runner;
    runner.close();
    EXPECT_THROW(runner.run(twice(1)), InvalidStateError);
    EXPECT_THROW(runner.get_loop(), InvalidStateError);
}

TEST(Runner, RunFromInsideARunningLoopIsRefused) {
    ManualClock clock;
    Runner outer(virtual_time(clock));
    bool refused = false;
    auto body = [&]() -> Coro<void> {
        Runner inner;
        try {
            inner.run(twice(1));
        } catch (const InvalidStateError& e) {
            refused = std::string(e.what()).find("running event loop") != std::string::npos;
        }
        co_return;
    };
    outer.run(body());
    EXPECT_TRUE(refused);
}

TEST(Runner, LooplabRunFromInsideARunningLoopIsRefusedWithoutStartingMain) {
    ManualClock clock;
    Runner outer(virtual_time(clock));
    bool started = false;
    auto main_coro = [&]() -> Coro<void> {
        started = true;
        co_return;
    };
    auto body = [&]() -> Coro<void> {
        EXPECT_THROW(run(main_coro()), InvalidStateError);
        co_return;
    };
    outer.run(body());
    EXPECT_FALSE(started);
}

}  // namespace
}  // namespace looplab
