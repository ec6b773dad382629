// tests/runtime/thread_pool_executor_test.cpp: ThreadPoolExecutor, without any event loop.
//
// Synchronisation in these tests is by latches and atomics, never by sleeping: a call that
// must stay "running" waits on a latch the test opens, and the test waits for calls to start
// by waiting on an atomic counter. Nothing asserts on elapsed time.
#include "runtime/executor/thread_pool_executor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "runtime/errors.hpp"

#if defined(__linux__)
#include <pthread.h>
#endif

namespace looplab {
namespace {

using namespace std::chrono_literals;

// Blocks until `counter` reaches at least `n`. The side that increments calls notify_all().
void wait_for_at_least(const std::atomic<int>& counter, int n) {
    for (int seen = counter.load(); seen < n; seen = counter.load()) counter.wait(seen);
}

// A call that reports it has started, then stays running until the test opens `gate`.
struct BlockingCall {
    std::atomic<int>* started;
    std::latch* gate;
    int operator()() const {
        started->fetch_add(1);
        started->notify_all();
        gate->wait();
        return 1;
    }
};

TEST(ThreadPoolExecutor, MaxWorkersDefaultsToPythonsFormula) {
    ThreadPoolExecutor pool;
    const unsigned cpus = std::thread::hardware_concurrency();
    EXPECT_EQ(pool.max_workers(), std::min<std::size_t>(32, (cpus == 0 ? 1 : cpus) + 4));
    EXPECT_EQ(ThreadPoolExecutor(3).max_workers(), 3u);
}

TEST(ThreadPoolExecutor, ZeroMaxWorkersIsRejected) {
    EXPECT_THROW(ThreadPoolExecutor(0), std::invalid_argument);
}

TEST(ThreadPoolExecutor, NoThreadStartsBeforeTheFirstSubmit) {
    ThreadPoolExecutor pool(4);
    EXPECT_EQ(pool.stats().threads_started, 0u);
}

TEST(ThreadPoolExecutor, EachSubmitThatFindsNoIdleWorkerStartsOneMoreThread) {
    ThreadPoolExecutor pool(4);
    std::atomic<int> started{0};
    std::latch gate(1);
    std::vector<ConcurrentFuture<int>> futures;
    for (int i = 1; i <= 3; ++i) {
        futures.push_back(pool.submit(BlockingCall{&started, &gate}));
        wait_for_at_least(started, i);  // every existing worker is now busy
        EXPECT_EQ(pool.stats().threads_started, static_cast<std::size_t>(i));
    }
    gate.count_down();
    for (auto& f : futures) EXPECT_EQ(f.result(), 1);
    EXPECT_EQ(pool.stats().threads_started, 3u);  // below max_workers: only what was needed
}

TEST(ThreadPoolExecutor, ConcurrentCallsNeverExceedMaxWorkers) {
    constexpr int kMax = 3;
    constexpr int kItems = 12;
    ThreadPoolExecutor pool(kMax);
    std::atomic<int> started{0};
    std::atomic<int> running{0};
    std::atomic<int> peak{0};
    std::latch gate(1);
    std::vector<ConcurrentFuture<void>> futures;
    for (int i = 0; i < kItems; ++i) {
        futures.push_back(pool.submit([&] {
            const int now = running.fetch_add(1) + 1;
            int old = peak.load();
            while (old < now && !peak.compare_exchange_weak(old, now)) {
            }
            started.fetch_add(1);
            started.notify_all();
            gate.wait();
            running.fetch_sub(1);
        }));
    }
    wait_for_at_least(started, kMax);
    const auto while_blocked = pool.stats();
    EXPECT_EQ(while_blocked.threads_started, static_cast<std::size_t>(kMax));
    EXPECT_EQ(while_blocked.queue_depth, static_cast<std::size_t>(kItems - kMax));
    gate.count_down();
    for (auto& f : futures) f.result();
    EXPECT_EQ(peak.load(), kMax);
    EXPECT_EQ(started.load(), kItems);
    EXPECT_EQ(pool.stats().threads_started, static_cast<std::size_t>(kMax));
}

TEST(ThreadPoolExecutor, AnIdleWorkerIsReusedBySequentialSubmits) {
    // Deterministic, not just likely: a worker counts itself idle before it publishes the
    // result, so it is idle by the time result() returns here.
    ThreadPoolExecutor pool(4);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(pool.submit([i] { return i * 2; }).result(), i * 2);
    EXPECT_EQ(pool.stats().threads_started, 1u);
}

TEST(ThreadPoolExecutor, ItemsQueuedBehindASingleWorkerRunInFifoOrder) {
    ThreadPoolExecutor pool(1);
    std::atomic<int> started{0};
    std::latch gate(1);
    auto blocker = pool.submit(BlockingCall{&started, &gate});
    wait_for_at_least(started, 1);
    // Only the one worker touches `order` until the last result() below has returned.
    std::vector<int> order;
    std::vector<ConcurrentFuture<void>> futures;
    for (int i = 0; i < 100; ++i)
        futures.push_back(pool.submit([&order, i] { order.push_back(i); }));
    EXPECT_EQ(pool.stats().queue_depth, 100u);
    gate.count_down();
    for (auto& f : futures) f.result();
    std::vector<int> expected(100);
    for (int i = 0; i < 100; ++i) expected[i] = i;
    EXPECT_EQ(order, expected);
}

TEST(ThreadPoolExecutor, AnExceptionThrownByTheCallReachesResult) {
    ThreadPoolExecutor pool(2);
    auto f = pool.submit([]() -> int { throw std::out_of_range("index 7"); });
    EXPECT_THROW(f.result(), std::out_of_range);
    ASSERT_NE(f.exception(), nullptr);
    EXPECT_EQ(describe(f.exception()), "index 7");
    // The worker survives it.
    EXPECT_EQ(pool.submit([] { return 5; }).result(), 5);
}

TEST(ThreadPoolExecutor, ArgumentsAreCopiedAtSubmitAndMoveOnlyOnesAreMovedIntoTheCall) {
    ThreadPoolExecutor pool(1);
    std::string text = "abc";
    auto f =
        pool.submit([](std::unique_ptr<int> p, std::string s) { return s + std::to_string(*p); },
                    std::make_unique<int>(3), text);
    text = "changed after submit";
    EXPECT_EQ(f.result(), "abc3");
}

TEST(ThreadPoolExecutor, TheFutureTypeIsTheCallsResultWithoutReferences) {
    ThreadPoolExecutor pool(1);
    static const std::string kept = "kept";
    auto by_ref = pool.submit([]() -> const std::string& { return kept; });
    static_assert(std::is_same_v<decltype(by_ref), ConcurrentFuture<std::string>>);
    auto nothing = pool.submit([] {});
    static_assert(std::is_same_v<decltype(nothing), ConcurrentFuture<void>>);
    EXPECT_EQ(by_ref.result(), "kept");
    EXPECT_NO_THROW(nothing.result());
}

TEST(ThreadPoolExecutor, CancellingAQueuedItemPreventsTheCall) {
    ThreadPoolExecutor pool(1);
    std::atomic<int> started{0};
    std::latch gate(1);
    auto blocker = pool.submit(BlockingCall{&started, &gate});
    wait_for_at_least(started, 1);
    std::atomic<bool> ran{false};
    auto queued = pool.submit([&ran] { ran = true; });
    EXPECT_TRUE(queued.cancel());
    gate.count_down();
    EXPECT_EQ(blocker.result(), 1);
    EXPECT_THROW(queued.result(), CancelledError);
    pool.shutdown();  // the worker has certainly dequeued (and skipped) it now
    EXPECT_FALSE(ran);
    EXPECT_EQ(pool.stats().cancelled, 1u);
}

TEST(ThreadPoolExecutor, CancellingARunningItemReturnsFalse) {
    ThreadPoolExecutor pool(1);
    std::atomic<int> started{0};
    std::latch gate(1);
    auto running = pool.submit(BlockingCall{&started, &gate});
    wait_for_at_least(started, 1);
    EXPECT_TRUE(running.running());
    EXPECT_FALSE(running.cancel());
    gate.count_down();
    EXPECT_EQ(running.result(), 1);
    EXPECT_FALSE(running.cancelled());
}

TEST(ThreadPoolExecutor, ShutdownWithCancelFuturesCancelsQueuedItemsAndLetsTheRunningOneFinish) {
    ThreadPoolExecutor pool(1);
    std::atomic<int> started{0};
    std::latch gate(1);
    auto running = pool.submit(BlockingCall{&started, &gate});
    wait_for_at_least(started, 1);
    std::atomic<int> queued_ran{0};
    std::vector<ConcurrentFuture<void>> queued;
    for (int i = 0; i < 5; ++i) queued.push_back(pool.submit([&queued_ran] { ++queued_ran; }));

    pool.shutdown(/*wait=*/false, /*cancel_futures=*/true);  // returns with the call running
    for (auto& f : queued) EXPECT_TRUE(f.cancelled());
    EXPECT_TRUE(running.running());

    gate.count_down();
    EXPECT_EQ(running.result(), 1);
    pool.shutdown();  // now wait for the worker
    EXPECT_EQ(queued_ran, 0);
    const auto s = pool.stats();
    EXPECT_EQ(s.cancelled, 5u);
    EXPECT_EQ(s.completed, 1u);
}

TEST(ThreadPoolExecutor, SubmitAfterShutdownThrows) {
    ThreadPoolExecutor pool(2);
    pool.submit([] {}).result();
    pool.shutdown();
    try {
        pool.submit([] {});
        FAIL() << "submit after shutdown did not throw";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "cannot schedule new futures after shutdown");
    }
    EXPECT_EQ(pool.stats().submitted, 1u);
}

TEST(ThreadPoolExecutor, ResultWithATimeoutThrowsTimeoutErrorWhileTheCallRuns) {
    ThreadPoolExecutor pool(1);
    std::atomic<int> started{0};
    std::latch gate(1);
    auto f = pool.submit(BlockingCall{&started, &gate});
    EXPECT_THROW(f.result(1ms), TimeoutError);
    gate.count_down();
    EXPECT_EQ(f.result(), 1);
}

TEST(ThreadPoolExecutor, DoneCallbacksRunOnTheWorkerOrInlineWhenAlreadyDone) {
    ThreadPoolExecutor pool(1);
    std::atomic<int> started{0};
    std::latch gate(1);
    std::thread::id worker_id;
    auto f = pool.submit([&] {
        worker_id = std::this_thread::get_id();
        return BlockingCall{&started, &gate}();
    });
    std::atomic<int> calls{0};
    std::thread::id callback_thread;
    std::latch callback_ran(1);
    f.add_done_callback([&](ConcurrentFuture<int>&) {
        callback_thread = std::this_thread::get_id();
        ++calls;
        callback_ran.count_down();
    });
    gate.count_down();
    callback_ran.wait();
    EXPECT_EQ(callback_thread, worker_id);
    EXPECT_NE(callback_thread, std::this_thread::get_id());

    std::thread::id inline_thread;
    f.add_done_callback([&](ConcurrentFuture<int>&) {
        inline_thread = std::this_thread::get_id();
        ++calls;
    });
    EXPECT_EQ(inline_thread, std::this_thread::get_id());
    pool.shutdown();
    EXPECT_EQ(calls, 2);
}

TEST(ThreadPoolExecutor, ADoneCallbackMaySubmitToTheSameExecutor) {
    // No lock is held while a done callback runs on the worker, so this cannot deadlock.
    ThreadPoolExecutor pool(1);
    std::latch second_ran(1);
    auto first = pool.submit([] { return 1; });
    first.add_done_callback([&](ConcurrentFuture<int>& done) {
        pool.submit([&second_ran, v = done.result()] {
            if (v == 1) second_ran.count_down();
        });
    });
    second_ran.wait();
    pool.shutdown();
    EXPECT_EQ(pool.stats().completed, 2u);
}

TEST(ThreadPoolExecutor, TheDestructorRunsEveryQueuedCallBeforeJoining) {
    std::atomic<int> ran{0};
    {
        ThreadPoolExecutor pool(2);
        for (int i = 0; i < 200; ++i) pool.submit([&ran] { ++ran; });
    }
    EXPECT_EQ(ran, 200);
}

TEST(ThreadPoolExecutor, EightThreadsSubmittingConcurrentlyRunEveryItemExactlyOnce) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 10'000;
    ThreadPoolExecutor pool(4);
    std::vector<std::atomic<int>> runs(kThreads * kPerThread);
    std::atomic<int> wrong_results{0};
    std::latch go(kThreads);
    std::vector<std::thread> submitters;
    for (int t = 0; t < kThreads; ++t) {
        submitters.emplace_back([&, t] {
            std::vector<ConcurrentFuture<int>> futures;
            futures.reserve(kPerThread);
            go.arrive_and_wait();
            for (int i = 0; i < kPerThread; ++i) {
                const int id = t * kPerThread + i;
                futures.push_back(pool.submit([&runs, id] {
                    runs[id].fetch_add(1, std::memory_order_relaxed);
                    return id;
                }));
            }
            for (int i = 0; i < kPerThread; ++i) {
                if (futures[i].result() != t * kPerThread + i) ++wrong_results;
            }
        });
    }
    for (auto& s : submitters) s.join();
    pool.shutdown();
    EXPECT_EQ(wrong_results, 0);
    int not_once = 0;
    for (auto& r : runs) not_once += r.load() != 1;
    EXPECT_EQ(not_once, 0);
    const auto s = pool.stats();
    EXPECT_EQ(s.submitted, static_cast<std::uint64_t>(kThreads * kPerThread));
    EXPECT_EQ(s.completed, s.submitted);
    EXPECT_LE(s.threads_started, 4u);
}

