// tests/exercises/barrier_test.cpp: grading suite for exercise "barrier" (runtime/barrier.*).
//
// asyncio.Barrier's contract, on virtual time: nobody passes until `parties` tasks wait, the
// last arrival releases everyone without suspending, the barrier is cyclic, abort() breaks it
// for waiters and latecomers, and a cancelled waiter leaves the cycle. Tasks are interleaved
// with yield_to_others, so the orders asserted are exact; the watchdog turns a deadlock into a
// failure.
#include "runtime/sync/barrier.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/gather.hpp"
#include "runtime/support/virtual_time_runner.hpp"
#include "runtime/task.hpp"

namespace looplab {
namespace {

using testing::run_in_virtual_time;
using testing::yield_to_others;

// Waits at the barrier and records the arrival index it got.
Coro<void> wait_and_record(Barrier& barrier, std::vector<std::size_t>& indices) {
    const std::size_t index = co_await barrier.wait();
    indices.push_back(index);
}

TEST(ExerciseBarrier, RefusesZeroPartiesAndOnePartyNeverWaits) {
    EXPECT_THROW(Barrier(0), std::invalid_argument);
    Barrier barrier(1);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        const auto before = loop.iteration_count();
        const std::size_t first = co_await barrier.wait();
        const std::size_t second = co_await barrier.wait();
        EXPECT_EQ(first, 0u);
        EXPECT_EQ(second, 0u);
        EXPECT_EQ(loop.iteration_count(), before) << "a barrier of one must not suspend";
    });
}

TEST(ExerciseBarrier, NobodyPassesUntilTheLastPartyArrives) {
    Barrier barrier(3);
    std::vector<std::size_t> indices;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<void> a = loop.create_task(wait_and_record(barrier, indices));
        Task<void> b = loop.create_task(wait_and_record(barrier, indices));
        co_await yield_to_others(3);
        EXPECT_TRUE(indices.empty()) << "two of three arrived: nobody may pass yet";
        EXPECT_EQ(barrier.n_waiting(), 2u);

        // The third arrival releases the cycle and does not suspend itself.
        const auto before = loop.iteration_count();
        const std::size_t mine = co_await barrier.wait();
        EXPECT_EQ(loop.iteration_count(), before);
        EXPECT_EQ(mine, 2u);
        EXPECT_EQ(barrier.n_waiting(), 0u);
        co_await a;
        co_await b;
    });
    std::sort(indices.begin(), indices.end());
    EXPECT_EQ(indices, (std::vector<std::size_t>{0, 1}));
}

TEST(ExerciseBarrier, IsCyclicEachRoundNeedsEveryPartyAgain) {
    Barrier barrier(2);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        auto runner = [&](std::string name) -> Coro<void> {
            for (int round = 0; round < 3; ++round) {
                co_await barrier.wait();
                log.push_back(name + std::to_string(round));
                co_await yield_to_others(name == "slow" ? 3 : 0);
            }
        };
        co_await gather(runner("fast"), runner("slow"));
    });
    // The fast task can never be two rounds ahead: each round waits for the slow one.
    ASSERT_EQ(log.size(), 6u);
    for (int round = 0; round < 3; ++round) {
        std::vector<std::string> pair{log[2 * round], log[2 * round + 1]};
        std::sort(pair.begin(), pair.end());
        EXPECT_EQ(pair, (std::vector<std::string>{"fast" + std::to_string(round),
                                                  "slow" + std::to_string(round)}));
    }
}

TEST(ExerciseBarrier, AbortBreaksTheWaitersAndEveryLaterWait) {
    Barrier barrier(3);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        auto waiter = [&]() -> Coro<void> {
            try {
                co_await barrier.wait();
                log.push_back("passed");
            } catch (const BrokenBarrierError&) {
                log.push_back("broken");
            }
        };
        EventLoop& loop = get_running_loop();
        Task<void> a = loop.create_task(waiter());
        Task<void> b = loop.create_task(waiter());
        co_await yield_to_others(2);
        barrier.abort();
        barrier.abort();  // idempotent
        EXPECT_TRUE(barrier.broken());
        co_await a;
        co_await b;
        EXPECT_THROW(co_await barrier.wait(), BrokenBarrierError);
    });
    EXPECT_EQ(log, (std::vector<std::string>{"broken", "broken"}));
}

