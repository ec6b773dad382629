// tests/runtime/run_in_executor_test.cpp: blocking calls in threads, awaited from the loop.
//
// Synchronisation is by latches and atomics, never by sleeping-and-hoping: a call that must
// still be running (or still queued behind a running one) waits on a latch the test opens.
// The only sleeps are inside worker calls, to make a window wider ("the call is slow"); no
// assertion depends on how long anything took.
#include "runtime/executor/run_in_executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/loop_fixture.hpp"

#if defined(__linux__)
#include <pthread.h>
#endif

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::VirtualLoop;

// Blocks until `counter` reaches at least `n`. The side that increments calls notify_all().
void wait_for_at_least(const std::atomic<int>& counter, int n) {
    for (int seen = counter.load(); seen < n; seen = counter.load()) counter.wait(seen);
}

// A call that says it has started, then runs until the test opens `gate`.
struct HoldUntilOpened {
    std::atomic<int>* started;
    std::latch* gate;
    int operator()() const {
        started->fetch_add(1);
        started->notify_all();
        gate->wait();
        return 7;
    }
};

int add(int a, int b) {
    return a + b;
}

Coro<int> await_sum(EventLoop& loop, ThreadPoolExecutor& pool) {
    co_return co_await loop.run_in_executor(&pool, add, 2, 3);
}

TEST(RunInExecutor, TheCallsValueReachesTheAwaitingTask) {
    VirtualLoop v;
    ThreadPoolExecutor pool(2);
    EXPECT_EQ(v.loop.run_until_complete(await_sum(v.loop, pool)), 5);
}

Coro<std::pair<std::thread::id, std::thread::id>> where_things_ran(EventLoop& loop,
                                                                   ThreadPoolExecutor& pool) {
    std::thread::id call_thread =
        co_await loop.run_in_executor(&pool, [] { return std::this_thread::get_id(); });
    co_return std::pair(call_thread, std::this_thread::get_id());
}

TEST(RunInExecutor, TheCallRunsOnAWorkerAndTheTaskResumesOnTheLoopThread) {
    VirtualLoop v;
    ThreadPoolExecutor pool(1);
    auto [call_thread, resumed_on] = v.loop.run_until_complete(where_things_ran(v.loop, pool));
    EXPECT_NE(call_thread, std::this_thread::get_id());
    EXPECT_EQ(resumed_on, std::this_thread::get_id());
}

Coro<std::string> await_failure(EventLoop& loop, ThreadPoolExecutor& pool) {
    try {
        co_await loop.run_in_executor(&pool, []() -> int { throw std::runtime_error("boom"); });
    } catch (const std::runtime_error& e) {
        co_return e.what();
    }
    co_return "no exception";
}

TEST(RunInExecutor, TheCallsExceptionIsRethrownAtTheCoAwait) {
    VirtualLoop v;
    ThreadPoolExecutor pool(1);
    EXPECT_EQ(v.loop.run_until_complete(await_failure(v.loop, pool)), "boom");
    EXPECT_EQ(v.log.size(), 0u);  // retrieved, so not reported
}

Coro<int> await_void_call(EventLoop& loop, ThreadPoolExecutor& pool) {
    int touched = 0;
    co_await loop.run_in_executor(&pool, [&touched] { touched = 1; });
    co_return touched;
}

TEST(RunInExecutor, AVoidCallCompletesAFutureOfVoid) {
    VirtualLoop v;
    ThreadPoolExecutor pool(1);
    EXPECT_EQ(v.loop.run_until_complete(await_void_call(v.loop, pool)), 1);
}

Coro<int> await_move_only(EventLoop& loop, ThreadPoolExecutor& pool) {
    std::unique_ptr<int> p = co_await loop.run_in_executor(
        &pool, [](std::unique_ptr<int> in) { return std::make_unique<int>(*in + 1); },
        std::make_unique<int>(41));
    co_return *p;
}