TEST(ThreadPoolExecutor, StatsAreConsistentAfterShutdown) {
    ThreadPoolExecutor pool(1);
    std::atomic<int> started{0};
    std::latch gate(1);
    auto blocker = pool.submit(BlockingCall{&started, &gate});
    wait_for_at_least(started, 1);
    std::vector<ConcurrentFuture<int>> queued;
    for (int i = 0; i < 6; ++i) queued.push_back(pool.submit([i] { return i; }));
    queued[1].cancel();  // cancelled by the user: counted when the worker skips it
    auto mid = pool.stats();
    EXPECT_EQ(mid.queue_depth, 6u);
    EXPECT_EQ(mid.peak_queue_depth, 6u);
    EXPECT_EQ(mid.submitted, 7u);
    EXPECT_EQ(mid.completed, 0u);

    gate.count_down();
    EXPECT_EQ(queued[5].result(), 5);
    pool.shutdown(/*wait=*/true);
    const auto s = pool.stats();
    EXPECT_EQ(s.submitted, s.completed + s.cancelled);
    EXPECT_EQ(s.completed, 6u);
    EXPECT_EQ(s.cancelled, 1u);
    EXPECT_EQ(s.queue_depth, 0u);
    EXPECT_EQ(s.peak_queue_depth, 6u);
    EXPECT_EQ(s.threads_started, 1u);
    EXPECT_LE(s.max_time_queued, s.total_time_queued);
    EXPECT_LE(s.max_time_running, s.total_time_running);
}

