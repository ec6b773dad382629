// tests/runtime/run_test.cpp: looplab::run(), the program's entry into async code.
//
// run() makes a fresh loop, runs main to completion, and cleans up as asyncio.run does:
// leftover tasks are cancelled and run until their cleanup is done, the default executor is
// shut down (its threads joined), and the loop is closed (run.hpp). Each test passes a
// virtual clock, so nothing waits in real time except the executor's own threads.
#include "runtime/run.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

// Options for a run() on the given virtual clock.
EventLoopOptions virtual_time(ManualClock& clock) {
    EventLoopOptions options;
    options.clock = &clock;
    return options;
}

Coro<int> answer() {
    co_await sleep(1s);
    co_return 42;
}

Coro<int> broken() {
    co_await sleep(1s);
    throw std::runtime_error("main failed");
}

TEST(Run, ReturnsWhatMainReturns) {
    ManualClock clock;
    EXPECT_EQ(run(answer(), virtual_time(clock)), 42);
    EXPECT_EQ(clock.now(), TimePoint{} + 1s);
}

TEST(Run, RunsAVoidMain) {
    ManualClock clock;
    bool ran = false;
    auto main_coro = [&]() -> Coro<void> {
        co_await sleep(1s);
        ran = true;
    };
    run(main_coro(), virtual_time(clock));
    EXPECT_TRUE(ran);
}

TEST(Run, RethrowsWhatMainThrows) {
    ManualClock clock;
    EXPECT_THROW(run(broken(), virtual_time(clock)), std::runtime_error);
}

TEST(Run, RethrowsCancelledErrorIfMainIsCancelled) {
    ManualClock clock;
    auto main_coro = []() -> Coro<int> {
        current_task()->cancel();
        co_await sleep(1s);
        co_return 1;
    };
    EXPECT_THROW(run(main_coro(), virtual_time(clock)), CancelledError);
}

TEST(Run, LeavesNoLoopRunningBehind) {
    ManualClock clock;
    EventLoop* inside = nullptr;
    auto main_coro = [&]() -> Coro<void> {
        inside = &get_running_loop();
        co_return;
    };
    run(main_coro(), virtual_time(clock));
    EXPECT_NE(inside, nullptr);
    EXPECT_EQ(try_get_running_loop(), nullptr);
}

TEST(Run, CancelsLeftoverTasksAndLetsTheirCleanupFinish) {
    ManualClock clock;
    std::vector<std::string> log;
    auto leftover = [&](std::string name) -> Coro<void> {
        std::exception_ptr cancelled;
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            cancelled = std::current_exception();
        }
        if (cancelled) {
            log.push_back(name + " cancelled");
            co_await sleep(5s);  // cleanup that itself awaits
            log.push_back(name + " cleaned up");
            std::rethrow_exception(cancelled);
        }
        log.push_back(name + " finished?!");
    };
    auto main_coro = [&]() -> Coro<int> {
        (void)get_running_loop().create_task(leftover("a"));
        (void)get_running_loop().create_task(leftover("b"));
        co_await sleep(1s);
        co_return 3;
    };
    EXPECT_EQ(run(main_coro(), virtual_time(clock)), 3);
    std::sort(log.begin(), log.end());
    EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "a cleaned up", "b cancelled",
                                             "b cleaned up"}));
    EXPECT_EQ(clock.now(), TimePoint{} + 6s);
}

TEST(Run, LeftoverTasksAreCancelledEvenWhenMainFails) {
    ManualClock clock;
    bool cleaned_up = false;
    auto leftover = [&]() -> Coro<void> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            cleaned_up = true;
            throw;
        }
    };
    auto main_coro = [&]() -> Coro<int> {
        (void)get_running_loop().create_task(leftover());
        co_await sleep(1s);
        throw std::runtime_error("main failed");
    };
    EXPECT_THROW(run(main_coro(), virtual_time(clock)), std::runtime_error);
    EXPECT_TRUE(cleaned_up);
}

TEST(Run, AFailureOfALeftoverTaskDuringShutdownGoesToTheExceptionHandler) {
    ManualClock clock;
    std::vector<std::string> reports;
    auto leftover = []() -> Coro<void> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
        }
        throw std::logic_error("failed during cleanup");
    };
    auto main_coro = [&]() -> Coro<void> {
        get_running_loop().set_exception_handler([&](EventLoop&, const ExceptionContext& c) {
            reports.push_back(c.message + ": " + describe(c.exception));
        });
        (void)get_running_loop().create_task(leftover());
        co_return;
    };
    run(main_coro(), virtual_time(clock));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_NE(reports[0].find("failed during cleanup"), std::string::npos) << reports[0];
}

TEST(Run, ShutsDownTheDefaultExecutorAfterItsQueuedWorkHasRun) {
    ManualClock clock;
    std::atomic<int> finished{0};
    auto main_coro = [&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        // Started and not awaited: run() must still wait for the workers to finish them
        // before it returns (shutdown(wait=true) joins the threads).
        for (int i = 0; i < 4; ++i) {
            (void)loop.run_in_executor(nullptr, [&finished] {
                std::this_thread::sleep_for(30ms);
                ++finished;
            });
        }
        co_return;
    };
    run(main_coro(), virtual_time(clock));
    EXPECT_EQ(finished.load(), 4);
}

TEST(Run, ShutdownDefaultExecutorJoinsTheWorkersWithoutBlockingTheLoop) {
    testing::VirtualLoop v;
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> job_done{false};
    bool loop_ran_while_the_job_was_running = false;
    auto body = [&]() -> Coro<void> {
        ThreadPoolExecutor& pool = v.loop.default_executor();
        (void)v.loop.run_in_executor(nullptr, [released, &job_done] {
            released.wait();  // until the loop has run a callback: a blocked loop never would
            job_done = true;
        });
        v.loop.call_soon([&] {
            loop_ran_while_the_job_was_running = !job_done.load();
            release.set_value();
        });
        co_await v.loop.shutdown_default_executor();
        EXPECT_TRUE(job_done.load());
        const ThreadPoolExecutor::Stats stats = pool.stats();
        EXPECT_EQ(stats.submitted, 1u);
        EXPECT_EQ(stats.completed, 1u);
        EXPECT_THROW(v.loop.default_executor(), InvalidStateError);
    };
    v.loop.run_until_complete(body());
    EXPECT_TRUE(loop_ran_while_the_job_was_running);
}

TEST(Run, EachRunHasAFreshLoop) {
    ManualClock first_clock;
    ManualClock second_clock;
    EventLoop* first = nullptr;
    auto main_coro = [&]() -> Coro<int> {
        EventLoop& loop = get_running_loop();
        if (!first) first = &loop;
        EXPECT_TRUE(loop.all_tasks().size() == 1u);  // only main
        co_return 1;
    };
    EXPECT_EQ(run(main_coro(), virtual_time(first_clock)), 1);
    EXPECT_EQ(run(main_coro(), virtual_time(second_clock)), 1);
    EXPECT_NE(first, nullptr);
}

}  // namespace
}  // namespace looplab
