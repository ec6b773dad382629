// tests/runtime/cpython_waitfor_test.cpp: CPython's Lib/test/test_asyncio/test_waitfor.py,
// ported behaviour by behaviour to looplab's wait_for (runtime/timeout.hpp).
//
// Virtual time throughout. Behaviours the existing tests/runtime/timeout_test.cpp already
// covers (a zero timeout on a done future, an outer cancellation staying CancelledError) are not
// repeated; wait_for(x, None) is wait_for(x, Duration::max()) here
// (tests/runtime/deadline_test.cpp).
#include "runtime/timeout.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "runtime/wait.hpp"
#include "tests/runtime/support/virtual_time_runner.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::run_in_virtual_time;

TimePoint now() {
    return get_running_loop().time();
}

// Runs for `run_for` of loop time, swallowing every cancellation meanwhile (test_waitfor's
// SlowTask), then sets `exited`.
Coro<void> slow_task(Duration run_for, bool& exited) {
    const TimePoint exit_at = now() + run_for;
    while (now() < exit_at) {
        try {
            co_await sleep(exit_at - now());
        } catch (const CancelledError&) {
            // ignored on purpose (test_waitfor's SlowTask: `except CancelledError: pass`)
        }
    }
    exited = true;
}

// The second sleep(0) lets the inner task take its first step (see the next test for why).
TEST(CpythonWaitFor, CancellingTheWaitWaitsForAnInnerTaskThatIgnoresCancellation) {
    bool exited = false;
    run_in_virtual_time([&]() -> Coro<void> {
        Task<void> waiting =
            get_running_loop().create_task(wait_for(slow_task(200ms, exited), 400ms));
        co_await sleep(0ms);  // wait_for's first step: the inner task is made
        co_await sleep(0ms);  // the inner task's first step: it sleeps
        waiting.cancel();
        std::vector<Task<void>> one{waiting};
        co_await wait(one);
        EXPECT_TRUE(exited) << "wait_for returned before its inner task had finished";
    });
}

// DIFFERENCE (timeout.hpp, wait_for): asyncio 3.12 awaits a coroutine inline, so after one
// sleep(0) its body has begun and catches the cancellation; looplab's wait_for runs it as a task
// of its own (3.11's way), and a task cancelled before its first step never begins its body.
TEST(CpythonWaitFor, CancellingTheWaitBeforeTheInnerTaskStartedStopsItBeforeItsBodyRuns) {
    bool exited = false;
    bool waiting_cancelled = false;
    run_in_virtual_time([&]() -> Coro<void> {
        Task<void> waiting =
            get_running_loop().create_task(wait_for(slow_task(200ms, exited), 400ms));
        co_await sleep(0ms);  // wait_for's first step only: the inner task has not run yet
        waiting.cancel();
        std::vector<Task<void>> one{waiting};
        co_await wait(one);
        waiting_cancelled = waiting.cancelled();
    });
    EXPECT_FALSE(exited) << "the inner body never began";
    EXPECT_TRUE(waiting_cancelled);
}

TEST(CpythonWaitFor, ATimeoutWaitsForAnInnerTaskThatIgnoresCancellationBeforeRaising) {
    bool exited = false;
    run_in_virtual_time([&]() -> Coro<void> {
        try {
            co_await wait_for(slow_task(200ms, exited), 100ms);
        } catch (const TimeoutError&) {
        }
        EXPECT_TRUE(exited);
    });
}

TEST(CpythonWaitFor, AZeroTimeoutNeverStartsTheCoroutine) {
    run_in_virtual_time([]() -> Coro<void> {
        bool started = false;
        auto foo = [&]() -> Coro<void> {
            started = true;
            co_return;
        };
        const TimePoint t0 = now();
        EXPECT_THROW(co_await wait_for(foo(), 0ms), TimeoutError);
        EXPECT_FALSE(started);
        EXPECT_EQ(now(), t0);
    });
}

