// tests/runtime/cancellation_root_test.cpp: a cancellation cannot be swallowed by accident.
//
// CancelledError derives from looplab::BaseException, not std::exception (errors.hpp says why):
// the catch-all `catch (const std::exception&)` of ordinary error handling lets it through, as
// Python 3.8's `except Exception:` does. Only `catch (...)` (Python's bare `except:`) catches it,
// and debug mode reports a task that did so and then finished normally.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <type_traits>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "runtime/timeout.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

// sleep(d) as a Coro: timeout() and Timeout::run take a Coro, Task or Future, and a Sleep is
// none of them (asyncio accepts any awaitable; a C++ awaitable has no common type).
Coro<void> nap(Duration d) {
    co_await sleep(d);
}

using namespace std::chrono_literals;
using testing::VirtualLoop;

static_assert(!std::is_base_of_v<std::exception, CancelledError>);
static_assert(std::is_base_of_v<BaseException, CancelledError>);

// The everyday error handler: log and go on.
Coro<std::string> careful_worker(bool& handled) {
    try {
        co_await sleep(10s);
    } catch (const std::exception&) {
        handled = true;
    }
    co_return "went on as if nothing happened";
}

TEST(CancellationRoot, CatchingStdExceptionDoesNotSwallowACancellation) {
    VirtualLoop v;
    bool handled = false;
    Task<std::string> task = v.loop.create_task(careful_worker(handled));
    v.loop.call_later(1ms, [&] { task.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(Future<std::string>(task)), CancelledError);
    EXPECT_FALSE(handled);
    EXPECT_TRUE(task.cancelled());
}

TEST(CancellationRoot, CatchingCancelledErrorOrEverythingStillCatchesIt) {
    VirtualLoop v;
    const std::string how = v.loop.run_until_complete([]() -> Coro<std::string> {
        std::string seen;
        current_task()->cancel();
        try {
            co_await sleep(1s);
        } catch (const BaseException& e) {
            seen = e.what();
        }
        current_task()->uncancel();
        co_return seen;
    }());
    EXPECT_EQ(how, "cancelled");
}

TEST(CancellationRoot, DescribeGivesACancelledErrorsTextWithItsMessage) {
    EXPECT_EQ(describe(std::make_exception_ptr(CancelledError("bye"))), "cancelled: bye");
    EXPECT_EQ(describe(std::make_exception_ptr(CancelledError())), "cancelled");
}

Coro<int> swallower() {
    try {
        co_await sleep(10s);
    } catch (...) {  // everything, cancellation included: the bug debug mode names
    }
    co_return 1;
}

TEST(CancellationRoot, DebugModeReportsATaskThatSwallowedItsCancellationAndFinishedNormally) {
    VirtualLoop v;
    v.loop.set_debug(true);
    Task<int> task = v.loop.create_task(swallower(), "swallower");
    v.loop.call_later(1ms, [&] { task.cancel(); });
    const int got = v.loop.run_until_complete(Future<int>(task));
    EXPECT_EQ(got, 1);
    ASSERT_EQ(v.log.count("was cancelled (1 request) but finished normally"), 1u);
    EXPECT_EQ(v.log.count("Task 'swallower'"), 1u);
}

TEST(CancellationRoot, DebugModeStaysSilentForATaskThatTookItsCancellationBack) {
    VirtualLoop v;
    v.loop.set_debug(true);
    auto handles_it = []() -> Coro<int> {
        try {
            co_await sleep(10s);
        } catch (const CancelledError&) {
            current_task()->uncancel();  // handled on purpose, and said so
        }
        co_return 2;
    };
    Task<int> task = v.loop.create_task(handles_it());
    v.loop.call_later(1ms, [&] { task.cancel(); });
    (void)v.loop.run_until_complete(Future<int>(task));
    EXPECT_EQ(v.log.count("finished normally"), 0u);
}

TEST(CancellationRoot, DebugModeStaysSilentForATimeoutThatConvertedItsOwnCancellation) {
    VirtualLoop v;
    v.loop.set_debug(true);
    auto times_out = []() -> Coro<int> {
        try {
            co_await timeout(1ms, nap(10s));
        } catch (const TimeoutError&) {
        }
        co_return 3;
    };
    (void)v.loop.run_until_complete(times_out());
    EXPECT_EQ(v.log.count("finished normally"), 0u);
}

TEST(CancellationRoot, WithoutDebugModeASwallowedCancellationIsNotReported) {
    VirtualLoop v;
    Task<int> task = v.loop.create_task(swallower());
    v.loop.call_later(1ms, [&] { task.cancel(); });
    (void)v.loop.run_until_complete(Future<int>(task));
    EXPECT_EQ(v.log.size(), 0u);
}

}  // namespace
}  // namespace looplab
