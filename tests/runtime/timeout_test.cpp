// tests/runtime/timeout_test.cpp: timeout(), timeout_at() and wait_for().
//
// A timeout scope turns only its own cancellation into TimeoutError: a cancellation from
// outside stays CancelledError, nested scopes each convert their own, and the task is not left
// cancelled afterwards. wait_for cancels its inner task on timeout and waits until that task
// has really finished before raising TimeoutError (timeout.hpp). All in virtual time: each
// deadline is hit exactly.
#include "runtime/timeout.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::after;
using testing::VirtualLoop;

// How an awaitable ended: its value as text, "TimeoutError", "CancelledError" or what().
template <class Aw>
Coro<std::string> outcome(Aw aw) {
    try {
        co_return std::to_string(co_await std::move(aw));
    } catch (const TimeoutError&) {
        co_return "TimeoutError";
    } catch (const CancelledError&) {
        co_return "CancelledError";
    } catch (const std::exception& e) {
        co_return e.what();
    }
}

// Sleeps `d`; if cancelled, logs it, sleeps `cleanup` (awaiting during cleanup), logs again
// and rethrows. Returns 1 when not cancelled.
Coro<int> slow_with_cleanup(Duration d, Duration cleanup, std::vector<std::string>& log) {
    std::exception_ptr cancelled;
    try {
        co_await sleep(d);
    } catch (const CancelledError&) {
        cancelled = std::current_exception();
    }
    if (cancelled) {
        log.push_back("inner cancelled");
        co_await sleep(cleanup);
        log.push_back("inner cleaned up");
        std::rethrow_exception(cancelled);
    }
    co_return 1;
}

// ---- timeout() -------------------------------------------------------------------------------

TEST(Timeout, ReturnsTheValueWhenTheAwaitableFinishesInTime) {
    VirtualLoop v;
    auto body = []() -> Coro<int> { co_return co_await timeout(5s, after(1s, 42)); };
    EXPECT_EQ(v.loop.run_until_complete(body()), 42);
    EXPECT_EQ(v.elapsed(), 1s);
    v.loop.run_until_complete(v.loop.create_task(after(0s, 0)));
    EXPECT_EQ(v.loop.timer_count(), 0u);  // the deadline's timer was cancelled
}

TEST(Timeout, RaisesTimeoutErrorExactlyAtTheDeadline) {
    VirtualLoop v;
    auto body = []() -> Coro<std::string> {
        co_return co_await outcome(timeout(2s, after(1h, 1)));
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "TimeoutError");
    EXPECT_EQ(v.elapsed(), 2s);
}

TEST(Timeout, RunsACoroInTheCurrentTaskWithoutANewOne) {
    VirtualLoop v;
    TaskBase* inside = nullptr;
    auto inner = [&]() -> Coro<int> {
        inside = current_task();
        co_return 1;
    };
    auto body = [&]() -> Coro<int> { co_return co_await timeout(1s, inner()); };
    Task<int> t = v.loop.create_task(body());
    v.loop.run_until_complete(t);
    EXPECT_EQ(inside, &t.base());
}

TEST(Timeout, TimeoutAtTakesAnAbsoluteDeadline) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::string> {
        co_await sleep(1s);
        co_return co_await outcome(timeout_at(TimePoint{} + 3s, after(1h, 1)));
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "TimeoutError");
    EXPECT_EQ(v.elapsed(), 3s);
}

TEST(Timeout, ADeadlineAlreadyPastStillTimesOut) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::string> {
        co_await sleep(5s);
        co_return co_await outcome(timeout_at(TimePoint{} + 1s, after(1h, 1)));
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "TimeoutError");
    EXPECT_EQ(v.elapsed(), 5s);
}

TEST(Timeout, AnExceptionInsidePropagatesUnchanged) {
    VirtualLoop v;
    auto failing = []() -> Coro<int> {
        co_await sleep(1s);
        throw std::runtime_error("inner failure");
    };
    auto body = [&]() -> Coro<std::string> { co_return co_await outcome(timeout(5s, failing())); };
    EXPECT_EQ(v.loop.run_until_complete(body()), "inner failure");
}

TEST(Timeout, TheTaskIsNotLeftCancelledAfterATimeout) {
    VirtualLoop v;
    auto body = [&]() -> Coro<int> {
        std::string first = co_await outcome(timeout(1s, after(1h, 1)));
        EXPECT_EQ(first, "TimeoutError");
        EXPECT_EQ(current_task()->cancelling(), 0);
        co_await sleep(1s);  // awaiting works normally afterwards
        co_return 7;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 7);
    EXPECT_EQ(v.elapsed(), 2s);
}