TEST(CpythonWaitFor, AZeroOrNegativeTimeoutCancelsARunningTaskAndItsCleanupRuns) {
    run_in_virtual_time([]() -> Coro<void> {
        for (const Duration timeout : {Duration(0ms), Duration(-1s)}) {
            bool running = false;
            Future<void> started = get_running_loop().create_future<void>();
            auto foo = [&]() -> Coro<int> {
                running = true;
                started.set_result();
                try {
                    co_await sleep(10s);
                } catch (...) {
                    running = false;
                    throw;
                }
                co_return 1;
            };
            Task<int> task = get_running_loop().create_task(foo());
            co_await started;
            const TimePoint t0 = now();
            EXPECT_THROW(co_await wait_for(task, timeout), TimeoutError);
            EXPECT_TRUE(task.cancelled());
            EXPECT_FALSE(running);
            EXPECT_EQ(now(), t0);
        }
    });
}

TEST(CpythonWaitFor, ATimeoutCancelsTheTaskAtTheDeadline) {
    run_in_virtual_time([]() -> Coro<void> {
        bool running = false;
        auto foo = [&]() -> Coro<int> {
            running = true;
            try {
                co_await sleep(10s);
            } catch (...) {
                running = false;
                throw;
            }
            co_return 1;
        };
        Task<int> task = get_running_loop().create_task(foo());
        const TimePoint t0 = now();
        EXPECT_THROW(co_await wait_for(task, 100ms), TimeoutError);
        EXPECT_EQ(now() - t0, 100ms);
        EXPECT_TRUE(task.cancelled());
        EXPECT_FALSE(running);
    });
}

TEST(CpythonWaitFor, AResultThatArrivesBeforeTheDeadlineIsReturned) {
    run_in_virtual_time([]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Future<std::string> fut = loop.create_future<std::string>();
        loop.call_later(100ms, [fut]() mutable { fut.set_result("ok"); });
        const std::string got = co_await wait_for(fut, 200ms);
        EXPECT_EQ(got, "ok");
    });
}

TEST(CpythonWaitFor, AnInnerThatCatchesTheCancellationAndReturnsGivesItsValue) {
    run_in_virtual_time([]() -> Coro<void> {
        auto inner = []() -> Coro<int> {
            EXPECT_THROW(co_await sleep(1s), CancelledError);
            co_return 1;
        };
        const int got = co_await wait_for(inner(), 10ms);
        EXPECT_EQ(got, 1);
    });
}

TEST(CpythonWaitFor, TheTimeoutErrorComesOnlyAfterTheInnersCleanupWithAnAwaitHasFinished) {
    run_in_virtual_time([]() -> Coro<void> {
        bool task_done = false;
        auto inner = [&]() -> Coro<void> {
            std::exception_ptr cancelled;
            try {
                co_await sleep(10s);
            } catch (const CancelledError&) {
                cancelled = std::current_exception();
            }
            if (cancelled) co_await sleep(1ms);  // cleanup that awaits
            task_done = true;
            if (cancelled) std::rethrow_exception(cancelled);
        };
        Task<void> inner_task = get_running_loop().create_task(inner());
        EXPECT_THROW(co_await wait_for(inner_task, 1ms), TimeoutError);
        EXPECT_TRUE(task_done);
    });
}

TEST(CpythonWaitFor, AZeroTimeoutAlsoWaitsForTheInnersCleanup) {
    run_in_virtual_time([]() -> Coro<void> {
        bool task_done = false;
        auto inner = [&]() -> Coro<void> {
            std::exception_ptr cancelled;
            try {
                co_await sleep(10s);
            } catch (const CancelledError&) {
                cancelled = std::current_exception();
            }
            if (cancelled) co_await sleep(1ms);
            task_done = true;
            if (cancelled) std::rethrow_exception(cancelled);
        };
        Task<void> inner_task = get_running_loop().create_task(inner());
        co_await sleep(1ms);
        EXPECT_THROW(co_await wait_for(inner_task, 0ms), TimeoutError);
        EXPECT_TRUE(task_done);
    });
}