TEST(ExerciseBarrier, ACancelledWaiterLeavesTheCycle) {
    Barrier barrier(2);
    std::vector<std::size_t> indices;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<void> quitter = loop.create_task(wait_and_record(barrier, indices));
        co_await yield_to_others(2);
        EXPECT_EQ(barrier.n_waiting(), 1u);
        quitter.cancel();
        EXPECT_THROW(co_await quitter, CancelledError);
        EXPECT_EQ(barrier.n_waiting(), 0u) << "the cancelled task must leave the cycle";

        // So one arrival alone must not pass: it takes two new ones.
        Task<void> a = loop.create_task(wait_and_record(barrier, indices));
        co_await yield_to_others(3);
        EXPECT_TRUE(indices.empty());
        co_await barrier.wait();
        co_await a;
    });
    EXPECT_EQ(indices, (std::vector<std::size_t>{0}));
}

// ---- reset() and the broken state (CPython's test_locks.py, BarrierTests) ----------------------

TEST(ExerciseBarrier, ResetWithTasksWaitingBreaksTheirWaitButNotTheBarrier) {
    Barrier barrier(3);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        auto waiter = [&]() -> Coro<void> {
            try {
                co_await barrier.wait();
                log.push_back("passed");
            } catch (const BrokenBarrierError&) {
                log.push_back("reset");
            }
        };
        EventLoop& loop = get_running_loop();
        Task<void> a = loop.create_task(waiter());
        Task<void> b = loop.create_task(waiter());
        co_await yield_to_others(2);
        EXPECT_EQ(barrier.n_waiting(), 2u);
        barrier.reset();
        EXPECT_EQ(barrier.n_waiting(), 0u);
        EXPECT_FALSE(barrier.broken()) << "reset is not abort";
        co_await a;
        co_await b;
    });
    EXPECT_EQ(log, (std::vector<std::string>{"reset", "reset"}));
}

TEST(ExerciseBarrier, AfterAResetAFullCycleStillPasses) {
    Barrier barrier(2);
    std::vector<std::size_t> indices;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto tolerant = [&]() -> Coro<void> {
            try {
                co_await barrier.wait();
            } catch (const BrokenBarrierError&) {
            }
        };
        Task<void> early = loop.create_task(tolerant());
        co_await yield_to_others(2);
        barrier.reset();
        co_await early;
        Task<void> a = loop.create_task(wait_and_record(barrier, indices));
        co_await yield_to_others(2);
        const std::size_t mine = co_await barrier.wait();
        co_await a;
        indices.push_back(mine);
    });
    std::sort(indices.begin(), indices.end());
    EXPECT_EQ(indices, (std::vector<std::size_t>{0, 1})) << "a new cycle counts from 0";
}

TEST(ExerciseBarrier, ResetMendsAnAbortedBarrier) {
    Barrier barrier(1);
    run_in_virtual_time([&]() -> Coro<void> {
        barrier.abort();
        EXPECT_TRUE(barrier.broken());
        EXPECT_THROW(co_await barrier.wait(), BrokenBarrierError);
        barrier.reset();
        EXPECT_FALSE(barrier.broken());
        const std::size_t index = co_await barrier.wait();
        EXPECT_EQ(index, 0u);
    });
}

TEST(ExerciseBarrier, AWaiterCancelledAfterAResetDoesNotTakeItselfOutOfTheNextCycle) {
    Barrier barrier(2);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<std::size_t> waiter = loop.create_task(barrier.wait());
        co_await yield_to_others(2);
        barrier.reset();  // its wait is over (broken) ...
        waiter.cancel();  // ... and then it is cancelled before it runs
        EXPECT_THROW(co_await waiter, CancelledError);
        Task<std::size_t> next = loop.create_task(barrier.wait());
        co_await yield_to_others(2);
        EXPECT_EQ(barrier.n_waiting(), 1u) << "the new cycle's count was not disturbed";
        (void)co_await barrier.wait();
        (void)co_await next;
    });
}

// DIFFERENCE (barrier.hpp): asyncio blocks an arrival until the tasks the last cycle released
// have all left wait() ("draining"); here the next cycle begins at once, so a released task that
// comes straight back counts in the new cycle even before its partner has run.
TEST(ExerciseBarrier, TheNextCycleBeginsAtOnceWithoutADrainingPhase) {
    Barrier barrier(2);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto partner = [&]() -> Coro<void> {
            co_await barrier.wait();
            log.push_back("partner released");
        };
        Task<void> p = loop.create_task(partner());
        co_await yield_to_others(2);
        co_await barrier.wait();  // the last arrival: returns at once, the partner not yet run
        log.push_back("last arrival released");
        Task<std::size_t> again = loop.create_task(barrier.wait());  // straight back
        co_await yield_to_others(1);
        EXPECT_EQ(barrier.n_waiting(), 1u) << "counted in the new cycle, not blocked";
        co_await p;
        (void)co_await barrier.wait();
        (void)co_await again;
    });
    EXPECT_EQ(log, (std::vector<std::string>{"last arrival released", "partner released"}));
}

}  // namespace
}  // namespace looplab
