// tests/runtime/cpython_timeouts_test.cpp: CPython's Lib/test/test_asyncio/test_timeouts.py,
// ported behaviour by behaviour to looplab's Timeout (runtime/timeout.hpp).
//
// Each test is one behaviour asyncio's suite checks, written anew for looplab on virtual time
// (a loop "busy" for 100 ms is a ManualClock advanced by hand inside a step). Where the suite
// checks repr() text, the port checks state_name(), which names the same states.
#include "runtime/timeout.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <stdexcept>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "tests/runtime/support/virtual_time_runner.hpp"

namespace looplab {
namespace {

// sleep(d) as a Coro: timeout() and Timeout::run take a Coro, Task or Future, and a Sleep is
// none of them (asyncio accepts any awaitable; a C++ awaitable has no common type).
Coro<void> nap(Duration d) {
    co_await sleep(d);
}

using namespace std::chrono_literals;
using testing::run_in_virtual_time;

TimePoint now() {
    return get_running_loop().time();
}

TEST(CpythonTimeouts, ASleepLongerThanTheTimeoutRaisesTimeoutErrorAndTheScopeIsExpired) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(10ms);
        EXPECT_THROW(co_await cm.run(nap(10s)), TimeoutError);
        EXPECT_TRUE(cm.expired());
        EXPECT_STREQ(cm.state_name(), "expired");
    });
}

TEST(CpythonTimeouts, TimeoutAtKeepsTheDeadlineItWasGiven) {
    run_in_virtual_time([]() -> Coro<void> {
        const TimePoint deadline = now() + 10ms;
        Timeout cm(deadline);
        EXPECT_THROW(co_await cm.run(nap(10s)), TimeoutError);
        EXPECT_TRUE(cm.expired());
        EXPECT_EQ(cm.when(), deadline);
    });
}

TEST(CpythonTimeouts, OfTwoNestedScopesWithOneDeadlineOnlyTheOuterRaisesTimeoutError) {
    run_in_virtual_time([]() -> Coro<void> {
        const TimePoint deadline = now() + 10ms;
        Timeout outer(deadline);
        Timeout inner(deadline);
        bool inner_saw_cancelled = false;
        auto body = [&]() -> Coro<void> {
            try {
                co_await inner.run(nap(10s));
            } catch (const CancelledError&) {
                inner_saw_cancelled = true;
                throw;
            }
        };
        EXPECT_THROW(co_await outer.run(body()), TimeoutError);
        EXPECT_TRUE(inner_saw_cancelled);
        EXPECT_TRUE(outer.expired());
        EXPECT_TRUE(inner.expired());
    });
}

TEST(CpythonTimeouts, TheAwaitInsideSeesCancelledErrorBeforeTheScopeRaisesTimeoutError) {
    run_in_virtual_time([]() -> Coro<void> {
        bool cancelled = false;
        auto body = [&]() -> Coro<void> {
            try {
                co_await sleep(10s);
            } catch (const CancelledError&) {
                cancelled = true;
                throw;
            }
        };
        EXPECT_THROW(co_await timeout(10ms, body()), TimeoutError);
        EXPECT_TRUE(cancelled);
    });
}

TEST(CpythonTimeouts, AScopeThatIsNotReachedIsNotExpiredAndItsDeadlineIsStillAhead) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(10s);
        co_await cm.run(nap(10ms));
        EXPECT_FALSE(cm.expired());
        EXPECT_GT(*cm.when(), now());
        EXPECT_STREQ(cm.state_name(), "finished");
    });
}

TEST(CpythonTimeouts, NoDeadlineMeansNoWhenAndNeverExpired) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(std::nullopt);
        co_await cm.run(nap(10ms));
        EXPECT_FALSE(cm.expired());
        EXPECT_FALSE(cm.when().has_value());
        Timeout at(std::nullopt);
        co_await at.run(nap(10ms));
        EXPECT_FALSE(at.expired());
    });
}

TEST(CpythonTimeouts, AZeroTimeoutExpiresAtTheFirstSuspensionWithADeadlineOfNow) {
    run_in_virtual_time([]() -> Coro<void> {
        const TimePoint t0 = now();
        Timeout cm = Timeout::after(0ms);
        EXPECT_THROW(co_await cm.run(nap(10s)), TimeoutError);
        EXPECT_TRUE(cm.expired());
        EXPECT_EQ(*cm.when(), t0);
        EXPECT_EQ(now(), t0) << "the sleep never ran its 10 s";
    });
}

