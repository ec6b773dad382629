// tests/runtime/concurrent_future_test.cpp: ConcurrentFuture on its own, completed by hand
// (the executor's side is tested in thread_pool_executor_test.cpp).
#include "runtime/executor/concurrent_future.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/errors.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

struct WorkFailed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

TEST(ConcurrentFuture, ANewFutureIsPendingAndNotDone) {
    ConcurrentFuture<int> f;
    EXPECT_EQ(f.state(), ConcurrentFutureState::pending);
    EXPECT_FALSE(f.done());
    EXPECT_FALSE(f.running());
    EXPECT_FALSE(f.cancelled());
}

TEST(ConcurrentFuture, SetResultFinishesItAndResultReturnsTheValue) {
    ConcurrentFuture<std::string> f;
    ASSERT_TRUE(f.set_running_or_notify_cancel());
    EXPECT_TRUE(f.running());
    f.set_result("hello");
    EXPECT_TRUE(f.done());
    EXPECT_FALSE(f.running());
    EXPECT_EQ(f.result(), "hello");
    EXPECT_EQ(f.exception(), nullptr);
}

TEST(ConcurrentFuture, ResultRethrowsTheStoredExceptionAndExceptionReturnsIt) {
    ConcurrentFuture<int> f;
    f.set_exception(std::make_exception_ptr(WorkFailed("boom")));
    EXPECT_TRUE(f.done());
    EXPECT_THROW(f.result(), WorkFailed);
    EXPECT_THROW(f.result(), WorkFailed);  // every time, like Python
    std::exception_ptr e = f.exception();
    ASSERT_NE(e, nullptr);
    EXPECT_THROW(std::rethrow_exception(e), WorkFailed);
}

TEST(ConcurrentFuture, CopiesAndMovedFromFuturesShareOneState) {
    ConcurrentFuture<int> a;
    ConcurrentFuture<int> b = a;
    ConcurrentFuture<int> c = std::move(a);
    c.set_result(7);
    EXPECT_EQ(a.result(), 7);  // NOLINT(bugprone-use-after-move): moves copy, by design
    EXPECT_EQ(b.result(), 7);
}

TEST(ConcurrentFuture, VoidFuturesFinishWithoutAValue) {
    ConcurrentFuture<void> f;
    f.set_result();
    EXPECT_TRUE(f.done());
    EXPECT_NO_THROW(f.result());
}

TEST(ConcurrentFuture, MoveOnlyResultsAreReadInPlace) {
    ConcurrentFuture<std::unique_ptr<int>> f;
    f.set_result(std::make_unique<int>(5));
    ASSERT_NE(f.result(), nullptr);
    EXPECT_EQ(*f.result(), 5);
}

TEST(ConcurrentFuture, CancelSucceedsWhilePendingAndThenResultThrowsCancelledError) {
    ConcurrentFuture<int> f;
    EXPECT_TRUE(f.cancel());
    EXPECT_TRUE(f.cancelled());
    EXPECT_TRUE(f.done());
    EXPECT_TRUE(f.cancel());  // already cancelled: still true
    EXPECT_THROW(f.result(), CancelledError);
    EXPECT_THROW(f.exception(), CancelledError);
}

TEST(ConcurrentFuture, CancelFailsOnceRunningOrFinished) {
    ConcurrentFuture<int> running;
    ASSERT_TRUE(running.set_running_or_notify_cancel());
    EXPECT_FALSE(running.cancel());
    EXPECT_TRUE(running.running());

    ConcurrentFuture<int> finished;
    finished.set_result(1);
    EXPECT_FALSE(finished.cancel());
    EXPECT_EQ(finished.result(), 1);
}

TEST(ConcurrentFuture, SetRunningOrNotifyCancelReportsACancelledFuture) {
    ConcurrentFuture<int> f;
    f.cancel();
    EXPECT_FALSE(f.set_running_or_notify_cancel());
    EXPECT_TRUE(f.cancelled());
}

TEST(ConcurrentFuture, StartingTwiceOrCompletingTwiceThrowsInvalidStateError) {
    ConcurrentFuture<int> f;
    ASSERT_TRUE(f.set_running_or_notify_cancel());
    EXPECT_THROW(f.set_running_or_notify_cancel(), InvalidStateError);
    f.set_result(1);
    EXPECT_THROW(f.set_result(2), InvalidStateError);
    EXPECT_THROW(f.set_exception(std::make_exception_ptr(WorkFailed("x"))), InvalidStateError);
    EXPECT_THROW(f.set_running_or_notify_cancel(), InvalidStateError);
    EXPECT_EQ(f.result(), 1);

    ConcurrentFuture<int> cancelled;
    cancelled.cancel();
    EXPECT_THROW(cancelled.set_result(1), InvalidStateError);
}

TEST(ConcurrentFuture, ResultWithATimeoutThrowsTimeoutErrorWhileNotDone) {
    ConcurrentFuture<int> f;
    EXPECT_THROW(f.result(1ms), TimeoutError);
    EXPECT_THROW(f.result(0ns), TimeoutError);
    EXPECT_THROW(f.result(-5s), TimeoutError);
    EXPECT_THROW(f.exception(1ms), TimeoutError);
    f.set_result(3);
    EXPECT_EQ(f.result(0ns), 3);  // done: a zero timeout does not matter
}

TEST(ConcurrentFuture, AHugeTimeoutWaitsInsteadOfOverflowing) {
    ConcurrentFuture<int> f;
    std::thread completer([f]() mutable { f.set_result(9); });
    EXPECT_EQ(f.result(std::chrono::nanoseconds::max()), 9);
    completer.join();
}

