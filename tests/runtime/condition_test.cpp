// tests/runtime/condition_test.cpp: Condition.
//
// Every test runs in virtual time; tasks are interleaved with sleep(0) (one step of every
// other ready task), so the orders asserted are exact. Where a bug would leave a task blocked,
// the test gives the tasks a fixed number of iterations and then checks what happened; a
// watchdog turns any other deadlock into a failure instead of a hang.
#include "runtime/sync/condition.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/sync/lock.hpp"
#include "runtime/task.hpp"
#include "support/virtual_time_runner.hpp"

namespace looplab {
namespace {

using testing::run_in_virtual_time;
using testing::yield_to_others;

// Takes the lock, waits for a notification, records `id`; releases on the way out.
Coro<void> wait_and_record(Condition& cond, std::vector<int>& order, int id) {
    LockGuard guard = co_await cond.scoped();
    co_await cond.wait();
    EXPECT_TRUE(cond.locked());
    order.push_back(id);
}

// As wait_and_record, but logs how the wait ended, and whether the lock was held then.
// (No guard here: if wait() wrongly returned without the lock, a guard's release would
// terminate the whole test run instead of failing this test.)
Coro<void> wait_and_log(Condition& cond, std::vector<std::string>& log, std::string name) {
    co_await cond.acquire();
    try {
        co_await cond.wait();
    } catch (const CancelledError&) {
        const bool holding = cond.locked();
        log.push_back(name +
                      (holding ? " cancelled, holding the lock" : " cancelled, without the lock"));
        if (holding) cond.release();
        throw;
    }
    log.push_back(name + " notified");
    cond.release();
}

// Wakes up to n waiters with the lock held, as the contract requires.
Coro<void> notify_holding_the_lock(Condition& cond, std::size_t n) {
    LockGuard guard = co_await cond.scoped();
    cond.notify(n);
}

TEST(Condition, NotifyWithoutTheLockThrowsInvalidStateError) {
    Condition cond;  // no loop needed: nothing waits
    EXPECT_FALSE(cond.locked());
    EXPECT_THROW(cond.notify(), InvalidStateError);
    EXPECT_THROW(cond.notify_all(), InvalidStateError);
}

TEST(Condition, WaitWithoutTheLockThrowsInvalidStateErrorWithoutWaiting) {
    Condition cond;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        const auto before = loop.iteration_count();
        EXPECT_THROW(co_await cond.wait(), InvalidStateError);
        EXPECT_EQ(loop.iteration_count(), before);
        EXPECT_FALSE(cond.locked());
    });
}

TEST(Condition, WaitReleasesTheLockAndHoldsItAgainWhenItReturns) {
    Condition cond;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        auto waiter = get_running_loop().create_task(wait_and_record(cond, order, 1));
        co_await yield_to_others();
        EXPECT_FALSE(cond.locked());  // the waiter let go of it inside wait()
        co_await cond.acquire();      // so we can take it without waiting
        cond.notify();
        co_await yield_to_others(3);
        EXPECT_TRUE(order.empty());  // notified, but it needs the lock back, which we hold
        cond.release();
        co_await waiter;
        EXPECT_EQ(order, std::vector<int>{1});  // it recorded with the lock held (see helper)
        EXPECT_FALSE(cond.locked());
    });
}

TEST(Condition, NotifyNWakesExactlyNWaitersLongestWaitingFirst) {
    Condition cond;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        std::vector<Task<void>> tasks;
        for (int id = 1; id <= 5; ++id) {
            tasks.push_back(get_running_loop().create_task(wait_and_record(cond, order, id)));
            co_await yield_to_others();
        }
        co_await notify_holding_the_lock(cond, 2);
        co_await yield_to_others(5);
        EXPECT_EQ(order, (std::vector<int>{1, 2}));
        co_await notify_holding_the_lock(cond, 1);
        co_await yield_to_others(5);
        EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
        co_await notify_holding_the_lock(cond, 10);  // more than wait: wakes the rest
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4, 5}));
    });
}

TEST(Condition, NotifyAllWakesEveryWaiterInOrder) {
    Condition cond;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        std::vector<Task<void>> tasks;
        for (int id = 1; id <= 3; ++id) {
            tasks.push_back(get_running_loop().create_task(wait_and_record(cond, order, id)));
            co_await yield_to_others();
        }
        {
            LockGuard guard = co_await cond.scoped();
            cond.notify_all();
        }
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
    });
}

TEST(Condition, NotifyWithNoWaitersIsNotRemembered) {
    Condition cond;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await notify_holding_the_lock(cond, 1);  // nobody waits: lost, as in asyncio
        auto waiter = get_running_loop().create_task(wait_and_record(cond, order, 1));
        co_await yield_to_others(3);
        EXPECT_TRUE(order.empty());
        co_await notify_holding_the_lock(cond, 1);
        co_await waiter;
        EXPECT_EQ(order, std::vector<int>{1});
    });
}

