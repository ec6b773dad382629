// tests/runtime/cancellation_test.cpp: Task.cancel() at every kind of await, and what the
// coroutine may do about it.
//
// asyncio's rules (3.11+): cancel(msg) cancels the future the task waits on, so
// CancelledError(msg) is thrown at that co_await; if there is nothing to cancel right now the
// request is delivered at the next step. The coroutine may catch it, clean up (even awaiting),
// and rethrow (the task ends cancelled) or return (the task ends with a result).
// cancelling() counts requests; uncancel() takes one back. Locks and queues are tested with
// the primitives themselves.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/gather.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "runtime/timeout.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::after;
using testing::outcome_of;
using testing::VirtualLoop;

// The message of the CancelledError a cancelled future holds ("" if it is not cancelled).
template <class F>
std::string cancel_message_of(F& f) {
    try {
        f.result();
    } catch (const CancelledError& e) {
        return e.message();
    } catch (...) {
    }
    return "<not cancelled>";
}

// Awaits `aw`, and logs how it ended: "value", "CancelledError" or "other".
template <class Aw>
Coro<void> await_and_log(Aw aw, std::vector<std::string>& log) {
    try {
        co_await std::move(aw);
        log.push_back("value");
    } catch (const CancelledError&) {
        log.push_back("CancelledError");
        throw;
    } catch (...) {
        log.push_back("other");
        throw;
    }
}

// ---- Before the first step -----------------------------------------------------------------

TEST(Cancellation, CancelBeforeTheFirstStepMeansTheBodyNeverRuns) {
    VirtualLoop v;
    bool ran = false;
    auto token = std::make_shared<int>(0);
    auto body = [&ran](std::shared_ptr<int> t) -> Coro<int> {
        ran = true;
        co_return *t;
    };
    Task<int> t = v.loop.create_task(body(token));
    EXPECT_TRUE(t.cancel("too early"));
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_FALSE(ran);
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(cancel_message_of(t), "too early");
    EXPECT_EQ(token.use_count(), 1);  // the unstarted frame was destroyed
}

TEST(Cancellation, CancellingTwiceBeforeTheFirstStepCountsTwoRequests) {
    VirtualLoop v;
    bool ran = false;
    auto body = [&]() -> Coro<void> {
        ran = true;
        co_return;
    };
    Task<void> t = v.loop.create_task(body());
    EXPECT_TRUE(t.cancel());
    EXPECT_TRUE(t.cancel());
    EXPECT_EQ(t.cancelling(), 2);
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_FALSE(ran);
}

TEST(Cancellation, UncancellingEveryRequestBeforeItIsDeliveredWithdrawsIt) {
    // asyncio 3.13's rule (looplab follows it): when uncancel() brings the count to zero, a
    // request not yet delivered is dropped too.
    VirtualLoop v;
    Task<int> t = v.loop.create_task(after(1s, 5));
    t.cancel();
    EXPECT_EQ(t.uncancel(), 0);
    EXPECT_EQ(v.loop.run_until_complete(t), 5);
}

// ---- At each kind of await -------------------------------------------------------------------

