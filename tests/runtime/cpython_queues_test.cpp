// tests/runtime/cpython_queues_test.cpp: CPython's Lib/test/test_asyncio/test_queues.py, ported
// behaviour by behaviour: the races around cancelled getters and putters, and 3.13's shutdown.
//
// The shutdown cases run for all three queues, as the suite's mixins do (a typed test).
#include "runtime/sync/queue.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"
#include "runtime/timeout.hpp"
#include "tests/runtime/support/virtual_time_runner.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::run_in_virtual_time;
using testing::yield_to_others;

TEST(CpythonQueues, AGetterCancelledBeforeAnyPutLeavesTheNextPutForTheOtherGetter) {
    Queue<std::string> q;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<std::string> t1 = loop.create_task(q.get());
        Task<std::string> t2 = loop.create_task(q.get());
        co_await yield_to_others();
        t1.cancel();
        co_await yield_to_others();
        EXPECT_TRUE(t1.done());
        co_await q.put("a");
        co_await yield_to_others();
        const std::string got = co_await t2;
        EXPECT_EQ(got, "a");
    });
}

TEST(CpythonQueues, TwoPuttersWaitingOnAFullQueueAreBothServedByTwoGets) {
    Queue<std::string> q(1);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<void> a = loop.create_task(q.put("a"));
        Task<void> b = loop.create_task(q.put("b"));
        const std::string first = co_await q.get();
        const std::string second = co_await q.get();
        EXPECT_EQ(first, "a");
        EXPECT_EQ(second, "b");
        co_await a;
        co_await b;
    });
}

TEST(CpythonQueues, AGetThatTimesOutLeavesNoGetterBehind) {
    Queue<int> q(5);
    run_in_virtual_time([&]() -> Coro<void> {
        EXPECT_THROW(co_await wait_for(q.get(), 100ms), TimeoutError);
        q.put_nowait(1);  // nobody may be woken for it but a real getter
        const int got = q.get_nowait();
        EXPECT_EQ(got, 1);
    });
}

TEST(CpythonQueues, AReaderWokenForAnItemAndThenCancelledDropsNothing) {
    Queue<int> q;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<int> reader = loop.create_task(q.get());
        co_await yield_to_others();
        q.put_nowait(1);
        q.put_nowait(2);
        reader.cancel();
        int result = 0;
        bool cancelled = false;
        try {
            result = co_await reader;
        } catch (const CancelledError&) {
            cancelled = true;  // try again (a coroutine cannot co_await in a handler)
        }
        if (cancelled) {
            Task<int> again = loop.create_task(q.get());
            result = co_await again;
        }
        EXPECT_EQ(result, 1) << "if 2, then 1 was dropped";
    });
}

TEST(CpythonQueues, OfThreeReadersOneCancelledAfterTwoPutsTheOtherTwoGetBothItems) {
    Queue<int> q;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<int> r1 = loop.create_task(q.get());
        Task<int> r2 = loop.create_task(q.get());
        Task<int> r3 = loop.create_task(q.get());
        co_await yield_to_others();
        q.put_nowait(1);
        q.put_nowait(2);
        r1.cancel();
        EXPECT_THROW(co_await r1, CancelledError);
        const int a = co_await r2;
        const int b = co_await r3;
        EXPECT_EQ((std::set<int>{a, b}), (std::set<int>{1, 2}));
    });
}

TEST(CpythonQueues, APutterCancelledAfterAGetMadeRoomLetsANewPutInsertItsItem) {
    Queue<int> q(1);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        q.put_nowait(1);
        Task<void> writer = loop.create_task(q.put(2));
        co_await yield_to_others();
        const int value1 = q.get_nowait();
        EXPECT_EQ(value1, 1);
        writer.cancel();
        bool cancelled = false;
        try {
            co_await writer;
        } catch (const CancelledError&) {
            cancelled = true;
        }
        if (cancelled) {
            Task<void> again = loop.create_task(q.put(2));
            co_await again;
        }
        const int value2 = q.get_nowait();
        EXPECT_EQ(value2, 2);
        EXPECT_EQ(q.qsize(), 0u);
    });
}

TEST(CpythonQueues, OfThreeQueuedPutsTheCancelledOneNeverInsertsAndTheOthersKeepTheirOrder) {
    Queue<std::string> q(1);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<void> put_a = loop.create_task(q.put("a"));
        Task<void> put_b = loop.create_task(q.put("b"));
        Task<void> put_c = loop.create_task(q.put("X"));
        co_await yield_to_others();
        EXPECT_TRUE(put_a.done());
        EXPECT_FALSE(put_b.done());
        put_c.cancel();
        co_await yield_to_others();
        EXPECT_TRUE(put_c.done());
        EXPECT_EQ(q.get_nowait(), "a");
        co_await yield_to_others();
        EXPECT_EQ(q.get_nowait(), "b");
        co_await put_b;
    });
}