// The rule behind it: a deadline already past acts through call_soon, before the task's next
// step, so even sleep(0) (which only yields one iteration) is interrupted.
TEST(CpythonTimeouts, AZeroTimeoutInterruptsEvenASleepOfZero) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(0ms);
        EXPECT_THROW(co_await cm.run(nap(0ms)), TimeoutError);
        EXPECT_TRUE(cm.expired());
    });
}

TEST(CpythonTimeouts, ADeadlineInThePastInterruptsASleepOfZeroAndKeepsItsPastWhen) {
    run_in_virtual_time([]() -> Coro<void> {
        const TimePoint t0 = now();
        Timeout cm = Timeout::after(-11s);
        EXPECT_THROW(co_await cm.run(nap(0ms)), TimeoutError);
        EXPECT_TRUE(cm.expired());
        EXPECT_LT(*cm.when(), t0);
    });
}

TEST(CpythonTimeouts, AnExceptionFromInsideGoesThroughUnchangedAndTheScopeIsNotExpired) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(10ms);
        auto body = []() -> Coro<void> {
            throw std::out_of_range("KeyError");
            co_return;
        };
        EXPECT_THROW(co_await cm.run(body()), std::out_of_range);
        EXPECT_FALSE(cm.expired());
    });
}

TEST(CpythonTimeouts, AnExceptionRaisedWhileCleaningUpAfterTheTimeoutWinsOverTimeoutError) {
    run_in_virtual_time([]() -> Coro<void> {
        auto crash = []() -> Coro<void> {
            std::exception_ptr cancelled;
            try {
                co_await sleep(1s);
            } catch (const CancelledError&) {
                cancelled = std::current_exception();
            }
            throw std::domain_error("ZeroDivisionError");  // Python's `finally: 1/0`
        };
        EXPECT_THROW(co_await timeout(10ms, crash()), std::domain_error);
    });
}

TEST(CpythonTimeouts, ACancelFromOutsideBeforeTheDeadlineStaysCancelledErrorAndIsNotExpiry) {
    bool cancelled = false;
    run_in_virtual_time([&]() -> Coro<void> {
        Timeout cm = Timeout::after(10s);
        auto body = []() -> Coro<void> {
            current_task()->cancel();
            co_await sleep(10s);
        };
        try {
            co_await cm.run(body());
        } catch (const CancelledError&) {
            cancelled = true;
        }
        EXPECT_FALSE(cm.expired());
        current_task()->uncancel();  // we caught it on purpose: take the request back
    });
    EXPECT_TRUE(cancelled);
}

TEST(CpythonTimeouts, ATaskThatCatchesItsTimeoutErrorEndsNormallyNotCancelled) {
    run_in_virtual_time([]() -> Coro<void> {
        auto outer = []() -> Coro<void> {
            EXPECT_THROW(co_await timeout(1ms, nap(10s)), TimeoutError);
        };
        Task<void> task = get_running_loop().create_task(outer());
        co_await task;
        EXPECT_TRUE(task.done());
        EXPECT_FALSE(task.cancelled());
    });
}

TEST(CpythonTimeouts, WhenBothDeadlinesPassWhileTheLoopIsBusyTheOuterScopeRaisesTimeoutError) {
    ManualClock owned;
    ManualClock* clock = &owned;
    EventLoopOptions options;
    options.clock = clock;
    bool inner_saw_cancelled = false;
    run(
        [&]() -> Coro<void> {
            const TimePoint t0 = now();
            auto body = [&]() -> Coro<void> {
                auto inner = [&]() -> Coro<void> {
                    clock->advance(100ms);  // time.sleep(0.1): the loop is stuck in this step
                    co_await sleep(1s);
                };
                try {
                    co_await timeout(10ms, inner());
                } catch (const CancelledError&) {
                    // Both deadlines fired in the same iteration: two requests, so the inner
                    // scope's uncancel() leaves one and it is not the inner's to convert.
                    inner_saw_cancelled = true;
                    throw;
                }
                co_await sleep(10s);  // never reached
            };
            EXPECT_THROW(co_await timeout(100ms, body()), TimeoutError);
            EXPECT_LE(now() - t0, 1s);
        }(),
        options);
    EXPECT_TRUE(inner_saw_cancelled);
}

TEST(CpythonTimeouts, RescheduleMovesTheDeadlineAndNoneRemovesIt) {
    run_in_virtual_time([]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Future<Timeout*> entered = loop.create_future<Timeout*>();
        const TimePoint deadline1 = now() + 10s;
        const TimePoint deadline2 = deadline1 + 20s;
        auto f = [&]() -> Coro<void> {
            Timeout cm(deadline1);
            auto body = [&]() -> Coro<void> {
                entered.set_result(&cm);
                co_await sleep(50s);
            };
            co_await cm.run(body());
        };
        Task<void> task = loop.create_task(f());
        Timeout* cm = co_await entered;
        EXPECT_EQ(cm->when(), deadline1);
        cm->reschedule(deadline2);
        EXPECT_EQ(cm->when(), deadline2);
        cm->reschedule(std::nullopt);
        EXPECT_FALSE(cm->when().has_value());
        EXPECT_FALSE(cm->expired());
        task.cancel();
        EXPECT_THROW(co_await task, CancelledError);
    });
}

