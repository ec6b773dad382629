// tests/runtime/wait_test.cpp: wait(), which reports what is done and never cancels.
//
// FIRST_COMPLETED / FIRST_EXCEPTION / ALL_COMPLETED, and a timeout after which the pending
// futures are returned untouched (wait.hpp).
#include "runtime/wait.hpp"

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
using testing::fail_after;
using testing::VirtualLoop;

// Three tasks: 1 s -> 1, 2 s -> 2, 3 s -> 3.
std::vector<Task<int>> one_two_three(EventLoop& loop) {
    return {loop.create_task(after(1s, 1)), loop.create_task(after(2s, 2)),
            loop.create_task(after(3s, 3))};
}

TEST(Wait, AllCompletedWaitsForEveryFuture) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> {
        auto [done, pending] = co_await wait(one_two_three(v.loop));
        EXPECT_EQ(done.size(), 3u);
        EXPECT_TRUE(pending.empty());
        EXPECT_EQ(v.elapsed(), 3s);
    };
    v.loop.run_until_complete(body());
}

TEST(Wait, FirstCompletedReturnsAfterTheFirstOneAndCancelsNothing) {
    VirtualLoop v;
    std::vector<Task<int>> tasks = one_two_three(v.loop);
    auto body = [&]() -> Coro<void> {
        auto [done, pending] = co_await wait(tasks, FIRST_COMPLETED);
        EXPECT_EQ(v.elapsed(), 1s);
        EXPECT_EQ(done.size(), 1u);
        EXPECT_EQ(done[0].result(), 1);
        EXPECT_EQ(pending.size(), 2u);
        for (auto& p : pending) EXPECT_FALSE(p.done());
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(v.loop.run_until_complete(tasks[2]), 3);  // still running, not cancelled
}

TEST(Wait, FirstExceptionReturnsAtTheFirstFailure) {
    VirtualLoop v;
    std::vector<Task<int>> tasks{v.loop.create_task(after(1s, 1)),
                                 v.loop.create_task(fail_after(2s, "bad")),
                                 v.loop.create_task(after(3s, 3))};
    auto body = [&]() -> Coro<void> {
        auto [done, pending] = co_await wait(tasks, FIRST_EXCEPTION);
        EXPECT_EQ(v.elapsed(), 2s);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_EQ(pending.size(), 1u);
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(describe(tasks[1].exception()), "bad");
    EXPECT_FALSE(tasks[2].done());
    EXPECT_EQ(v.loop.run_until_complete(tasks[2]), 3);
}

TEST(Wait, FirstExceptionWithoutAFailureWaitsForEveryFuture) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> {
        auto [done, pending] = co_await wait(one_two_three(v.loop), FIRST_EXCEPTION);
        EXPECT_EQ(done.size(), 3u);
        EXPECT_EQ(v.elapsed(), 3s);
    };
    v.loop.run_until_complete(body());
}

TEST(Wait, FirstExceptionDoesNotCountACancellationAsAFailure) {
    VirtualLoop v;
    std::vector<Task<int>> tasks = one_two_three(v.loop);
    v.loop.call_soon([&] { tasks[0].cancel(); });
    auto body = [&]() -> Coro<void> {
        auto [done, pending] = co_await wait(tasks, FIRST_EXCEPTION);
        EXPECT_EQ(done.size(), 3u);
        EXPECT_EQ(v.elapsed(), 3s);
    };
    v.loop.run_until_complete(body());
}

TEST(Wait, NeverRaisesTheFuturesExceptions) {
    VirtualLoop v;
    std::vector<Task<int>> tasks{v.loop.create_task(fail_after(1s, "a")),
                                 v.loop.create_task(fail_after(2s, "b"))};
    auto body = [&]() -> Coro<std::size_t> {
        auto [done, pending] = co_await wait(tasks);
        co_return done.size();
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 2u);
    EXPECT_EQ(describe(tasks[0].exception()), "a");
    EXPECT_EQ(describe(tasks[1].exception()), "b");
}

TEST(Wait, ATimeoutReturnsWhatIsDoneAndCancelsNothing) {
    VirtualLoop v;
    std::vector<Task<int>> tasks = one_two_three(v.loop);
    auto body = [&]() -> Coro<void> {
        auto [done, pending] = co_await wait(tasks, ALL_COMPLETED, 2500ms);
        EXPECT_EQ(v.elapsed(), 2500ms);
        EXPECT_EQ(done.size(), 2u);
        EXPECT_EQ(pending.size(), 1u);
        for (auto& p : pending) EXPECT_FALSE(p.done());
    };
    v.loop.run_until_complete(body());
    EXPECT_FALSE(tasks[2].cancelled());
    EXPECT_EQ(v.loop.run_until_complete(tasks[2]), 3);
}

TEST(Wait, ATimeoutThatDoesNotExpireLeavesNoTimerBehind) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> {
        auto [done, pending] = co_await wait(one_two_three(v.loop), ALL_COMPLETED, 1h);
        EXPECT_EQ(done.size(), 3u);
        EXPECT_EQ(v.elapsed(), 3s);
    };
    v.loop.run_until_complete(body());
    v.loop.run_until_complete(v.loop.create_task(after(0s, 0)));
    EXPECT_EQ(v.loop.timer_count(), 0u);
}