TEST(Cancellation, AtAFutureAwaitCancelsThatFutureAndThrowsThere) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    std::vector<std::string> log;
    Task<void> t = v.loop.create_task(await_and_log(f, log));
    v.loop.call_later(1s, [&] { EXPECT_TRUE(t.cancel("msg")); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_TRUE(f.cancelled());
    EXPECT_EQ(cancel_message_of(f), "msg");
    EXPECT_EQ(cancel_message_of(t), "msg");
}

TEST(Cancellation, AtASleepEndsTheSleepAndItsTimerAtOnce) {
    VirtualLoop v;
    std::vector<std::string> log;
    Task<void> t = v.loop.create_task(await_and_log(sleep(1h), log));
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_EQ(v.elapsed(), 1s);  // not an hour
    v.loop.run_until_complete(v.loop.create_task(after(0s, 0)));
    EXPECT_EQ(v.loop.timer_count(), 0u);  // the sleep's timer is gone
}

TEST(Cancellation, AtASleepOfZero) {
    VirtualLoop v;
    std::vector<std::string> log;
    Task<void> t = v.loop.create_task(await_and_log(sleep(0s), log));
    v.loop.call_soon([&] { t.cancel("now"); });  // runs after the task's first step
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_EQ(cancel_message_of(t), "now");
}

TEST(Cancellation, AtAnAwaitedTaskCancelsThatTaskToo) {
    VirtualLoop v;
    std::vector<std::string> inner_log;
    std::vector<std::string> outer_log;
    Task<void> inner = v.loop.create_task(await_and_log(sleep(1h), inner_log));
    Task<void> outer = v.loop.create_task(await_and_log(inner, outer_log));
    v.loop.call_later(1s, [&] { outer.cancel("stop"); });
    EXPECT_THROW(v.loop.run_until_complete(outer), CancelledError);
    EXPECT_TRUE(inner.cancelled());
    EXPECT_TRUE(outer.cancelled());
    EXPECT_EQ(inner_log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_EQ(outer_log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_EQ(cancel_message_of(inner), "stop");
}

TEST(Cancellation, AnAwaiterOfATaskCancelledBySomeoneElseGetsCancelledError) {
    VirtualLoop v;
    std::vector<std::string> log;
    Task<int> inner = v.loop.create_task(after(1h, 1));
    Task<void> outer = v.loop.create_task(await_and_log(inner, log));
    v.loop.call_later(1s, [&] { inner.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(outer), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_TRUE(outer.cancelled());
    EXPECT_EQ(outer.cancelling(), 0);  // nobody asked the outer task to cancel
}

TEST(Cancellation, AtAGatherCancelsEveryChild) {
    VirtualLoop v;
    std::vector<std::string> log;
    Task<int> a = v.loop.create_task(after(1h, 1));
    Task<int> b = v.loop.create_task(after(2h, 2));
    auto body = [&]() -> Coro<void> { co_await await_and_log(gather(a, b), log); };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(b.cancelled());
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(Cancellation, AtAWaitForIsCancelledErrorNotTimeoutErrorAndCancelsTheInner) {
    VirtualLoop v;
    std::vector<std::string> log;
    Task<int> inner = v.loop.create_task(after(1h, 1));
    auto body = [&]() -> Coro<void> { co_await await_and_log(wait_for(inner, 10s), log); };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_TRUE(inner.cancelled());
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(Cancellation, AtAnAwaitDeepInsideNestedCoros) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto level3 = [&]() -> Coro<void> { co_await await_and_log(sleep(1h), log); };
    auto level2 = [&]() -> Coro<void> { co_await await_and_log(level3(), log); };
    auto level1 = [&]() -> Coro<void> { co_await await_and_log(level2(), log); };
    Task<void> t = v.loop.create_task(level1());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log,
              (std::vector<std::string>{"CancelledError", "CancelledError", "CancelledError"}));
}

TEST(Cancellation, AfterTheAwaitedFutureCompletedButBeforeTheTaskResumedStillThrowsThere) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    std::vector<std::string> log;
    Task<void> t = v.loop.create_task(await_and_log(f, log));
    v.loop.call_later(1s, [&] {
        f.set_result(1);                // the task's wake-up is now queued...
        EXPECT_TRUE(t.cancel("late"));  // ...and the future can no longer be cancelled
    });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_EQ(cancel_message_of(t), "late");
    EXPECT_FALSE(f.cancelled());
}

TEST(Cancellation, AFailureOfTheAwaitedFutureOverriddenByALateCancelCountsAsRetrieved) {
    // asyncio's Task.__wakeup reads the future's result before __step throws the pending
    // cancellation in: the failure it held was seen, and is not "never retrieved".
    VirtualLoop v;
    std::vector<std::string> log;
    {
        Future<int> f = v.loop.create_future<int>();
        Task<void> t = v.loop.create_task(await_and_log(f, log));
        v.loop.call_later(1s, [&] {
            f.set_exception(std::runtime_error("overridden"));
            t.cancel();
        });
        EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    }
    EXPECT_EQ(log, (std::vector<std::string>{"CancelledError"}));
    EXPECT_EQ(v.log.count("exception was never retrieved"), 0u);
}

// ---- What the coroutine does about it ------------------------------------------------------

TEST(Cancellation, CatchingCleaningUpWithAnAwaitAndRethrowingEndsTheTaskCancelled) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<int> {
        std::exception_ptr cancelled;
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            log.push_back("caught");
            cancelled = std::current_exception();  // C++ allows no co_await inside a catch
        }
        if (cancelled) {
            co_await sleep(2s);  // cleanup may await: the request was delivered once
            log.push_back("cleaned up");
            std::rethrow_exception(cancelled);
        }
        co_return 1;
    };
    Task<int> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel("bye"); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"caught", "cleaned up"}));
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(cancel_message_of(t), "bye");
    EXPECT_EQ(v.elapsed(), 3s);
}

TEST(Cancellation, CatchingAndReturningNormallyEndsTheTaskWithAResult) {
    VirtualLoop v;
    auto body = [&]() -> Coro<int> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            co_return -1;
        }
        co_return 1;
    };
    Task<int> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_EQ(v.loop.run_until_complete(t), -1);
    EXPECT_FALSE(t.cancelled());
    EXPECT_EQ(t.cancelling(), 1);  // the request is still counted (asyncio too)
}

