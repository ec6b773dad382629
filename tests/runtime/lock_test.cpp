// tests/runtime/lock_test.cpp: Lock and LockGuard.
//
// Every test runs in virtual time. Tasks are interleaved with sleep(0), which lets every other
// ready task run one step: the orders asserted here are exact, and nothing depends on real
// time. Where a broken lock would leave a task blocked, the test gives the tasks a fixed
// number of iterations and then checks what happened; a watchdog turns any other deadlock
// into a failure instead of a hang.
#include "runtime/sync/lock.hpp"

#include <gtest/gtest.h>

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

TEST(Lock, ReleasingAnUnlockedLockThrowsInvalidStateError) {
    Lock lock;  // no loop needed: nothing has to wait
    EXPECT_FALSE(lock.locked());
    EXPECT_THROW(lock.release(), InvalidStateError);
}

TEST(Lock, AcquiringAFreeLockDoesNotSuspend) {
    Lock lock;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        const auto before = loop.iteration_count();
        co_await lock.acquire();
        EXPECT_TRUE(lock.locked());
        EXPECT_EQ(loop.iteration_count(), before);
        lock.release();
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, CanBeBuiltBeforeTheLoopExists) {
    Lock lock;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await lock.acquire();
        auto waiter = get_running_loop().create_task(take_and_record(lock, order, 1));
        co_await yield_to_others();
        lock.release();
        co_await waiter;
    });
    EXPECT_EQ(order, std::vector<int>{1});
    EXPECT_FALSE(lock.locked());
}

TEST(Lock, WaitersAcquireInTheOrderTheyAsked) {
    Lock lock;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await lock.acquire();
        std::vector<Task<void>> tasks;
        for (int id = 0; id < 5; ++id) {
            tasks.push_back(get_running_loop().create_task(take_and_record(lock, order, id)));
            co_await yield_to_others();  // task `id` is now queued
        }
        lock.release();
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, ReleaseHandsTheLockToTheFirstWaiterSoANewcomerCannotBarge) {
    Lock lock;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await lock.acquire();
        auto waiter = get_running_loop().create_task(take_and_record(lock, order, 1));
        co_await yield_to_others();
        lock.release();
        // The waiter has not run yet, but the lock is already its own.
        EXPECT_TRUE(lock.locked());
        // So this newcomer has to queue behind it even though it asks before the waiter runs.
        co_await lock.acquire();
        order.push_back(2);
        lock.release();
        co_await waiter;
        EXPECT_EQ(order, (std::vector<int>{1, 2}));
    });
}

TEST(Lock, ACancelledWaiterSeesCancelledErrorAndTheNextWaiterGetsTheLock) {
    Lock lock;
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        co_await lock.acquire();
        auto a = loop.create_task(acquire_and_log(lock, log, "a"));
        auto b = loop.create_task(acquire_and_log(lock, log, "b"));
        co_await yield_to_others();
        EXPECT_TRUE(a.cancel());
        co_await yield_to_others();
        EXPECT_EQ(log, std::vector<std::string>{"a cancelled"});
        EXPECT_TRUE(a.cancelled());
        lock.release();  // must skip a's cancelled wait
        co_await yield_to_others(3);
        EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b acquired"}));
        EXPECT_TRUE(b.done());
        EXPECT_FALSE(lock.locked());
        co_await lock.acquire();  // not leaked
        EXPECT_TRUE(lock.locked());
        lock.release();
    });
}

TEST(Lock, AWaiterCancelledRightAfterBeingHandedTheLockPassesItToTheNextWaiter) {
    Lock lock;
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        co_await lock.acquire();
        auto a = loop.create_task(acquire_and_log(lock, log, "a"));
        auto b = loop.create_task(acquire_and_log(lock, log, "b"));
        co_await yield_to_others();
        lock.release();           // hands the lock to a...
        EXPECT_TRUE(a.cancel());  // ...which is cancelled before it could run
        co_await yield_to_others(3);
        EXPECT_EQ(log, (std::vector<std::string>{"a cancelled", "b acquired"}));
        EXPECT_TRUE(a.cancelled());
        EXPECT_TRUE(b.done());
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, AWaiterCancelledRightAfterBeingHandedTheLockUnlocksItWhenNoOneElseWaits) {
    Lock lock;
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await lock.acquire();
        auto a = get_running_loop().create_task(acquire_and_log(lock, log, "a"));
        co_await yield_to_others();
        lock.release();
        a.cancel();
        EXPECT_TRUE(lock.locked());  // handed to a, which has not run yet
        co_await yield_to_others();
        EXPECT_EQ(log, std::vector<std::string>{"a cancelled"});
        EXPECT_FALSE(lock.locked());
        EventLoop& loop = get_running_loop();
        const auto before = loop.iteration_count();
        co_await lock.acquire();  // free again: no wait at all
        EXPECT_EQ(loop.iteration_count(), before);
        lock.release();
    });
}