TEST(Wait, FuturesAlreadyDoneAreReportedDone) {
    VirtualLoop v;
    Future<int> ready = v.loop.create_future<int>();
    ready.set_result(1);
    Future<int> never = v.loop.create_future<int>();
    auto body = [&]() -> Coro<void> {
        std::vector<Future<int>> futures{ready, never};
        auto [done, pending] = co_await wait(std::move(futures), FIRST_COMPLETED);
        EXPECT_EQ(done.size(), 1u);
        EXPECT_EQ(pending.size(), 1u);
        EXPECT_EQ(v.elapsed(), Duration::zero());
    };
    v.loop.run_until_complete(body());
}

TEST(Wait, AnEmptySetIsAnError) {
    VirtualLoop v;
    auto body = []() -> Coro<void> { co_await wait(std::vector<Future<int>>{}); };
    EXPECT_THROW(v.loop.run_until_complete(body()), std::invalid_argument);
}

TEST(Wait, CancellingTheWaiterCancelsNoneOfTheFutures) {
    VirtualLoop v;
    std::vector<Task<int>> tasks = one_two_three(v.loop);
    auto body = [&]() -> Coro<void> { co_await wait(tasks); };
    Task<void> waiter = v.loop.create_task(body());
    v.loop.call_later(1500ms, [&] { waiter.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(waiter), CancelledError);
    EXPECT_FALSE(tasks[1].done());
    EXPECT_EQ(v.loop.run_until_complete(tasks[2]), 3);
}

TEST(Wait, AllCompletedDoesNotMarkAFailureAsRetrieved) {
    // asyncio only looks at a future's exception for FIRST_EXCEPTION; waiting is not
    // handling, so a failure nobody looks at must still be reported.
    VirtualLoop v;
    {
        std::vector<Task<int>> tasks{v.loop.create_task(fail_after(1s, "ignored"))};
        auto body = [&]() -> Coro<void> { co_await wait(tasks); };
        v.loop.run_until_complete(body());
    }
    EXPECT_EQ(v.log.count("exception was never retrieved"), 1u);
}

TEST(Wait, AWaitWithATimeoutAbandonedByLoopCloseLeavesNoCycleBehind) {
    // Closing the loop destroys the waiting task's frame without running wait()'s clean-up.
    // Whatever wait() shares with its timer must not then keep itself alive (the ASan build's
    // LeakSanitizer checks that; here, the loop at least reports the abandoned task).
    VirtualLoop v;
    Future<int> never = v.loop.create_future<int>();
    auto body = [&]() -> Coro<void> {
        std::vector<Future<int>> futures{never};
        co_await wait(std::move(futures), ALL_COMPLETED, 1h);
    };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { v.loop.stop(); });
    v.loop.run_forever();
    v.loop.close();
    EXPECT_TRUE(t.cancelled());
    EXPECT_EQ(v.log.count("Task was destroyed but it is pending"), 1u);
}

TEST(Wait, TheSameFutureCanBeWaitedOnManyTimes) {
    VirtualLoop v;
    Task<int> slow = v.loop.create_task(after(1h, 1));
    auto body = [&]() -> Coro<int> {
        int timeouts = 0;
        for (int i = 0; i < 100; ++i) {
            std::vector<Task<int>> just_slow{slow};
            auto [done, pending] = co_await wait(std::move(just_slow), ALL_COMPLETED, 1s);
            timeouts += done.empty();
        }
        co_return timeouts;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 100);
    EXPECT_EQ(v.loop.run_until_complete(slow), 1);
}

}  // namespace
}  // namespace looplab