TEST(ConcurrentFuture, ResultBlocksUntilAnotherThreadCompletesIt) {
    ConcurrentFuture<int> f;
    std::thread completer([f]() mutable { f.set_result(42); });
    EXPECT_EQ(f.result(), 42);
    completer.join();
}

TEST(ConcurrentFuture, CancelWakesThreadsBlockedInResult) {
    ConcurrentFuture<int> f;
    std::atomic<bool> got_cancelled{false};
    std::thread waiter([f, &got_cancelled] {
        try {
            f.result();
        } catch (const CancelledError&) {
            got_cancelled = true;
        }
    });
    EXPECT_TRUE(f.cancel());
    waiter.join();
    EXPECT_TRUE(got_cancelled);
}

TEST(ConcurrentFuture, ADoneCallbackAddedBeforeCompletionRunsOnceOnTheCompletingThread) {
    ConcurrentFuture<int> f;
    std::atomic<int> calls{0};
    std::thread::id ran_on;
    int seen = 0;
    f.add_done_callback([&](ConcurrentFuture<int>& done) {
        ++calls;
        ran_on = std::this_thread::get_id();
        seen = done.result();
    });
    EXPECT_EQ(calls, 0);
    std::thread::id completer_id;
    std::thread completer([f, &completer_id]() mutable {
        completer_id = std::this_thread::get_id();
        f.set_result(11);
    });
    completer.join();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(ran_on, completer_id);
    EXPECT_NE(ran_on, std::this_thread::get_id());
    EXPECT_EQ(seen, 11);
}

TEST(ConcurrentFuture, ADoneCallbackAddedAfterCompletionRunsInlineInTheCallersThread) {
    ConcurrentFuture<int> f;
    f.set_result(1);
    int calls = 0;
    std::thread::id ran_on;
    f.add_done_callback([&](ConcurrentFuture<int>&) {
        ++calls;
        ran_on = std::this_thread::get_id();
    });
    EXPECT_EQ(calls, 1);  // before add_done_callback returned
    EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(ConcurrentFuture, DoneCallbacksRunInTheOrderAddedAlsoOnCancel) {
    ConcurrentFuture<void> f;
    std::vector<int> order;
    for (int i = 0; i < 5; ++i) {
        f.add_done_callback([&order, i](ConcurrentFuture<void>& done) {
            EXPECT_TRUE(done.cancelled());
            order.push_back(i);
        });
    }
    EXPECT_TRUE(f.cancel());
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
    EXPECT_TRUE(f.cancel());  // a second cancel does not run them again
    EXPECT_EQ(order.size(), 5u);
}

TEST(ConcurrentFuture, ADoneCallbackMayBeMoveOnly) {
    ConcurrentFuture<int> f;
    auto owned = std::make_unique<int>(4);
    int seen = 0;
    f.add_done_callback(
        [p = std::move(owned), &seen](ConcurrentFuture<int>& done) { seen = *p + done.result(); });
    f.set_result(1);
    EXPECT_EQ(seen, 5);
}

TEST(ConcurrentFuture, ADoneCallbackMayUseTheFutureWithoutDeadlocking) {
    // The future's mutex is not held while callbacks run: a callback can read the result
    // and add another callback, which then runs inline.
    ConcurrentFuture<int> f;
    int inner_calls = 0;
    int seen = 0;
    f.add_done_callback([&](ConcurrentFuture<int>& done) {
        seen = done.result();
        EXPECT_TRUE(done.done());
        done.add_done_callback([&](ConcurrentFuture<int>&) { ++inner_calls; });
        EXPECT_EQ(inner_calls, 1);
    });
    f.set_result(8);
    EXPECT_EQ(seen, 8);
    EXPECT_EQ(inner_calls, 1);
}

TEST(ConcurrentFuture, ADoneCallbackThatThrowsIsReportedAndTheOthersStillRun) {
    ConcurrentFuture<int> f;
    std::vector<int> ran;
    f.add_done_callback([&](ConcurrentFuture<int>&) { ran.push_back(1); });
    f.add_done_callback([&](ConcurrentFuture<int>&) {
        ran.push_back(2);
        throw WorkFailed("callback failed");
    });
    f.add_done_callback([&](ConcurrentFuture<int>&) { ran.push_back(3); });
    testing::internal::CaptureStderr();
    f.set_result(0);  // does not throw: the callback's exception is reported, not propagated
    const std::string err = testing::internal::GetCapturedStderr();
    EXPECT_EQ(ran, (std::vector<int>{1, 2, 3}));
    EXPECT_NE(err.find("callback failed"), std::string::npos) << err;
}

TEST(ConcurrentFuture, CallbacksRacingCompletionEachRunExactlyOnce) {
    // add_done_callback from one thread while another completes the future: each callback
    // must run exactly once, whichever side wins. Run under TSan too.
    constexpr int kRounds = 500;
    constexpr int kCallbacksPerRound = 8;
    for (int round = 0; round < kRounds; ++round) {
        ConcurrentFuture<int> f;
        std::atomic<int> calls{0};
        std::latch go(2);
        std::thread adder([&] {
            go.arrive_and_wait();
            for (int i = 0; i < kCallbacksPerRound; ++i) {
                f.add_done_callback([&calls](ConcurrentFuture<int>&) { ++calls; });
            }
        });
        std::thread completer([&] {
            go.arrive_and_wait();
            f.set_result(round);
        });
        adder.join();
        completer.join();
        ASSERT_EQ(calls, kCallbacksPerRound) << "round " << round;
    }
}

}  // namespace
}  // namespace looplab