TEST(Lock, ScopedGuardReleasesWhenItGoesOutOfScope) {
    Lock lock;
    run_in_virtual_time([&]() -> Coro<void> {
        {
            LockGuard guard = co_await lock.scoped();
            EXPECT_TRUE(guard.owns_lock());
            EXPECT_TRUE(lock.locked());
        }
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, AMovedGuardReleasesExactlyOnce) {
    Lock lock;
    run_in_virtual_time([&]() -> Coro<void> {
        {
            LockGuard first = co_await lock.scoped();
            LockGuard second = std::move(first);
            EXPECT_FALSE(first.owns_lock());
            EXPECT_TRUE(second.owns_lock());
            EXPECT_TRUE(lock.locked());
        }  // a double release would throw InvalidStateError from a destructor and terminate
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, GuardReleaseLetsGoEarlyAndOnlyOnce) {
    Lock lock;
    run_in_virtual_time([&]() -> Coro<void> {
        LockGuard guard = co_await lock.scoped();
        guard.release();
        EXPECT_FALSE(lock.locked());
        EXPECT_FALSE(guard.owns_lock());
        guard.release();  // no-op
        co_await lock.acquire();
        EXPECT_TRUE(lock.locked());
        lock.release();
    });
}

Coro<void> throw_while_holding(Lock& lock) {
    LockGuard guard = co_await lock.scoped();
    throw std::runtime_error("boom");
}

TEST(Lock, ScopedGuardReleasesWhenTheBodyThrows) {
    Lock lock;
    run_in_virtual_time([&]() -> Coro<void> {
        EXPECT_THROW(co_await throw_while_holding(lock), std::runtime_error);
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, ScopedGuardOfAWaiterIsHandedTheLockInTurn) {
    Lock lock;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        auto guard = co_await lock.scoped();
        auto waiter = get_running_loop().create_task(take_and_record(lock, order, 1));
        co_await yield_to_others();
        EXPECT_TRUE(order.empty());
        guard = LockGuard();  // assigning over a guard releases what it held
        co_await waiter;
        EXPECT_EQ(order, std::vector<int>{1});
        EXPECT_FALSE(lock.locked());
    });
}

TEST(Lock, CanBeUsedByOneLoopAfterAnother) {
    Lock lock;
    std::vector<int> order;
    for (int id = 1; id <= 2; ++id) {
        run_in_virtual_time([&]() -> Coro<void> {
            co_await lock.acquire();
            auto waiter = get_running_loop().create_task(take_and_record(lock, order, id));
            co_await yield_to_others();
            lock.release();
            co_await waiter;
        });
    }
    EXPECT_EQ(order, (std::vector<int>{1, 2}));
}

// Holds the lock's only waiter slot on the first loop.
Coro<void> hold_and_wait(Lock& lock) {
    co_await lock.acquire();
    co_await lock.acquire();  // waits (forever unless cancelled): a waiter of this loop
}

Coro<void> wait_on(Lock& lock) {
    co_await lock.acquire();
    lock.release();
}

TEST(Lock, WaitingFromASecondLoopWhileTheFirstStillHasAWaiterThrowsInvalidStateError) {
    Lock lock;
    ManualClock clock;
    EventLoopOptions options;
    options.clock = &clock;
    EventLoop first(options);
    auto holder = first.create_task(hold_and_wait(lock));
    first.run_until_complete(yield_to_others());  // the holder takes the lock and queues
    ASSERT_TRUE(lock.locked());
    ASSERT_FALSE(holder.done());
    {
        EventLoop second(options);
        EXPECT_THROW(second.run_until_complete(wait_on(lock)), InvalidStateError);
    }
    holder.cancel();
    EXPECT_THROW(first.run_until_complete(Future<void>(holder)), CancelledError);
}

}  // namespace
}  // namespace looplab
