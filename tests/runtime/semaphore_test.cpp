// tests/runtime/semaphore_test.cpp: Semaphore, BoundedSemaphore and SemaphoreGuard.
//
// Every test runs in virtual time; tasks are interleaved with sleep(0) (one step of every
// other ready task), so the orders asserted are exact. Where a bug would leave a task blocked,
// the test gives the tasks a fixed number of iterations and then checks what happened; a
// watchdog turns any other deadlock into a failure instead of a hang.
#include "runtime/sync/semaphore.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/virtual_time_runner.hpp"

namespace looplab {
namespace {

using testing::acquire_and_log;
using testing::run_in_virtual_time;
using testing::take_and_record;
using testing::yield_to_others;

TEST(Semaphore, ANegativeInitialValueIsRejected) {
    EXPECT_THROW(Semaphore(-1), std::invalid_argument);
    EXPECT_THROW(BoundedSemaphore(-1), std::invalid_argument);
    Semaphore zero(0);  // zero is fine: everyone waits for a release
    EXPECT_TRUE(zero.locked());
}

TEST(Semaphore, AcquireTakesFreeUnitsWithoutSuspending) {
    Semaphore sem(2);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        const auto before = loop.iteration_count();
        EXPECT_FALSE(sem.locked());
        co_await sem.acquire();
        EXPECT_EQ(sem.value(), 1);
        EXPECT_FALSE(sem.locked());
        co_await sem.acquire();
        EXPECT_EQ(sem.value(), 0);
        EXPECT_TRUE(sem.locked());
        EXPECT_EQ(loop.iteration_count(), before);
        sem.release();
        sem.release();
        EXPECT_EQ(sem.value(), 2);
    });
}

TEST(Semaphore, WaitersAcquireInTheOrderTheyAsked) {
    Semaphore sem(1);
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await sem.acquire();
        std::vector<Task<void>> tasks;
        for (int id = 0; id < 5; ++id) {
            tasks.push_back(get_running_loop().create_task(take_and_record(sem, order, id)));
            co_await yield_to_others();
        }
        sem.release();
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
        EXPECT_EQ(sem.value(), 1);
    });
}

TEST(Semaphore, ReleaseHandsTheUnitToTheFirstWaiterSoANewcomerCannotBarge) {
    Semaphore sem(1);
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await sem.acquire();
        auto waiter = get_running_loop().create_task(take_and_record(sem, order, 1));
        co_await yield_to_others();
        sem.release();
        EXPECT_EQ(sem.value(), 0);  // the unit went to the waiter, not to the counter
        EXPECT_TRUE(sem.locked());
        co_await sem.acquire();  // so this newcomer queues behind the waiter
        order.push_back(2);
        sem.release();
        co_await waiter;
        EXPECT_EQ(order, (std::vector<int>{1, 2}));
        EXPECT_EQ(sem.value(), 1);
    });
}

TEST(Semaphore, ACancelledWaiterSeesCancelledErrorAndTakesNoUnit) {
    Semaphore sem(1);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        co_await sem.acquire();
        auto a = loop.create_task(acquire_and_log(sem, log, "a"));
        auto b = loop.create_task(acquire_and_log(sem, log, "b"));
        co_await yield_to_others();
        a.cancel();
        co_await yield_to_others();
        EXPECT_EQ(log, std::vector<std::string>{"a cancelled"});
        sem.release();
        co_await yield_to_others(3);
        EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b acquired"}));
        EXPECT_TRUE(a.cancelled());
        EXPECT_EQ(sem.value(), 1);
    });
}

TEST(Semaphore, AWaiterCancelledRightAfterBeingHandedAUnitPassesItToTheNextWaiter) {
    Semaphore sem(1);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        co_await sem.acquire();
        auto a = loop.create_task(acquire_and_log(sem, log, "a"));
        auto b = loop.create_task(acquire_and_log(sem, log, "b"));
        co_await yield_to_others();
        sem.release();  // hands the unit to a...
        a.cancel();     // ...which is cancelled before it could run
        co_await yield_to_others(3);
        EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b acquired"}));
        EXPECT_TRUE(a.cancelled());
        EXPECT_EQ(sem.value(), 1);
    });
}

TEST(Semaphore, AWaiterCancelledRightAfterBeingHandedAUnitGivesItBackWhenNoOneElseWaits) {
    BoundedSemaphore sem(1);  // giving the unit back must not count as an over-release
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await sem.acquire();
        auto a = get_running_loop().create_task(acquire_and_log(sem, log, "a"));
        co_await yield_to_others();
        sem.release();
        a.cancel();
        EXPECT_EQ(sem.value(), 0);
        co_await yield_to_others();
        EXPECT_EQ(log, std::vector<std::string>{"a cancelled"});
        EXPECT_EQ(sem.value(), 1);
        EXPECT_FALSE(sem.locked());
    });
}

// Holds a unit for 10 ms of virtual time, tracking how many tasks hold one at once.
struct Occupancy {
    int now = 0;
    int most = 0;
};
Coro<void> occupy(Semaphore& sem, Occupancy& occupancy) {
    SemaphoreGuard guard = co_await sem.scoped();
    occupancy.most = std::max(occupancy.most, ++occupancy.now);
    co_await sleep(std::chrono::milliseconds(10));
    --occupancy.now;
}

TEST(Semaphore, NeverLetsMoreTasksInThanItsValue) {
    Semaphore sem(3);
    Occupancy occupancy;
    run_in_virtual_time([&]() -> Coro<void> {
        std::vector<Task<void>> tasks;
        for (int i = 0; i < 10; ++i) {
            tasks.push_back(get_running_loop().create_task(occupy(sem, occupancy)));
        }
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(occupancy.most, 3);
        EXPECT_EQ(occupancy.now, 0);
        EXPECT_EQ(sem.value(), 3);
    });
}

TEST(Semaphore, ScopedGuardGivesTheUnitBackOnceEvenWhenMoved) {
    Semaphore sem(1);
    run_in_virtual_time([&]() -> Coro<void> {
        {
            SemaphoreGuard first = co_await sem.scoped();
            EXPECT_TRUE(sem.locked());
            SemaphoreGuard second = std::move(first);
            EXPECT_FALSE(first.owns_unit());
            EXPECT_TRUE(second.owns_unit());
        }
        EXPECT_EQ(sem.value(), 1);  // a double release would have made it 2
    });
}

TEST(Semaphore, APlainSemaphoreMayBeReleasedAboveItsInitialValue) {
    Semaphore sem(1);
    sem.release();
    EXPECT_EQ(sem.value(), 2);
}

TEST(Semaphore, ABoundedSemaphoreReleasedTooManyTimesThrows) {
    BoundedSemaphore sem(2);
    run_in_virtual_time([&]() -> Coro<void> {
        EXPECT_THROW(sem.release(), InvalidStateError);
        EXPECT_THROW(sem.release(), std::logic_error);  // InvalidStateError is a logic_error
        EXPECT_EQ(sem.value(), 2);
        co_await sem.acquire();
        sem.release();  // back to the initial value: fine
        EXPECT_EQ(sem.value(), 2);
        Semaphore& as_base = sem;  // the bound holds through the base class too
        EXPECT_THROW(as_base.release(), InvalidStateError);
    });
}

}  // namespace
}  // namespace looplab
