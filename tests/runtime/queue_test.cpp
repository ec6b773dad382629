// tests/runtime/queue_test.cpp: Queue, LifoQueue and PriorityQueue.
//
// Every test runs in virtual time; tasks are interleaved with sleep(0) (one step of every
// other ready task), so the orders asserted are exact. Where a bug would leave a task blocked,
// the test gives the tasks a fixed number of iterations and then checks what happened; a
// watchdog turns any other deadlock into a failure instead of a hang.
#include "runtime/sync/queue.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
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

using testing::run_in_virtual_time;
using testing::yield_to_others;

// Gets one item and records it; records -id if cancelled (and rethrows).
Coro<void> get_and_record(Queue<int>& queue, std::vector<int>& got, int id) {
    try {
        got.push_back(co_await queue.get());
    } catch (const CancelledError&) {
        got.push_back(-id);
        throw;
    }
}

// Puts `item`; logs "put <item>" once it is in, or "<item> cancelled".
Coro<void> put_and_log(Queue<int>& queue, std::vector<std::string>& log, int item) {
    try {
        co_await queue.put(item);
    } catch (const CancelledError&) {
        log.push_back(std::to_string(item) + " cancelled");
        throw;
    }
    log.push_back("put " + std::to_string(item));
}

// Gets every item and marks each done only after a virtual millisecond of "work".
Coro<void> consume(Queue<int>& queue, std::vector<int>& done, int count) {
    for (int i = 0; i < count; ++i) {
        int item = co_await queue.get();
        co_await sleep(std::chrono::milliseconds(1));
        done.push_back(item);
        queue.task_done();
    }
}

TEST(Queue, NowaitCallsThrowQueueFullAndQueueEmpty) {
    Queue<int> queue(1);  // no loop needed: nothing waits
    EXPECT_THROW(queue.get_nowait(), QueueEmpty);
    queue.put_nowait(1);
    EXPECT_THROW(queue.put_nowait(2), QueueFull);
    EXPECT_EQ(queue.get_nowait(), 1);
    EXPECT_THROW(queue.get_nowait(), QueueEmpty);
}

TEST(Queue, ItemsComeOutInTheOrderTheyWentIn) {
    Queue<int> queue(3);
    EXPECT_EQ(queue.maxsize(), 3u);
    EXPECT_TRUE(queue.empty());
    EXPECT_FALSE(queue.full());
    for (int i = 1; i <= 3; ++i) queue.put_nowait(i);
    EXPECT_EQ(queue.qsize(), 3u);
    EXPECT_TRUE(queue.full());
    EXPECT_EQ(queue.get_nowait(), 1);
    EXPECT_EQ(queue.get_nowait(), 2);
    EXPECT_EQ(queue.get_nowait(), 3);
    EXPECT_TRUE(queue.empty());
}

TEST(Queue, ZeroMaxsizeMeansUnbounded) {
    Queue<int> queue;
    EXPECT_EQ(queue.maxsize(), 0u);
    for (int i = 0; i < 1000; ++i) queue.put_nowait(i);
    EXPECT_FALSE(queue.full());
    EXPECT_EQ(queue.qsize(), 1000u);
}

TEST(Queue, PutAndGetDoNotSuspendWhenTheyNeedNotWait) {
    Queue<int> queue(2);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        const auto before = loop.iteration_count();
        co_await queue.put(1);
        co_await queue.put(2);
        EXPECT_EQ(co_await queue.get(), 1);
        EXPECT_EQ(co_await queue.get(), 2);
        EXPECT_EQ(loop.iteration_count(), before);
    });
}

TEST(Queue, PutOnAFullQueueWaitsUntilAGetMakesRoom) {
    Queue<int> queue(1);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        queue.put_nowait(1);
        auto putter = get_running_loop().create_task(put_and_log(queue, log, 2));
        co_await yield_to_others(3);
        EXPECT_TRUE(log.empty());
        EXPECT_EQ(queue.qsize(), 1u);
        EXPECT_EQ(queue.get_nowait(), 1);
        co_await putter;
        EXPECT_EQ(log, std::vector<std::string>{"put 2"});
        EXPECT_EQ(queue.get_nowait(), 2);
    });
}