TEST(CpythonTimeouts, RescheduleToADeadlineAlreadyPastExpiresTheScopeAtTheNextSuspension) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(10s);
        auto body = [&]() -> Coro<void> {
            cm.reschedule(now() - 1s);
            co_await sleep(0ms);
        };
        EXPECT_THROW(co_await cm.run(body()), TimeoutError);
        EXPECT_TRUE(cm.expired());
    });
}

TEST(CpythonTimeouts, TheStateNamesFollowTheScopesLife) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(10s);
        EXPECT_STREQ(cm.state_name(), "created");
        auto body = [&]() -> Coro<void> {
            EXPECT_STREQ(cm.state_name(), "active");
            co_return;
        };
        co_await cm.run(body());
        EXPECT_STREQ(cm.state_name(), "finished");
    });
}

TEST(CpythonTimeouts, ATimeoutInsideACleanupAfterATimeoutStillRaisesItsOwnTimeoutError) {
    run_in_virtual_time([]() -> Coro<void> {
        auto body = []() -> Coro<void> {
            std::exception_ptr cancelled;
            try {
                co_await sleep(1s);
            } catch (const CancelledError&) {
                cancelled = std::current_exception();
            }
            // Python's finally: a nested timeout of its own, which expires too.
            EXPECT_THROW(co_await timeout(10ms, nap(10s)), TimeoutError);
            if (cancelled) std::rethrow_exception(cancelled);
        };
        EXPECT_THROW(co_await timeout(10ms, body()), TimeoutError);
    });
}

TEST(CpythonTimeouts, AZeroTimeoutAfterASwallowedCancellationStillRaisesTimeoutError) {
    run_in_virtual_time([]() -> Coro<void> {
        try {
            current_task()->cancel();
            co_await sleep(1s);  // work which is cancelled
        } catch (const CancelledError&) {
        }
        // The request is still counted (cancelling() == 1): the scope compares against that.
        EXPECT_THROW(co_await timeout(0ms, nap(1s)), TimeoutError);
        current_task()->uncancel();
    });
}

TEST(CpythonTimeouts, ACancelInsideATimeoutAfterASwallowedCancellationStaysCancelledError) {
    run_in_virtual_time([]() -> Coro<void> {
        try {
            current_task()->cancel();
            co_await sleep(1s);
        } catch (const CancelledError&) {
        }
        auto body = []() -> Coro<void> {
            current_task()->cancel();
            co_await sleep(2s);
        };
        EXPECT_THROW(co_await timeout(1s, body()), CancelledError);
        current_task()->uncancel();
        current_task()->uncancel();
    });
}

TEST(CpythonTimeouts, RunningAScopeASecondTimeIsRefused) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(10ms);
        co_await cm.run(nap(0ms));
        try {
            co_await cm.run(nap(0ms));
            ADD_FAILURE() << "no InvalidStateError";
        } catch (const InvalidStateError& e) {
            EXPECT_NE(std::string(e.what()).find("has already been entered"), std::string::npos);
        }
    });
}

TEST(CpythonTimeouts, EnteringAScopeFromInsideItselfIsRefused) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(10ms);
        auto body = [&]() -> Coro<void> {
            EXPECT_THROW(co_await cm.run(nap(0ms)), InvalidStateError);
        };
        co_await cm.run(body());
    });
}

TEST(CpythonTimeouts, ReschedulingAFinishedScopeSaysItIsFinished) {
    run_in_virtual_time([]() -> Coro<void> {
        Timeout cm = Timeout::after(10ms);
        co_await cm.run(nap(0ms));
        try {
            cm.reschedule(now() + 20ms);
            ADD_FAILURE() << "no InvalidStateError";
        } catch (const InvalidStateError& e) {
            EXPECT_NE(std::string(e.what()).find("finished"), std::string::npos);
        }
    });
}

TEST(CpythonTimeouts, ReschedulingAScopeNeverEnteredSaysSo) {
    Timeout cm(TimePoint{} + 10ms);
    try {
        cm.reschedule(TimePoint{} + 20ms);
        FAIL() << "no InvalidStateError";
    } catch (const InvalidStateError& e) {
        EXPECT_NE(std::string(e.what()).find("has not been entered"), std::string::npos);
    }
}

}  // namespace
}  // namespace looplab