TEST(CpythonWaitFor, AnExceptionRaisedByTheInnerWhileBeingCancelledIsRaisedInsteadOfTimeout) {
    run_in_virtual_time([]() -> Coro<void> {
        auto inner = []() -> Coro<void> {
            try {
                co_await sleep(200ms);
            } catch (...) {
            }
            throw std::logic_error("FooException");  // Python's `finally: raise FooException`
        };
        Task<void> inner_task = get_running_loop().create_task(inner());
        EXPECT_THROW(co_await wait_for(inner_task, 1ms), std::logic_error);
    });
}

TEST(CpythonWaitFor, AWaitCancelledBeforeItStartsLeavesTheInnerTaskRunningToItsEnd) {
    run_in_virtual_time([]() -> Coro<void> {
        // Holds up two cancellations (a coroutine cannot co_await in a handler: flags instead).
        auto inner = []() -> Coro<int> {
            bool first = false;
            bool second = false;
            try {
                co_await sleep(300ms);
            } catch (const CancelledError&) {
                first = true;
            }
            if (first) {
                try {
                    co_await sleep(300ms);
                } catch (const CancelledError&) {
                    second = true;
                }
            }
            if (second) co_await sleep(300ms);
            co_return 42;
        };
        EventLoop& loop = get_running_loop();
        Task<int> inner_task = loop.create_task(inner());
        Task<int> task = loop.create_task(wait_for(inner_task, 100ms));
        task.cancel();
        EXPECT_THROW(co_await task, CancelledError);
        const int got = co_await inner_task;
        EXPECT_EQ(got, 42);
    });
}

TEST(CpythonWaitFor, CancellingTheWaitCancelsTheInnerTaskWithADeadline) {
    run_in_virtual_time([]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto blocking = [&]() -> Coro<void> {
            Future<void> never = loop.create_future<void>();
            co_await never;
        };
        Task<void> task = loop.create_task(blocking());
        Task<void> waiting = loop.create_task(wait_for(task, 60s));
        loop.call_soon([waiting]() mutable { waiting.cancel(); });
        EXPECT_THROW(co_await waiting, CancelledError);
        EXPECT_TRUE(task.cancelled()) << "Python issue #23219";
    });
}

TEST(CpythonWaitFor, CancellingTheWaitCancelsTheInnerTaskWithoutADeadline) {
    run_in_virtual_time([]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        auto blocking = [&]() -> Coro<void> {
            Future<void> never = loop.create_future<void>();
            co_await never;
        };
        Task<void> task = loop.create_task(blocking());
        Task<void> waiting = loop.create_task(wait_for(task, Duration::max()));
        loop.call_soon([waiting]() mutable { waiting.cancel(); });
        EXPECT_THROW(co_await waiting, CancelledError);
        EXPECT_TRUE(task.cancelled());
    });
}

TEST(CpythonWaitFor, AnInnerThatSuppressesTheCancellationByReturningGivesItsValue) {
    run_in_virtual_time([]() -> Coro<void> {
        auto return_42 = []() -> Coro<int> {
            try {
                co_await sleep(10s);
            } catch (const CancelledError&) {
                co_return 42;
            }
            co_return 0;
        };
        const int got = co_await wait_for(return_42(), 100ms);
        EXPECT_EQ(got, 42);
    });
}

TEST(CpythonWaitFor, ACancelAfterAQuickWaitForIsNotLostPythonIssue86296) {
    run_in_virtual_time([]() -> Coro<void> {
        bool reached_end = false;
        auto inner = []() -> Coro<void> { co_return; };
        auto wait_for_coro = [&]() -> Coro<void> {
            co_await wait_for(inner(), 100s);
            co_await sleep(1s);
            reached_end = true;
        };
        Task<void> task = get_running_loop().create_task(wait_for_coro());
        co_await sleep(0ms);
        EXPECT_FALSE(task.done());
        task.cancel();
        EXPECT_THROW(co_await task, CancelledError);
        EXPECT_FALSE(reached_end);
    });
}

}  // namespace
}  // namespace looplab