TEST(CpythonQueues, ACancelledPutterWhoseSlotWasTakenByGetNowaitStillSeesCancelledError) {
    Queue<int> q(1);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        q.put_nowait(1);
        Task<void> put_task = loop.create_task(q.put(1));
        co_await yield_to_others();
        (void)q.get_nowait();  // wakes (and forgets) the putter
        put_task.cancel();
        EXPECT_THROW(co_await put_task, CancelledError);
    });
}

TEST(CpythonQueues, TaskDoneWithNothingPutIsAnError) {
    Queue<int> q;
    EXPECT_THROW(q.task_done(), InvalidStateError);  // DIFFERENCE (queue.hpp): ValueError
}

// ---- shutdown (3.13), for each kind of queue -------------------------------------------------

template <class Q>
class CpythonQueueShutdown : public ::testing::Test {};

using QueueKinds =
    ::testing::Types<Queue<std::string>, LifoQueue<std::string>, PriorityQueue<std::string>>;
TYPED_TEST_SUITE(CpythonQueueShutdown, QueueKinds);

TYPED_TEST(CpythonQueueShutdown, AnEmptyQueueShutDownWakesItsGetterWithQueueShutDown) {
    TypeParam q;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Task<std::string> get_task = loop.create_task(q.get());
        co_await yield_to_others();  // the getter is waiting before the shutdown
        q.shutdown();
        EXPECT_EQ(q.qsize(), 0u);
        co_await q.join();
        co_await yield_to_others();
        EXPECT_TRUE(get_task.done());
        EXPECT_THROW(co_await get_task, QueueShutDown);
        EXPECT_THROW(co_await q.put("data"), QueueShutDown);
        EXPECT_THROW(q.put_nowait("data"), QueueShutDown);
        EXPECT_THROW(co_await q.get(), QueueShutDown);
        EXPECT_THROW(q.get_nowait(), QueueShutDown);
    });
}

TYPED_TEST(CpythonQueueShutdown, ANonEmptyQueueShutDownStillGivesWhatItHoldsAndJoinWaitsForIt) {
    TypeParam q(1);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        q.put_nowait("data");
        Task<void> join_task = loop.create_task(q.join());
        Task<void> put_task = loop.create_task(q.put("data2"));
        co_await yield_to_others();
        EXPECT_FALSE(put_task.done());

        q.shutdown(false);  // unfinished tasks: 1 -> 1
        EXPECT_EQ(q.qsize(), 1u);
        co_await yield_to_others();
        EXPECT_TRUE(put_task.done());
        EXPECT_THROW(co_await put_task, QueueShutDown);

        const std::string got = co_await q.get();
        EXPECT_EQ(got, "data");
        co_await yield_to_others();
        EXPECT_FALSE(join_task.done());

        EXPECT_THROW(co_await q.put("data"), QueueShutDown);
        EXPECT_THROW(q.put_nowait("data"), QueueShutDown);
        EXPECT_THROW(co_await q.get(), QueueShutDown);
        EXPECT_THROW(q.get_nowait(), QueueShutDown);

        q.task_done();
        co_await yield_to_others();
        EXPECT_TRUE(join_task.done());
        co_await join_task;
        EXPECT_THROW(q.task_done(), InvalidStateError);
    });
}

TYPED_TEST(CpythonQueueShutdown, AnImmediateShutdownDropsTheItemsCountsThemDoneAndReleasesJoin) {
    TypeParam q;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        q.put_nowait("data");
        Task<void> join_task = loop.create_task(q.join());
        q.shutdown(true);  // unfinished tasks: 1 -> 0
        EXPECT_EQ(q.qsize(), 0u);
        co_await yield_to_others();
        EXPECT_TRUE(join_task.done());
        co_await join_task;
        EXPECT_THROW(co_await q.put("data"), QueueShutDown);
        EXPECT_THROW(q.get_nowait(), QueueShutDown);
        EXPECT_THROW(q.task_done(), InvalidStateError);
    });
}

TYPED_TEST(CpythonQueueShutdown, AnImmediateShutdownStillWaitsForItemsAlreadyTaken) {
    TypeParam q;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        q.put_nowait("data");
        q.put_nowait("data");
        Task<void> join_task = loop.create_task(q.join());
        const std::string got = co_await q.get();
        EXPECT_EQ(got, "data");
        q.shutdown(true);  // unfinished tasks: 2 -> 1
        EXPECT_EQ(q.qsize(), 0u);
        co_await yield_to_others();
        EXPECT_FALSE(join_task.done());
        EXPECT_THROW(co_await q.get(), QueueShutDown);
        q.task_done();
        EXPECT_THROW(q.task_done(), InvalidStateError);
        co_await yield_to_others();
        EXPECT_TRUE(join_task.done());
        co_await join_task;
    });
}

}  // namespace
}  // namespace looplab