TEST(Timeout, AnOuterCancelWhileInsideStaysCancelledError) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::string> {
        co_return co_await outcome(timeout(1h, after(2h, 1)));
    };
    Task<std::string> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_EQ(v.loop.run_until_complete(t), "CancelledError");
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(Timeout, AnOuterCancelArrivingTogetherWithTheDeadlineStaysCancelledError) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::string> {
        co_return co_await outcome(timeout(2s, after(1h, 1)));
    };
    Task<std::string> t = v.loop.create_task(body());
    // Scheduled after the scope's deadline timer, for the same instant: both requests land
    // before the task resumes, and the outside one must win.
    v.loop.call_soon([&] { v.loop.call_at(TimePoint{} + 2s, [&] { t.cancel(); }); });
    EXPECT_EQ(v.loop.run_until_complete(t), "CancelledError");
}

TEST(Timeout, NestedScopesWhereTheInnerExpiresFirst) {
    VirtualLoop v;
    auto inner_scope = [&]() -> Coro<int> {
        std::string r = co_await outcome(timeout(1s, after(1h, 1)));
        EXPECT_EQ(r, "TimeoutError");
        EXPECT_EQ(v.elapsed(), 1s);
        co_return co_await after(1s, 5);  // the outer scope still runs, and is not expired
    };
    auto body = [&]() -> Coro<std::string> {
        co_return co_await outcome(timeout(10s, inner_scope()));
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "5");
    EXPECT_EQ(v.elapsed(), 2s);
}

TEST(Timeout, NestedScopesWhereTheOuterExpiresFirst) {
    VirtualLoop v;
    std::string inner_saw;
    auto inner_scope = [&]() -> Coro<int> {
        try {
            co_return co_await timeout(10s, after(1h, 1));
        } catch (const TimeoutError&) {
            inner_saw = "TimeoutError";
            throw;
        } catch (const CancelledError&) {
            inner_saw = "CancelledError";  // not the inner scope's deadline: not converted
            throw;
        }
    };
    auto body = [&]() -> Coro<std::string> {
        co_return co_await outcome(timeout(1s, inner_scope()));
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "TimeoutError");
    EXPECT_EQ(inner_saw, "CancelledError");
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(Timeout, NestedScopesWithTheSameDeadlineTimeOutOnce) {
    VirtualLoop v;
    std::string inner_saw;
    auto inner_scope = [&]() -> Coro<int> {
        try {
            co_return co_await timeout(1s, after(1h, 1));
        } catch (const TimeoutError&) {
            inner_saw = "TimeoutError";
            throw;
        } catch (const CancelledError&) {
            inner_saw = "CancelledError";
            throw;
        }
    };
    auto body = [&]() -> Coro<std::string> {
        std::string r = co_await outcome(timeout(1s, inner_scope()));
        EXPECT_EQ(current_task()->cancelling(), 0);
        co_return r;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "TimeoutError");
    EXPECT_EQ(inner_saw, "CancelledError");  // the outer one, scheduled first, fired first
}

TEST(Timeout, AnInnerThatSwallowsTheCancellationGivesItsValue) {
    VirtualLoop v;
    auto stubborn = []() -> Coro<int> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            co_return -1;
        }
        co_return 1;
    };
    auto body = [&]() -> Coro<int> {
        int r = co_await timeout(1s, stubborn());
        EXPECT_EQ(current_task()->cancelling(), 0);
        co_return r;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), -1);
}

TEST(Timeout, AcceptsATaskOrAFuture) {
    VirtualLoop v;
    Future<int> never = v.loop.create_future<int>();
    auto body = [&]() -> Coro<std::string> {
        Task<int> t = v.loop.create_task(after(1s, 3));
        std::string a = co_await outcome(timeout(2s, t));
        std::string b = co_await outcome(timeout(2s, never));
        co_return a + "," + b;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "3,TimeoutError");
    EXPECT_TRUE(never.cancelled());  // the awaited future is what the cancellation hit
}

// ---- wait_for() ------------------------------------------------------------------------------