TEST(Cancellation, AnAwaitedTaskThatSwallowsCancellationLetsItsAwaiterContinue) {
    VirtualLoop v;
    auto stubborn = [&]() -> Coro<int> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
        }
        co_return 7;
    };
    Task<int> inner = v.loop.create_task(stubborn());
    auto outer_body = [&]() -> Coro<int> { co_return co_await inner; };
    Task<int> outer = v.loop.create_task(outer_body());
    v.loop.call_later(1s, [&] { outer.cancel(); });
    EXPECT_EQ(v.loop.run_until_complete(outer), 7);
    EXPECT_FALSE(outer.cancelled());
    EXPECT_EQ(outer.cancelling(), 1);
}

TEST(Cancellation, ThrowingCancelledErrorWithoutACancelEndsTheTaskCancelled) {
    VirtualLoop v;
    auto body = []() -> Coro<int> {
        co_await sleep(1s);
        throw CancelledError("by hand");
    };
    Task<int> t = v.loop.create_task(body());
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(cancel_message_of(t), "by hand");
}

// ---- cancelling() / uncancel() ---------------------------------------------------------------

TEST(Cancellation, CancellingCountsRequestsAndUncancelTakesOneBack) {
    VirtualLoop v;
    Task<int> t = v.loop.create_task(after(1h, 1));
    EXPECT_EQ(t.cancelling(), 0);
    t.cancel();
    t.cancel();
    EXPECT_EQ(t.cancelling(), 2);
    EXPECT_EQ(t.uncancel(), 1);
    EXPECT_EQ(t.cancelling(), 1);
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);  // one request remains
}

TEST(Cancellation, UncancelNeverGoesBelowZero) {
    VirtualLoop v;
    Task<int> t = v.loop.create_task(after(1s, 1));
    EXPECT_EQ(t.uncancel(), 0);
    EXPECT_EQ(t.uncancel(), 0);
    EXPECT_EQ(v.loop.run_until_complete(t), 1);
}

TEST(Cancellation, CancelOnADoneTaskReturnsFalseAndCountsNothing) {
    VirtualLoop v;
    Task<int> t = v.loop.create_task(after(1s, 1));
    v.loop.run_until_complete(t);
    EXPECT_FALSE(t.cancel());
    EXPECT_EQ(t.cancelling(), 0);
    EXPECT_FALSE(t.cancelled());
    EXPECT_EQ(t.result(), 1);
}

// ---- A task that cancels itself --------------------------------------------------------------

TEST(Cancellation, ATaskThatCancelsItselfGetsCancelledErrorAtItsNextAwait) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        EXPECT_TRUE(current_task()->cancel("myself"));
        log.push_back("still running");
        try {
            co_await sleep(1h);
        } catch (const CancelledError& e) {
            log.push_back(std::string("cancelled: ") + e.message());
            throw;
        }
    };
    Task<void> t = v.loop.create_task(body());
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_EQ(log, (std::vector<std::string>{"still running", "cancelled: myself"}));
    EXPECT_EQ(v.elapsed(), Duration::zero());
}

TEST(Cancellation, ATaskThatCancelsItselfAndReturnsWithoutAwaitingEndsCancelled) {
    // asyncio (Task.__step): "Task is cancelled right before coro stops": the pending
    // request wins over the return value.
    VirtualLoop v;
    auto body = [&]() -> Coro<int> {
        current_task()->cancel("right before the end");
        co_return 1;
    };
    Task<int> t = v.loop.create_task(body());
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(cancel_message_of(t), "right before the end");
}

TEST(Cancellation, ACancelRequestArrivingAfterTheLastAwaitStillCancelsTheTask) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    auto body = [&]() -> Coro<int> {
        co_await f;
        co_return 1;  // no await after this point
    };
    Task<int> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] {
        f.set_result(0);
        t.cancel();  // the future is done: delivered at the next step, which returns
    });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_TRUE(t.cancelled());
}

TEST(Cancellation, ATaskThatCancelsItselfAndThenThrowsEndsWithItsException) {
    // asyncio: an exception escaping the coroutine wins over a pending cancellation.
    VirtualLoop v;
    auto body = [&]() -> Coro<int> {
        current_task()->cancel();
        throw std::runtime_error("failed anyway");
        co_return 1;
    };
    Task<int> t = v.loop.create_task(body());
    EXPECT_THROW(v.loop.run_until_complete(t), std::runtime_error);
    EXPECT_FALSE(t.cancelled());
}

TEST(Cancellation, ATaskThatCancelsItselfInsideATryCanCatchItAndFinish) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::string> {
        current_task()->cancel();
        try {
            co_await sleep(1s);
        } catch (const CancelledError&) {
            co_return "caught my own cancel";
        }
        co_return "not cancelled";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "caught my own cancel");
}

TEST(Cancellation, OnlyTheAwaitThatReceivedTheRequestThrows) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            log.push_back("first await cancelled");
        }
        co_await sleep(1s);
        log.push_back("second await completed");
    };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    v.loop.run_until_complete(t);
    EXPECT_EQ(log, (std::vector<std::string>{"first await cancelled", "second await completed"}));
    EXPECT_EQ(outcome_of(t), "result");
}

}  // namespace
}  // namespace looplab