TEST(RunInExecutor, MoveOnlyArgumentsAndResultsAreMovedNotCopied) {
    VirtualLoop v;
    ThreadPoolExecutor pool(1);
    EXPECT_EQ(v.loop.run_until_complete(await_move_only(v.loop, pool)), 42);
}

// The pool has one worker, held by a first call; a second call waits in the queue. Its loop
// future is cancelled, and the cancellation reaches the queued call before the worker is
// released, so the second call must never run.
Coro<void> cancel_a_queued_call(EventLoop& loop, ThreadPoolExecutor& pool,
                                std::atomic<bool>& second_ran) {
    std::atomic<int> started{0};
    std::latch gate(1);
    Future<int> first = loop.run_in_executor(&pool, HoldUntilOpened{&started, &gate});
    wait_for_at_least(started, 1);  // the only worker is busy now
    Future<void> second = loop.run_in_executor(&pool, [&second_ran] { second_ran = true; });

    EXPECT_TRUE(second.cancel());
    EXPECT_TRUE(second.cancelled());
    // The loop future's done callback cancels the queued call on the next iteration; this
    // task's next step is scheduled after it.
    co_await sleep(Duration::zero());
    gate.count_down();
    EXPECT_EQ(co_await first, 7);
}

TEST(RunInExecutor, CancellingTheFutureBeforeTheCallStartsPreventsTheCall) {
    VirtualLoop v;
    ThreadPoolExecutor pool(1);
    std::atomic<bool> second_ran{false};
    v.loop.run_until_complete(cancel_a_queued_call(v.loop, pool, second_ran));
    pool.shutdown(/*wait=*/true);  // every item has been taken off the queue now
    EXPECT_FALSE(second_ran.load());
    EXPECT_EQ(pool.stats().completed, 1u);
    EXPECT_EQ(pool.stats().cancelled, 1u);
}

Coro<int> await_call(EventLoop& loop, ThreadPoolExecutor& pool, std::atomic<bool>& ran) {
    co_await loop.run_in_executor(&pool, [&ran] { ran = true; });
    co_return 1;
}

Coro<std::string> cancel_a_task_awaiting_a_queued_call(EventLoop& loop, ThreadPoolExecutor& pool,
                                                       std::atomic<bool>& ran) {
    std::atomic<int> started{0};
    std::latch gate(1);
    Future<int> first = loop.run_in_executor(&pool, HoldUntilOpened{&started, &gate});
    wait_for_at_least(started, 1);
    Task<int> waiter = loop.create_task(await_call(loop, pool, ran));
    co_await sleep(Duration::zero());  // the waiter has submitted its call and awaits it
    waiter.cancel();
    co_await sleep(Duration::zero());  // the task's cancel reaches the loop future ...
    co_await sleep(Duration::zero());  // ... and its done callback reaches the queued call
    gate.count_down();
    co_await first;
    try {
        co_await waiter;
    } catch (const CancelledError&) {
        co_return "cancelled";
    }
    co_return "not cancelled";
}

TEST(RunInExecutor, CancellingTheAwaitingTaskBeforeTheCallStartsPreventsTheCall) {
    VirtualLoop v;
    ThreadPoolExecutor pool(1);
    std::atomic<bool> ran{false};
    EXPECT_EQ(v.loop.run_until_complete(cancel_a_task_awaiting_a_queued_call(v.loop, pool, ran)),
              "cancelled");
    pool.shutdown(/*wait=*/true);
    EXPECT_FALSE(ran.load());
    EXPECT_EQ(pool.stats().cancelled, 1u);
}

