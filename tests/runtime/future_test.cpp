// tests/runtime/future_test.cpp: Future<T>, state by state.
//
// pending -> finished (value or exception) | cancelled, once. Every invalid transition throws
// InvalidStateError; done callbacks never run inline; an exception nobody looked at is
// reported when the future dies (future.hpp).
#include "runtime/future.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::holds;
using testing::VirtualLoop;

// A loop driven by hand whose run_once() never blocks.
struct HandDriven : VirtualLoop {
    HandDriven() : VirtualLoop(/*auto_advance=*/false) {
        keep_polling = loop.call_later(24h, [] {});
    }
    TimerHandle keep_polling;
};

// ---- States and transitions ----------------------------------------------------------------

TEST(Future, StartsPendingAndResultThrowsInvalidStateError) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    EXPECT_FALSE(f.done());
    EXPECT_FALSE(f.cancelled());
    EXPECT_THROW(f.result(), InvalidStateError);
    EXPECT_THROW(f.exception(), InvalidStateError);
    EXPECT_EQ(&f.get_loop(), &v.loop);
}

TEST(Future, SetResultFinishesItWithTheValue) {
    VirtualLoop v;
    Future<std::string> f = v.loop.create_future<std::string>();
    f.set_result("hello");
    EXPECT_TRUE(f.done());
    EXPECT_FALSE(f.cancelled());
    EXPECT_EQ(f.result(), "hello");
    EXPECT_EQ(f.result(), "hello");  // a copyable value can be read again
    EXPECT_EQ(f.exception(), nullptr);
}

TEST(Future, AVoidFutureFinishesWithNoValue) {
    VirtualLoop v;
    Future<void> f = v.loop.create_future();
    f.set_result();
    EXPECT_TRUE(f.done());
    EXPECT_NO_THROW(f.result());
}

TEST(Future, AMoveOnlyResultIsMovedOut) {
    VirtualLoop v;
    Future<std::unique_ptr<int>> f = v.loop.create_future<std::unique_ptr<int>>();
    f.set_result(std::make_unique<int>(5));
    std::unique_ptr<int> p = f.result();
    ASSERT_TRUE(p);
    EXPECT_EQ(*p, 5);
}

TEST(Future, SetExceptionMakesResultRethrowAndExceptionReturnIt) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    f.set_exception(std::runtime_error("bad"));
    EXPECT_TRUE(f.done());
    EXPECT_FALSE(f.cancelled());
    EXPECT_THROW(f.result(), std::runtime_error);
    std::exception_ptr e = f.exception();
    EXPECT_TRUE(holds<std::runtime_error>(e));
    EXPECT_EQ(describe(e), "bad");
}

TEST(Future, SetExceptionWithANullPointerIsRejected) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    EXPECT_THROW(f.set_exception(std::exception_ptr()), std::invalid_argument);
    EXPECT_FALSE(f.done());
}

TEST(Future, CancelMakesItCancelledAndResultThrowsCancelledErrorWithTheMessage) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    EXPECT_TRUE(f.cancel("stop it"));
    EXPECT_TRUE(f.done());
    EXPECT_TRUE(f.cancelled());
    try {
        f.result();
        ADD_FAILURE() << "result() did not throw";
    } catch (const CancelledError& e) {
        EXPECT_EQ(e.message(), "stop it");
    }
}

TEST(Future, ExceptionOfACancelledFutureIsACancelledError) {
    // looplab's documented difference from asyncio (future.hpp): exception() returns the
    // CancelledError instead of raising it, so combinators can treat it as a failure.
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    f.cancel("why");
    std::exception_ptr e = f.exception();
    ASSERT_TRUE(holds<CancelledError>(e));
    try {
        std::rethrow_exception(e);
    } catch (const CancelledError& c) {
        EXPECT_EQ(c.message(), "why");
    }
}

TEST(Future, SetResultTwiceThrowsInvalidStateErrorAndKeepsTheFirstValue) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    f.set_result(1);
    EXPECT_THROW(f.set_result(2), InvalidStateError);
    EXPECT_THROW(f.set_exception(std::runtime_error("late")), InvalidStateError);
    EXPECT_EQ(f.result(), 1);
}

TEST(Future, SetResultAfterAnExceptionThrowsInvalidStateError) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    f.set_exception(std::runtime_error("first"));
    EXPECT_THROW(f.set_result(2), InvalidStateError);
    EXPECT_THROW(f.set_exception(std::runtime_error("second")), InvalidStateError);
    EXPECT_EQ(describe(f.exception()), "first");
}

TEST(Future, SetResultOnACancelledFutureThrowsInvalidStateError) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    f.cancel();
    EXPECT_THROW(f.set_result(1), InvalidStateError);
    EXPECT_THROW(f.set_exception(std::runtime_error("x")), InvalidStateError);
    EXPECT_TRUE(f.cancelled());
}

