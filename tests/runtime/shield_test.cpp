// tests/runtime/shield_test.cpp: shield(), cancellation that stops at the awaiter.
//
// Cancelling the task that awaits a shield cancels only the outer future; the inner task runs
// to completion. The inner one cancelled by someone else cancels the outer too (shield.hpp).
#include "runtime/shield.hpp"

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

TEST(Shield, ReturnsTheInnerResultWhenNobodyCancels) {
    VirtualLoop v;
    auto body = []() -> Coro<int> { co_return co_await shield(after(1s, 5)); };
    EXPECT_EQ(v.loop.run_until_complete(body()), 5);
}

TEST(Shield, PassesTheInnerExceptionOn) {
    VirtualLoop v;
    auto body = []() -> Coro<void> { co_await shield(fail_after(1s, "inner failed")); };
    EXPECT_THROW(v.loop.run_until_complete(body()), std::runtime_error);
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(Shield, CancellingTheAwaiterLeavesTheInnerRunningToCompletion) {
    VirtualLoop v;
    Task<int> inner;
    std::vector<std::string> log;
    auto save = [&]() -> Coro<int> {
        co_await sleep(5s);
        log.push_back("saved");
        co_return 1;
    };
    auto body = [&]() -> Coro<void> {
        inner = v.loop.create_task(save());
        try {
            co_await shield(inner);
        } catch (const CancelledError&) {
            log.push_back("awaiter cancelled at " + std::to_string(v.elapsed() / 1s) + "s");
            throw;
        }
    };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_FALSE(inner.done());
    EXPECT_EQ(v.loop.run_until_complete(inner), 1);
    EXPECT_EQ(log, (std::vector<std::string>{"awaiter cancelled at 1s", "saved"}));
}

TEST(Shield, AShieldedCoroKeepsRunningAfterItsAwaiterIsCancelledAndItsHandleIsGone) {
    VirtualLoop v;
    bool finished = false;
    auto save = [&]() -> Coro<int> {
        co_await sleep(5s);
        finished = true;
        co_return 1;
    };
    auto body = [&]() -> Coro<void> { co_await shield(save()); };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_FALSE(finished);
    v.loop.run_until_complete(v.loop.create_task(after(10s, 0)));
    EXPECT_TRUE(finished);
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(Shield, TheInnerCancelledBySomeoneElseCancelsTheOuter) {
    VirtualLoop v;
    Task<int> inner;
    auto body = [&]() -> Coro<std::string> {
        inner = v.loop.create_task(after(1h, 1));
        Future<int> outer = shield(inner);
        v.loop.call_later(1s, [&] { inner.cancel(); });
        try {
            co_await outer;
        } catch (const CancelledError&) {
            EXPECT_TRUE(outer.cancelled());
            co_return "CancelledError";
        }
        co_return "no exception";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "CancelledError");
}

TEST(Shield, CancellingTheOuterFutureDirectlyDoesNotCancelTheInner) {
    VirtualLoop v;
    Task<int> inner = v.loop.create_task(after(2s, 3));
    auto body = [&]() -> Coro<void> {
        Future<int> outer = shield(inner);
        EXPECT_TRUE(outer.cancel());
        co_return;
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(v.loop.run_until_complete(inner), 3);
}

TEST(Shield, OfAnAlreadyDoneFutureIsThatFuture) {
    VirtualLoop v;
    Future<int> done = v.loop.create_future<int>();
    done.set_result(1);
    auto body = [&]() -> Coro<bool> { co_return shield(done).state() == done.state(); };
    EXPECT_TRUE(v.loop.run_until_complete(body()));
}

TEST(Shield, AnInnerFailureAfterTheAwaiterWasCancelledIsStillReported) {
    // asyncio removes its inner callback once the outer is cancelled: nobody handles a later
    // failure of the inner task, so it is reported as never retrieved.
    VirtualLoop v;
    auto body = [&]() -> Coro<void> { co_await shield(fail_after(5s, "after the cancel")); };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    v.loop.run_until_complete(v.loop.create_task(after(10s, 0)));
    EXPECT_EQ(v.log.count("exception was never retrieved"), 1u);
}

TEST(Shield, AnInnerSuccessAfterTheAwaiterWasCancelledIsNotReported) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> { co_await shield(after(5s, 1)); };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    v.loop.run_until_complete(v.loop.create_task(after(10s, 0)));
    EXPECT_EQ(v.log.size(), 0u);
}

}  // namespace
}  // namespace looplab