struct Counter {
    int value = 0;
    int checks = 0;  // how many times the predicate ran
    bool reached = false;
};

Coro<void> wait_for_at_least(Condition& cond, Counter& counter, int target) {
    LockGuard guard = co_await cond.scoped();
    co_await cond.wait_for([&] {
        ++counter.checks;
        return counter.value >= target;
    });
    EXPECT_TRUE(cond.locked());
    EXPECT_GE(counter.value, target);
    counter.reached = true;
}

TEST(Condition, WaitForReturnsOnlyOnceThePredicateHolds) {
    Condition cond;
    Counter counter;
    run_in_virtual_time([&]() -> Coro<void> {
        auto waiter = get_running_loop().create_task(wait_for_at_least(cond, counter, 3));
        co_await yield_to_others();
        for (int i = 1; i <= 3; ++i) {
            EXPECT_FALSE(counter.reached);
            LockGuard guard = co_await cond.scoped();
            ++counter.value;
            cond.notify_all();
            guard.release();
            co_await yield_to_others(3);
        }
        co_await waiter;
        EXPECT_TRUE(counter.reached);
        EXPECT_EQ(counter.checks, 4);  // once up front, then once per notification
    });
}

TEST(Condition, WaitForDoesNotWaitWhenThePredicateAlreadyHolds) {
    Condition cond;
    Counter counter;
    run_in_virtual_time([&]() -> Coro<void> {
        counter.value = 5;
        EventLoop& loop = get_running_loop();
        co_await cond.acquire();
        const auto before = loop.iteration_count();
        co_await cond.wait_for([&] { return counter.value >= 3; });
        EXPECT_EQ(loop.iteration_count(), before);
        EXPECT_TRUE(cond.locked());
        cond.release();
    });
}

TEST(Condition, ACancelledWaiterHoldsTheLockAgainBeforeItSeesCancelledError) {
    Condition cond;
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        auto waiter = get_running_loop().create_task(wait_and_log(cond, log, "a"));
        co_await yield_to_others();
        waiter.cancel();
        co_await yield_to_others(3);
        EXPECT_EQ(log, std::vector<std::string>{"a cancelled, holding the lock"});
        EXPECT_TRUE(waiter.cancelled());
        EXPECT_FALSE(cond.locked());  // and its guard released it on the way out
    });
}

TEST(Condition, ACancellationWhileReacquiringTheLockWaitsForTheLockFirst) {
    Condition cond;
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        auto waiter = get_running_loop().create_task(wait_and_log(cond, log, "a"));
        co_await yield_to_others();
        co_await cond.acquire();
        cond.notify();
        co_await yield_to_others();  // the waiter is now queued for the lock we hold
        EXPECT_FALSE(waiter.done());
        waiter.cancel();
        co_await yield_to_others(3);
        EXPECT_TRUE(log.empty());  // still waiting for the lock, cancellation or not
        EXPECT_FALSE(waiter.done());
        cond.release();
        co_await yield_to_others(3);
        EXPECT_EQ(log, std::vector<std::string>{"a cancelled, holding the lock"});
        EXPECT_TRUE(waiter.cancelled());
        EXPECT_FALSE(cond.locked());
    });
}

TEST(Condition, AWaiterCancelledAfterBeingNotifiedPassesTheNotificationOn) {
    Condition cond;
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto a = loop.create_task(wait_and_log(cond, log, "a"));
        auto b = loop.create_task(wait_and_log(cond, log, "b"));
        auto c = loop.create_task(wait_and_log(cond, log, "c"));
        co_await yield_to_others();
        co_await cond.acquire();
        cond.notify(1);  // meant for a...
        a.cancel();      // ...which is cancelled before it can act on it
        cond.release();
        co_await yield_to_others(5);
        EXPECT_EQ(log, (std::vector<std::string>{"a cancelled, holding the lock", "b notified"}));
        EXPECT_FALSE(c.done());  // one notify, one waiter woken: c still waits
        co_await notify_holding_the_lock(cond, 1);
        co_await c;
        EXPECT_EQ(log.back(), "c notified");
    });
}

TEST(Condition, CanShareALockThatOthersUseDirectly) {
    Lock lock;
    Condition cond(lock);
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        auto waiter = get_running_loop().create_task(wait_and_record(cond, order, 1));
        co_await yield_to_others();
        EXPECT_FALSE(lock.locked());
        co_await lock.acquire();
        EXPECT_TRUE(cond.locked());  // one lock, seen through both
        cond.notify();
        lock.release();
        co_await waiter;
        EXPECT_EQ(order, std::vector<int>{1});
        EXPECT_FALSE(lock.locked());
    });
}

}  // namespace
}  // namespace looplab