TEST(ThreadPoolExecutor, ShutdownWithWaitFromAWorkerThrowsInsteadOfDeadlocking) {
    ThreadPoolExecutor pool(1);
    auto f = pool.submit([&pool] { pool.shutdown(/*wait=*/true); });
    EXPECT_THROW(f.result(), std::runtime_error);
    EXPECT_THROW(pool.submit([] {}), std::runtime_error);  // the shutdown itself took effect
}

TEST(ThreadPoolExecutor, ConcurrentShutdownsWithWaitBothReturnAfterTheWorkFinishes) {
    ThreadPoolExecutor pool(2);
    std::atomic<int> started{0};
    std::latch gate(1);
    auto a = pool.submit(BlockingCall{&started, &gate});
    auto b = pool.submit(BlockingCall{&started, &gate});
    wait_for_at_least(started, 2);
    std::thread other([&pool] { pool.shutdown(); });
    std::thread another([&pool] { pool.shutdown(); });
    gate.count_down();
    other.join();
    another.join();
    EXPECT_TRUE(a.done());
    EXPECT_TRUE(b.done());
}

#if defined(__linux__)
std::string current_thread_name() {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof name);
    return name;
}

TEST(ThreadPoolExecutor, WorkerThreadsAreNamedPrefixUnderscoreIndex) {
    ThreadPoolExecutor pool(2, "io");
    std::atomic<int> started{0};
    std::latch gate(1);
    auto first = pool.submit([&] {
        const std::string name = current_thread_name();
        BlockingCall{&started, &gate}();
        return name;
    });
    wait_for_at_least(started, 1);
    auto second = pool.submit(current_thread_name);  // the first worker is busy: a new one
    EXPECT_EQ(second.result(), "io_1");
    gate.count_down();
    EXPECT_EQ(first.result(), "io_0");
}

TEST(ThreadPoolExecutor, ALongPrefixIsCutToFitLinuxButKeepsTheIndex) {
    ThreadPoolExecutor pool(1, "averyveryverylongprefix");
    EXPECT_EQ(pool.submit(current_thread_name).result(), "averyveryvery_0");
}
#endif

TEST(ThreadPoolExecutor, AnUnnamedPoolUsesPythonsDefaultPrefix) {
    ThreadPoolExecutor a(1);
    ThreadPoolExecutor b(1, "custom");
    EXPECT_EQ(a.thread_name_prefix().rfind("ThreadPoolExecutor-", 0), 0u);
    EXPECT_EQ(b.thread_name_prefix(), "custom");
}

}  // namespace
}  // namespace looplab
