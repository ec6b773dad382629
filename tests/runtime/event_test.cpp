// tests/runtime/event_test.cpp: Event.
//
// Every test runs in virtual time; tasks are interleaved with sleep(0) (one step of every
// other ready task), so the orders asserted are exact. A watchdog turns a deadlock into a
// failure instead of a hang.
#include "runtime/sync/event.hpp"

#include <gtest/gtest.h>

#include <chrono>
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

using testing::run_in_virtual_time;
using testing::yield_to_others;

// Waits for the event and records `id`; records "-id" if cancelled (and rethrows).
Coro<void> wait_and_record(Event& event, std::vector<int>& order, int id) {
    try {
        co_await event.wait();
    } catch (const CancelledError&) {
        order.push_back(-id);
        throw;
    }
    order.push_back(id);
}

TEST(Event, StartsClearAndSetAndClearFlipTheFlag) {
    Event event;  // no loop needed: nothing waits
    EXPECT_FALSE(event.is_set());
    event.set();
    EXPECT_TRUE(event.is_set());
    event.set();  // idempotent
    EXPECT_TRUE(event.is_set());
    event.clear();
    EXPECT_FALSE(event.is_set());
}

TEST(Event, WaitReturnsWithoutSuspendingWhenTheEventIsSet) {
    Event event;
    run_in_virtual_time([&]() -> Coro<void> {
        event.set();
        EventLoop& loop = get_running_loop();
        const auto before = loop.iteration_count();
        co_await event.wait();
        co_await event.wait();
        EXPECT_EQ(loop.iteration_count(), before);
    });
}

TEST(Event, SetWakesEveryWaiterInTheOrderTheyStartedWaiting) {
    Event event;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        std::vector<Task<void>> tasks;
        for (int id = 1; id <= 4; ++id) {
            tasks.push_back(get_running_loop().create_task(wait_and_record(event, order, id)));
            co_await yield_to_others();
        }
        EXPECT_TRUE(order.empty());
        event.set();
        EXPECT_TRUE(order.empty());  // set() wakes, it does not run the waiters inline
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
    });
}

TEST(Event, WaitBlocksAgainAfterClear) {
    Event event;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        event.set();
        event.clear();
        auto waiter = get_running_loop().create_task(wait_and_record(event, order, 1));
        co_await yield_to_others(3);
        EXPECT_TRUE(order.empty());
        EXPECT_FALSE(waiter.done());
        event.set();
        co_await waiter;
        EXPECT_EQ(order, std::vector<int>{1});
    });
}

TEST(Event, AWaiterWokenBySetReturnsEvenIfClearIsCalledBeforeItRuns) {
    Event event;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        auto waiter = get_running_loop().create_task(wait_and_record(event, order, 1));
        co_await yield_to_others();
        event.set();
        event.clear();
        co_await yield_to_others(2);
        EXPECT_EQ(order, std::vector<int>{1});
        EXPECT_TRUE(waiter.done());
    });
}

TEST(Event, ACancelledWaiterSeesCancelledErrorAndTheOthersStillWake) {
    Event event;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto a = loop.create_task(wait_and_record(event, order, 1));
        auto b = loop.create_task(wait_and_record(event, order, 2));
        auto c = loop.create_task(wait_and_record(event, order, 3));
        co_await yield_to_others();
        b.cancel();
        co_await yield_to_others();
        EXPECT_EQ(order, std::vector<int>{-2});
        EXPECT_TRUE(b.cancelled());
        event.set();
        co_await a;
        co_await c;
        EXPECT_EQ(order, (std::vector<int>{-2, 1, 3}));
        // After a cancellation, clear() and new waiters work as before.
        event.clear();
        auto d = loop.create_task(wait_and_record(event, order, 4));
        co_await yield_to_others();
        event.set();
        co_await d;
        EXPECT_EQ(order, (std::vector<int>{-2, 1, 3, 4}));
    });
}

TEST(Event, AWaiterCancelledAfterSetWokeItStillSeesCancelledError) {
    Event event;
    std::vector<int> order;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto a = loop.create_task(wait_and_record(event, order, 1));
        auto b = loop.create_task(wait_and_record(event, order, 2));
        co_await yield_to_others();
        event.set();
        a.cancel();  // its wait is already complete; the cancellation still reaches it
        co_await yield_to_others(2);
        EXPECT_EQ(order, (std::vector<int>{-1, 2}));
        EXPECT_TRUE(a.cancelled());
        EXPECT_TRUE(b.done() && !b.cancelled());
        EXPECT_TRUE(event.is_set());
    });
}

}  // namespace
}  // namespace looplab