TEST(Future, CancelOnADoneFutureReturnsFalseAndChangesNothing) {
    VirtualLoop v;
    Future<int> finished = v.loop.create_future<int>();
    finished.set_result(3);
    EXPECT_FALSE(finished.cancel());
    EXPECT_FALSE(finished.cancelled());
    EXPECT_EQ(finished.result(), 3);

    Future<int> cancelled = v.loop.create_future<int>();
    EXPECT_TRUE(cancelled.cancel("first"));
    EXPECT_FALSE(cancelled.cancel("second"));
    try {
        cancelled.result();
    } catch (const CancelledError& e) {
        EXPECT_EQ(e.message(), "first");
    }
}

TEST(Future, CopiesShareOneState) {
    VirtualLoop v;
    Future<int> a = v.loop.create_future<int>();
    Future<int> b = a;
    a.set_result(9);
    EXPECT_TRUE(b.done());
    EXPECT_EQ(b.result(), 9);
}

// ---- Done callbacks -------------------------------------------------------------------------

TEST(Future, DoneCallbacksRunOnTheNextIterationNotInline) {
    HandDriven v;
    Future<int> f = v.loop.create_future<int>();
    std::vector<std::uint64_t> ran_at;
    f.add_done_callback([&](Future<int>& done) {
        EXPECT_EQ(done.result(), 5);
        ran_at.push_back(v.loop.iteration_count());
    });
    const auto completed_at = v.loop.iteration_count();
    f.set_result(5);
    EXPECT_TRUE(ran_at.empty());  // not inside set_result
    v.loop.run_once();
    ASSERT_EQ(ran_at.size(), 1u);
    EXPECT_EQ(ran_at[0], completed_at + 1);
}

TEST(Future, DoneCallbacksCompletedFromACallbackRunOnTheFollowingIteration) {
    HandDriven v;
    Future<int> f = v.loop.create_future<int>();
    std::vector<std::uint64_t> iterations;
    f.add_done_callback([&](Future<int>&) { iterations.push_back(v.loop.iteration_count()); });
    v.loop.call_soon([&] {
        iterations.push_back(v.loop.iteration_count());
        f.set_result(1);
    });
    v.loop.run_once();
    v.loop.run_once();
    ASSERT_EQ(iterations.size(), 2u);
    EXPECT_EQ(iterations[1], iterations[0] + 1);
}

TEST(Future, ACallbackAddedToADoneFutureIsScheduledNotCalled) {
    HandDriven v;
    Future<int> f = v.loop.create_future<int>();
    f.set_result(1);
    bool ran = false;
    f.add_done_callback([&](Future<int>&) { ran = true; });
    EXPECT_FALSE(ran);
    v.loop.run_once();
    EXPECT_TRUE(ran);
}

TEST(Future, DoneCallbacksRunOnceEachInRegistrationOrder) {
    HandDriven v;
    Future<int> f = v.loop.create_future<int>();
    std::vector<int> order;
    for (int i = 0; i < 5; ++i)
        f.add_done_callback([&order, i](Future<int>&) { order.push_back(i); });
    f.cancel();
    v.loop.run_once();
    v.loop.run_once();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Future, RemoveDoneCallbackKeepsItFromRunningAndCountsWhatItRemoved) {
    HandDriven v;
    Future<int> f = v.loop.create_future<int>();
    std::vector<std::string> log;
    auto a = f.add_done_callback([&](Future<int>&) { log.push_back("a"); });
    auto b = f.add_done_callback([&](Future<int>&) { log.push_back("b"); });
    auto c = f.add_done_callback([&](Future<int>&) { log.push_back("c"); });
    EXPECT_EQ(f.remove_done_callback(b), 1u);
    EXPECT_EQ(f.remove_done_callback(b), 0u);
    EXPECT_EQ(f.remove_done_callback(a), 1u);
    f.set_result(0);
    EXPECT_EQ(f.remove_done_callback(c), 0u);  // already scheduled: too late
    v.loop.run_once();
    EXPECT_EQ(log, (std::vector<std::string>{"c"}));
}

TEST(Future, DoneCallbacksKeepRegistrationOrderAfterARemoval) {
    HandDriven v;
    Future<int> f = v.loop.create_future<int>();
    std::vector<std::string> order;
    auto first = f.add_done_callback([&](Future<int>&) { order.push_back("first"); });
    f.add_done_callback([&](Future<int>&) { order.push_back("second"); });
    f.remove_done_callback(first);
    f.add_done_callback([&](Future<int>&) { order.push_back("third"); });
    f.set_result(1);
    v.loop.run_once();
    EXPECT_EQ(order, (std::vector<std::string>{"second", "third"}));
}