TEST(WaitFor, ReturnsTheResultWhenTheInnerCompletesInTime) {
    VirtualLoop v;
    auto body = []() -> Coro<int> { co_return co_await wait_for(after(1s, 9), 5s); };
    EXPECT_EQ(v.loop.run_until_complete(body()), 9);
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(WaitFor, RaisesTimeoutErrorOnlyAfterTheInnerTaskWasCancelledAndHasFinished) {
    VirtualLoop v;
    std::vector<std::string> log;
    Task<int> inner;
    auto body = [&]() -> Coro<void> {
        inner = v.loop.create_task(slow_with_cleanup(1h, 3s, log));
        try {
            co_await wait_for(inner, 2s);
        } catch (const TimeoutError&) {
            log.push_back("TimeoutError");
            EXPECT_TRUE(inner.done());
            EXPECT_TRUE(inner.cancelled());
            EXPECT_EQ(v.elapsed(), 5s);  // the deadline, plus the inner task's cleanup
        }
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(log,
              (std::vector<std::string>{"inner cancelled", "inner cleaned up", "TimeoutError"}));
}

TEST(WaitFor, ACoroBecomesATaskThatIsCancelledOnTimeout) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto body = [&]() -> Coro<std::string> {
        std::string r = co_await outcome(wait_for(slow_with_cleanup(1h, 1s, log), 2s));
        EXPECT_TRUE(v.loop.all_tasks().size() == 1u);  // only this one: the inner has finished
        co_return r;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "TimeoutError");
    EXPECT_EQ(log, (std::vector<std::string>{"inner cancelled", "inner cleaned up"}));
}

TEST(WaitFor, AnOuterCancellationIsCancelledErrorNotTimeoutError) {
    VirtualLoop v;
    std::vector<std::string> log;
    Task<int> inner;
    auto body = [&]() -> Coro<std::string> {
        inner = v.loop.create_task(slow_with_cleanup(1h, 1s, log));
        co_return co_await outcome(wait_for(inner, 10s));
    };
    Task<std::string> t = v.loop.create_task(body());
    v.loop.call_later(2s, [&] { t.cancel(); });
    EXPECT_EQ(v.loop.run_until_complete(t), "CancelledError");
    EXPECT_TRUE(inner.cancelled());
    EXPECT_EQ(log, (std::vector<std::string>{"inner cancelled", "inner cleaned up"}));
}

TEST(WaitFor, TheInnerExceptionPropagates) {
    VirtualLoop v;
    auto body = []() -> Coro<std::string> {
        co_return co_await outcome(wait_for(testing::fail_after(1s, "inner broke"), 5s));
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "inner broke");
}

TEST(WaitFor, AZeroTimeoutOnADoneFutureReturnsItsResult) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    f.set_result(4);
    auto body = [&]() -> Coro<int> { co_return co_await wait_for(f, 0s); };
    EXPECT_EQ(v.loop.run_until_complete(body()), 4);
}

TEST(WaitFor, AZeroTimeoutCancelsAPendingInnerAtOnce) {
    VirtualLoop v;
    bool inner_body_ran = false;
    auto inner = [&]() -> Coro<int> {
        inner_body_ran = true;
        co_return 1;
    };
    auto body = [&]() -> Coro<std::string> { co_return co_await outcome(wait_for(inner(), 0s)); };
    EXPECT_EQ(v.loop.run_until_complete(body()), "TimeoutError");
    EXPECT_FALSE(inner_body_ran);
}

TEST(WaitFor, AZeroTimeoutGivesTheValueOfAnInnerThatIgnoresTheCancellation) {
    // asyncio 3.12 (wait_for with timeout <= 0): cancel, wait, then `return fut.result()`;
    // only a cancelled inner becomes TimeoutError.
    VirtualLoop v;
    Task<int> inner;
    auto stubborn = []() -> Coro<int> {
        try {
            co_await sleep(1h);
        } catch (const CancelledError&) {
            co_return -1;
        }
        co_return 1;
    };
    auto body = [&]() -> Coro<std::string> {
        inner = v.loop.create_task(stubborn());
        co_await sleep(0s);  // let it start, so that it can catch the cancellation
        co_return co_await outcome(wait_for(inner, 0s));
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "-1");
}

TEST(WaitFor, AnOuterCancellationDuringAZeroTimeoutIsCancelledErrorNotTimeoutError) {
    VirtualLoop v;
    std::vector<std::string> log;
    Task<int> inner;
    auto body = [&]() -> Coro<std::string> {
        inner = v.loop.create_task(slow_with_cleanup(1h, 5s, log));
        co_await sleep(0s);  // let it start: it then takes 5 s to clean up when cancelled
        co_return co_await outcome(wait_for(inner, 0s));
    };
    Task<std::string> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_EQ(v.loop.run_until_complete(t), "CancelledError");
}

}  // namespace
}  // namespace looplab