TEST(Queue, GettersAreServedInTheOrderTheyStartedWaiting) {
    Queue<int> queue;
    std::vector<int> got;
    run_in_virtual_time([&]() -> Coro<void> {
        std::vector<Task<void>> tasks;
        for (int id = 1; id <= 3; ++id) {
            tasks.push_back(get_running_loop().create_task(get_and_record(queue, got, id)));
            co_await yield_to_others();
        }
        queue.put_nowait(10);
        co_await yield_to_others(2);
        EXPECT_EQ(got, std::vector<int>{10});
        EXPECT_TRUE(tasks[0].done());  // the first getter, not any other
        EXPECT_FALSE(tasks[1].done());
        queue.put_nowait(20);
        queue.put_nowait(30);
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(got, (std::vector<int>{10, 20, 30}));
    });
}

TEST(Queue, PuttersAreServedInTheOrderTheyStartedWaiting) {
    Queue<int> queue(1);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        queue.put_nowait(0);
        std::vector<Task<void>> tasks;
        for (int item = 1; item <= 3; ++item) {
            tasks.push_back(get_running_loop().create_task(put_and_log(queue, log, item)));
            co_await yield_to_others();
        }
        std::vector<int> items;
        for (int i = 0; i < 4; ++i) {
            items.push_back(co_await queue.get());
            co_await yield_to_others(2);
        }
        for (auto& t : tasks) co_await t;
        EXPECT_EQ(items, (std::vector<int>{0, 1, 2, 3}));
        EXPECT_EQ(log, (std::vector<std::string>{"put 1", "put 2", "put 3"}));
    });
}

TEST(Queue, ACancelledGetterSeesCancelledErrorAndTakesNoItem) {
    Queue<int> queue;
    std::vector<int> got;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto a = loop.create_task(get_and_record(queue, got, 1));
        auto b = loop.create_task(get_and_record(queue, got, 2));
        co_await yield_to_others();
        a.cancel();
        co_await yield_to_others();
        EXPECT_EQ(got, std::vector<int>{-1});
        queue.put_nowait(7);
        co_await yield_to_others(3);
        EXPECT_EQ(got, (std::vector<int>{-1, 7}));
        EXPECT_TRUE(a.cancelled());
        EXPECT_TRUE(b.done());
        EXPECT_TRUE(queue.empty());
    });
}

TEST(Queue, AGetterCancelledRightAfterBeingWokenPassesTheItemToTheNextGetter) {
    Queue<int> queue;
    std::vector<int> got;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto a = loop.create_task(get_and_record(queue, got, 1));
        auto b = loop.create_task(get_and_record(queue, got, 2));
        co_await yield_to_others();
        queue.put_nowait(7);  // wakes a...
        a.cancel();           // ...which is cancelled before it could take the item
        co_await yield_to_others(3);
        EXPECT_EQ(got, (std::vector<int>{-1, 7}));
        EXPECT_TRUE(a.cancelled());
        EXPECT_TRUE(b.done());
        EXPECT_TRUE(queue.empty());
    });
}

TEST(Queue, AGetterCancelledRightAfterBeingWokenLeavesTheItemQueued) {
    Queue<int> queue;
    std::vector<int> got;
    run_in_virtual_time([&]() -> Coro<void> {
        auto a = get_running_loop().create_task(get_and_record(queue, got, 1));
        co_await yield_to_others();
        queue.put_nowait(7);
        a.cancel();
        co_await yield_to_others(2);
        EXPECT_EQ(got, std::vector<int>{-1});
        EXPECT_EQ(queue.qsize(), 1u);
        EXPECT_EQ(co_await queue.get(), 7);
    });
}

TEST(Queue, AWokenGetterWhoseItemWasTakenMeanwhileWaitsAgain) {
    Queue<int> queue;
    std::vector<int> got;
    run_in_virtual_time([&]() -> Coro<void> {
        auto a = get_running_loop().create_task(get_and_record(queue, got, 1));
        co_await yield_to_others();
        queue.put_nowait(7);
        EXPECT_EQ(queue.get_nowait(), 7);  // a newcomer takes it before a runs (asyncio too)
        co_await yield_to_others(3);
        EXPECT_TRUE(got.empty());
        EXPECT_FALSE(a.done());
        queue.put_nowait(8);
        co_await a;
        EXPECT_EQ(got, std::vector<int>{8});
    });
}

TEST(Queue, ACancelledPutterSeesCancelledErrorAndAddsNothing) {
    Queue<int> queue(1);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        queue.put_nowait(0);
        auto a = get_running_loop().create_task(put_and_log(queue, log, 1));
        co_await yield_to_others();
        a.cancel();
        co_await yield_to_others();
        EXPECT_EQ(log, std::vector<std::string>{"1 cancelled"});
        EXPECT_EQ(queue.get_nowait(), 0);
        co_await yield_to_others(3);
        EXPECT_TRUE(queue.empty());  // item 1 never went in
    });
}