TEST(Future, AnExceptionInADoneCallbackGoesToTheHandlerAndTheOthersStillRun) {
    HandDriven v;
    Future<int> f = v.loop.create_future<int>();
    bool second_ran = false;
    f.add_done_callback([](Future<int>&) { throw std::runtime_error("callback broke"); });
    f.add_done_callback([&](Future<int>&) { second_ran = true; });
    f.set_result(1);
    v.loop.run_once();
    EXPECT_TRUE(second_ran);
    ASSERT_EQ(v.log.size(), 1u);
    EXPECT_EQ(describe(v.log.reports()[0].exception), "callback broke");
}

TEST(Future, DoneCallbacksSeeTheFutureEvenAfterEveryHandleIsGone) {
    HandDriven v;
    int seen = 0;
    {
        Future<int> f = v.loop.create_future<int>();
        f.add_done_callback([&](Future<int>& done) { seen = done.result(); });
        f.set_result(11);
    }
    v.loop.run_once();
    EXPECT_EQ(seen, 11);
}

// ---- "exception was never retrieved" ---------------------------------------------------------

TEST(Future, AFailedFutureDestroyedUnretrievedIsReportedToTheHandler) {
    VirtualLoop v;
    {
        Future<int> f = v.loop.create_future<int>();
        f.set_exception(std::runtime_error("lost"));
    }
    ASSERT_EQ(v.log.size(), 1u);
    EXPECT_NE(v.log.reports()[0].message.find("exception was never retrieved"), std::string::npos);
    EXPECT_EQ(describe(v.log.reports()[0].exception), "lost");
}

TEST(Future, AFailureRetrievedThroughResultIsNotReported) {
    VirtualLoop v;
    {
        Future<int> f = v.loop.create_future<int>();
        f.set_exception(std::runtime_error("seen"));
        EXPECT_THROW(f.result(), std::runtime_error);
    }
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(Future, AFailureRetrievedThroughExceptionIsNotReported) {
    VirtualLoop v;
    {
        Future<int> f = v.loop.create_future<int>();
        f.set_exception(std::runtime_error("seen"));
        EXPECT_TRUE(f.exception());
    }
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(Future, ADoneCallbackDoesNotCountAsRetrievingTheException) {
    HandDriven v;
    {
        Future<int> f = v.loop.create_future<int>();
        f.add_done_callback([](Future<int>&) {});
        f.set_exception(std::runtime_error("ignored"));
        v.loop.run_once();
    }
    EXPECT_EQ(v.log.count("exception was never retrieved"), 1u);
}

TEST(Future, FinishedAndCancelledFuturesAreNotReported) {
    VirtualLoop v;
    {
        Future<int> a = v.loop.create_future<int>();
        a.set_result(1);
        Future<int> b = v.loop.create_future<int>();
        b.cancel();
        Future<int> c = v.loop.create_future<int>();  // still pending
    }
    EXPECT_EQ(v.log.size(), 0u);
}

// ---- Awaiting a future ---------------------------------------------------------------------

TEST(Future, AwaitingAPendingFutureSuspendsTheTaskUntilItIsDone) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    v.loop.call_later(3s, [&] { f.set_result(21); });
    auto body = [&]() -> Coro<int> { co_return 2 * co_await f; };
    EXPECT_EQ(v.loop.run_until_complete(body()), 42);
    EXPECT_EQ(v.elapsed(), 3s);
}

TEST(Future, AwaitingADoneFutureDoesNotSuspend) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    f.set_result(1);
    auto body = [&]() -> Coro<std::uint64_t> {
        const auto before = v.loop.iteration_count();
        EXPECT_EQ(co_await f, 1);
        co_return v.loop.iteration_count() - before;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 0u);
}

TEST(Future, AwaitingAFailedFutureThrowsItsExceptionAtTheAwait) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    v.loop.call_soon([&] { f.set_exception(std::out_of_range("nope")); });
    auto body = [&]() -> Coro<std::string> {
        try {
            co_await f;
        } catch (const std::out_of_range& e) {
            co_return e.what();
        }
        co_return "no exception";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "nope");
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(Future, ManyTasksCanAwaitOneFuture) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    std::vector<int> got;
    auto waiter = [&]() -> Coro<void> { got.push_back(co_await f); };
    std::vector<Task<void>> tasks;
    for (int i = 0; i < 3; ++i) tasks.push_back(v.loop.create_task(waiter()));
    v.loop.call_later(1s, [&] { f.set_result(8); });
    for (auto& t : tasks) v.loop.run_until_complete(t);
    EXPECT_EQ(got, (std::vector<int>{8, 8, 8}));
}

// ---- Outcome -------------------------------------------------------------------------------

TEST(Outcome, HoldsAValueOrAnException) {
    Outcome<int> ok(5);
    EXPECT_TRUE(ok.ok());
    EXPECT_EQ(ok.value(), 5);
    Outcome<int> bad(std::make_exception_ptr(std::runtime_error("x")));
    EXPECT_FALSE(bad.ok());
    EXPECT_THROW(bad.value(), std::runtime_error);
}

}  // namespace
}  // namespace looplab