// A call already running cannot be stopped: it runs to the end and its value is dropped.
Coro<void> cancel_a_running_call(EventLoop& loop, ThreadPoolExecutor& pool) {
    std::atomic<int> started{0};
    std::latch gate(1);
    Future<int> call = loop.run_in_executor(&pool, HoldUntilOpened{&started, &gate});
    wait_for_at_least(started, 1);
    EXPECT_TRUE(call.cancel());
    co_await sleep(Duration::zero());  // the cancel reaches the concurrent future: refused
    gate.count_down();
    // Wait for the worker's result to come back (and be dropped) through the inbox.
    co_await loop.run_in_executor(&pool, [] {});
    EXPECT_TRUE(call.cancelled());
}

TEST(RunInExecutor, ACallAlreadyRunningFinishesAndItsResultIsDropped) {
    VirtualLoop v;
    ThreadPoolExecutor pool(1);
    v.loop.run_until_complete(cancel_a_running_call(v.loop, pool));
    EXPECT_EQ(pool.stats().completed, 2u);
    EXPECT_EQ(pool.stats().cancelled, 0u);
    EXPECT_EQ(v.log.size(), 0u);
}

Coro<void> three_calls_and_a_failure(EventLoop& loop, ThreadPoolExecutor& pool) {
    for (int i = 0; i < 3; ++i) co_await loop.run_in_executor(&pool, add, i, i);
    try {
        co_await loop.run_in_executor(&pool, [] { throw std::runtime_error("x"); });
    } catch (const std::runtime_error&) {
    }
}

TEST(RunInExecutor, TheExecutorsStatsCountTheCalls) {
    VirtualLoop v;
    ThreadPoolExecutor pool(2);
    v.loop.run_until_complete(three_calls_and_a_failure(v.loop, pool));
    // A worker counts a call as completed before its result is published, so by the time
    // the loop has seen every result, the counts are final.
    const ThreadPoolExecutor::Stats s = pool.stats();
    EXPECT_EQ(s.submitted, 4u);
    EXPECT_EQ(s.completed, 4u);
    EXPECT_EQ(s.cancelled, 0u);
    EXPECT_EQ(s.queue_depth, 0u);
    EXPECT_GE(s.threads_started, 1u);
}

Coro<std::string> worker_thread_name(EventLoop& loop) {
    co_return co_await loop.run_in_executor(nullptr, [] {
        char name[16] = "?";
#if defined(__linux__)
        pthread_getname_np(pthread_self(), name, sizeof name);
#endif
        return std::string(name);
    });
}

TEST(RunInExecutor, NullptrMeansTheDefaultExecutorMadeOnFirstUse) {
    VirtualLoop v;
    const std::string name = v.loop.run_until_complete(worker_thread_name(v.loop));
#if defined(__linux__)
    EXPECT_EQ(name, "looplab_0");
#endif
    EXPECT_EQ(v.loop.default_executor().stats().submitted, 1u);
    v.loop.run_until_complete(v.loop.shutdown_default_executor());
}

Coro<int> default_executor_sum(EventLoop& loop) {
    int a = co_await loop.run_in_executor(nullptr, add, 1, 2);
    int b = co_await to_thread(add, 3, 4);
    co_return a + b;
}

TEST(RunInExecutor, SetDefaultExecutorIsWhatNullptrAndToThreadUse) {
    VirtualLoop v;
    auto mine = std::make_unique<ThreadPoolExecutor>(1, "mine");
    ThreadPoolExecutor* pool = mine.get();
    v.loop.set_default_executor(std::move(mine));
    EXPECT_EQ(v.loop.run_until_complete(default_executor_sum(v.loop)), 10);
    EXPECT_EQ(pool->stats().submitted, 2u);
    EXPECT_EQ(pool->stats().completed, 2u);
    v.loop.run_until_complete(v.loop.shutdown_default_executor());
}

Coro<void> slow_calls_then_shutdown(EventLoop& loop, std::atomic<int>& finished) {
    // Not awaited: shutdown must still wait for them (they are queued or running).
    for (int i = 0; i < 3; ++i) {
        (void)loop.run_in_executor(nullptr, [&finished] {
            std::this_thread::sleep_for(10ms);
            finished.fetch_add(1);
        });
    }
    co_await loop.shutdown_default_executor();
    EXPECT_EQ(finished.load(), 3);
    EXPECT_THROW((void)loop.run_in_executor(nullptr, [] {}), InvalidStateError);
    EXPECT_THROW(loop.default_executor(), InvalidStateError);
}