TEST(Queue, APutterCancelledRightAfterBeingWokenPassesTheFreeSlotOn) {
    Queue<int> queue(1);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        queue.put_nowait(0);
        auto a = loop.create_task(put_and_log(queue, log, 1));
        auto b = loop.create_task(put_and_log(queue, log, 2));
        co_await yield_to_others();
        EXPECT_EQ(queue.get_nowait(), 0);  // frees the slot and wakes a...
        a.cancel();                        // ...which is cancelled before it could use it
        co_await yield_to_others(3);
        EXPECT_EQ(log, (std::vector<std::string>{"1 cancelled", "put 2"}));
        EXPECT_EQ(queue.get_nowait(), 2);
    });
}

TEST(Queue, JoinWaitsUntilEveryItemIsMarkedDone) {
    Queue<int> queue;
    std::vector<int> done;
    run_in_virtual_time([&]() -> Coro<void> {
        auto consumer = get_running_loop().create_task(consume(queue, done, 3));
        for (int i = 1; i <= 3; ++i) co_await queue.put(i);
        co_await queue.join();
        // Getting the items is not enough: join() returns after the third task_done().
        EXPECT_EQ(done, (std::vector<int>{1, 2, 3}));
        co_await consumer;
    });
}

TEST(Queue, JoinReturnsAtOnceWhenNothingIsUnfinished) {
    Queue<int> queue;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        const auto before = loop.iteration_count();
        co_await queue.join();
        queue.put_nowait(1);
        queue.get_nowait();
        queue.task_done();
        co_await queue.join();
        EXPECT_EQ(loop.iteration_count(), before);
    });
}

TEST(Queue, TaskDoneCalledMoreOftenThanPutThrows) {
    Queue<int> queue;
    EXPECT_THROW(queue.task_done(), std::logic_error);
    queue.put_nowait(1);
    EXPECT_EQ(queue.get_nowait(), 1);
    queue.task_done();
    EXPECT_THROW(queue.task_done(), InvalidStateError);
}

TEST(Queue, MoveOnlyItemsGoThroughPutAndGet) {
    Queue<std::unique_ptr<int>> queue(1);
    run_in_virtual_time([&]() -> Coro<void> {
        co_await queue.put(std::make_unique<int>(42));
        std::unique_ptr<int> item = co_await queue.get();
        EXPECT_EQ(*item, 42);
    });
}

TEST(LifoQueue, PopsTheNewestItemFirst) {
    LifoQueue<int> queue;
    for (int i = 1; i <= 3; ++i) queue.put_nowait(i);
    EXPECT_EQ(queue.get_nowait(), 3);
    EXPECT_EQ(queue.get_nowait(), 2);
    queue.put_nowait(4);
    EXPECT_EQ(queue.get_nowait(), 4);
    EXPECT_EQ(queue.get_nowait(), 1);
}

TEST(PriorityQueue, PopsTheSmallestItemFirst) {
    PriorityQueue<std::pair<int, std::string>> queue;
    queue.put_nowait({3, "low"});
    queue.put_nowait({1, "urgent"});
    queue.put_nowait({2, "normal"});
    queue.put_nowait({1, "also urgent"});
    EXPECT_EQ(queue.get_nowait(), (std::pair<int, std::string>{1, "also urgent"}));
    EXPECT_EQ(queue.get_nowait(), (std::pair<int, std::string>{1, "urgent"}));
    EXPECT_EQ(queue.get_nowait(), (std::pair<int, std::string>{2, "normal"}));
    EXPECT_EQ(queue.get_nowait(), (std::pair<int, std::string>{3, "low"}));
}

TEST(PriorityQueue, ACustomCompareDecidesWhatSmallestMeans) {
    PriorityQueue<int, std::greater<int>> queue;
    for (int i : {5, 1, 9, 3, 7}) queue.put_nowait(i);
    std::vector<int> out;
    while (!queue.empty()) out.push_back(queue.get_nowait());
    EXPECT_EQ(out, (std::vector<int>{9, 7, 5, 3, 1}));
}

TEST(PriorityQueue, AWaitingGetterGetsTheSmallestItemPutMeanwhile) {
    PriorityQueue<int> queue(3);
    run_in_virtual_time([&]() -> Coro<void> {
        auto getter = get_running_loop().create_task(queue.get());
        co_await yield_to_others();
        queue.put_nowait(5);  // wakes the getter, which runs only after the next two puts
        queue.put_nowait(2);
        queue.put_nowait(8);
        EXPECT_EQ(co_await getter, 2);
        EXPECT_EQ(queue.qsize(), 2u);
    });
}

}  // namespace
}  // namespace looplab