TEST(ShutdownDefaultExecutor, WaitsForEveryCallAndThenRefusesNewOnes) {
    VirtualLoop v;
    std::atomic<int> finished{0};
    v.loop.run_until_complete(slow_calls_then_shutdown(v.loop, finished));
    // Another executor still works.
    ThreadPoolExecutor pool(1);
    EXPECT_EQ(v.loop.run_until_complete(await_sum(v.loop, pool)), 5);
}

TEST(ShutdownDefaultExecutor, DoesNothingWhenNoDefaultExecutorWasMade) {
    VirtualLoop v;
    v.loop.run_until_complete(v.loop.shutdown_default_executor());
    EXPECT_THROW(v.loop.default_executor(), InvalidStateError);
}

Coro<void> start_a_slow_call_and_return(std::atomic<bool>* finished) {
    (void)get_running_loop().run_in_executor(nullptr, [finished] {
        std::this_thread::sleep_for(50ms);
        finished->store(true);
    });
    co_return;
}

TEST(RunInExecutor, LooplabRunShutsTheDefaultExecutorDownBeforeReturning) {
    std::atomic<bool> finished{false};
    looplab::run(start_a_slow_call_and_return(&finished));
    // run() joined the default executor's threads, so the call has finished.
    EXPECT_TRUE(finished.load());
}

// While a call is out, a virtual clock must not jump to the next timer: the call's result
// (real work in a real thread) comes first, at the same virtual time it was started.
Coro<Duration> virtual_time_spent_on_a_call(EventLoop& loop, ThreadPoolExecutor& pool) {
    const TimePoint start = loop.time();
    co_await loop.run_in_executor(&pool, [] { std::this_thread::sleep_for(20ms); });
    co_return loop.time() - start;
}

Coro<void> sleep_an_hour() {
    co_await sleep(1h);
}

TEST(RunInExecutor, AVirtualClockDoesNotJumpAheadWhileACallIsOut) {
    VirtualLoop v;
    ThreadPoolExecutor pool(1);
    Task<void> sleeper = v.loop.create_task(sleep_an_hour());  // a timer to jump to
    EXPECT_EQ(v.loop.run_until_complete(virtual_time_spent_on_a_call(v.loop, pool)),
              Duration::zero());
    // With the call back, the loop is idle again and the clock jumps for the sleeper.
    v.loop.run_until_complete(Future<void>(sleeper));
    EXPECT_EQ(v.elapsed(), Duration(1h));
}

TEST(RunInExecutor, ThrowsInvalidStateErrorOnAClosedLoop) {
    ThreadPoolExecutor pool(1);
    EventLoop loop;
    loop.close();
    EXPECT_THROW((void)loop.run_in_executor(&pool, [] {}), InvalidStateError);
    EXPECT_THROW((void)loop.run_in_executor(nullptr, [] {}), InvalidStateError);
    EXPECT_EQ(pool.stats().submitted, 0u);
}

TEST(RunInExecutor, AResultArrivingAfterTheLoopClosedIsDroppedWithoutTouchingTheLoop) {
    ThreadPoolExecutor pool(1);
    std::atomic<int> started{0};
    std::latch gate(1);
    {
        EventLoop loop;
        {
            Future<int> f = loop.run_in_executor(&pool, HoldUntilOpened{&started, &gate});
            wait_for_at_least(started, 1);
        }
        loop.close();
    }
    // The loop is gone; the worker now finishes and its post is refused.
    gate.count_down();
    pool.shutdown(/*wait=*/true);
    EXPECT_EQ(pool.stats().completed, 1u);
}

}  // namespace
}  // namespace looplab
