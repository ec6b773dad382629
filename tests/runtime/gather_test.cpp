// tests/runtime/gather_test.cpp: gather(), asyncio's rules for running things together.
//
// Results in argument order; the first failure fails the gather while the siblings keep
// running; return_exceptions collects failures as results; a cancelled child makes the gather
// raise CancelledError; cancelling the gather cancels its children (gather.hpp).
#include "runtime/gather.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::after;
using testing::fail_after;
using testing::holds;
using testing::VirtualLoop;

Coro<void> nothing_after(Duration d) {
    co_await sleep(d);
}

TEST(Gather, ResultsComeInArgumentOrderNotCompletionOrder) {
    VirtualLoop v;
    auto body = []() -> Coro<std::tuple<int, std::string, int>> {
        co_return co_await gather(after(3s, 1), after(1s, std::string("two")), after(2s, 3));
    };
    auto [a, b, c] = v.loop.run_until_complete(body());
    EXPECT_EQ(a, 1);
    EXPECT_EQ(b, "two");
    EXPECT_EQ(c, 3);
    EXPECT_EQ(v.elapsed(), 3s);  // concurrently: the longest, not the sum
}

// asyncio starts gather's children in argument order. The children here record when they
// start; with the futures made through make_shared's arguments, g++ started them 3, 2, 1.
TEST(Gather, ChildrenStartInArgumentOrder) {
    VirtualLoop v;
    std::vector<int> started;
    auto child = [&started](int n) -> Coro<void> {
        started.push_back(n);
        co_return;
    };
    auto body = [&]() -> Coro<void> {
        co_await gather(child(1), child(2), child(3));
        co_await gather(return_exceptions, child(4), child(5), child(6));
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(started, (std::vector<int>{1, 2, 3, 4, 5, 6}));
}

TEST(Gather, VoidChildrenGiveMonostate) {
    VirtualLoop v;
    auto body = []() -> Coro<int> {
        auto [nothing, n] = co_await gather(nothing_after(1s), after(1s, 5));
        static_assert(std::is_same_v<decltype(nothing), std::monostate>);
        co_return n;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 5);
}

TEST(Gather, AcceptsTasksFuturesAndCorosTogether) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    v.loop.call_later(2s, [&] { f.set_result(2); });
    auto body = [&]() -> Coro<int> {
        Task<int> t = v.loop.create_task(after(1s, 1));
        auto [x, y, z] = co_await gather(t, f, after(3s, 3));
        co_return x * 100 + y * 10 + z;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 123);
}

TEST(Gather, OverARangeGivesAVectorInTheRangesOrder) {
    VirtualLoop v;
    auto body = []() -> Coro<std::vector<int>> {
        std::vector<Coro<int>> coros;
        for (int i = 0; i < 5; ++i) coros.push_back(after((5 - i) * 1s, i));
        co_return co_await gather(std::move(coros));
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), (std::vector<int>{0, 1, 2, 3, 4}));
    EXPECT_EQ(v.elapsed(), 5s);
}

TEST(Gather, AnEmptyGatherCompletesAtOnceWithNothing) {
    VirtualLoop v;
    auto body = []() -> Coro<std::size_t> {
        std::tuple<> none = co_await gather();
        (void)none;
        std::vector<int> empty = co_await gather(std::vector<Coro<int>>{});
        co_return empty.size();
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 0u);
    EXPECT_EQ(v.elapsed(), Duration::zero());
}

TEST(Gather, ARangeOfTenThousandChildren) {
    VirtualLoop v;
    auto body = []() -> Coro<long> {
        std::vector<Coro<int>> coros;
        coros.reserve(10'000);
        for (int i = 0; i < 10'000; ++i) coros.push_back(after((i % 100) * 1ms, i));
        std::vector<int> results = co_await gather(std::move(coros));
        long sum = 0;
        for (std::size_t i = 0; i < results.size(); ++i) {
            EXPECT_EQ(results[i], static_cast<int>(i));
            sum += results[i];
        }
        co_return sum;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 10'000L * 9'999 / 2);
    EXPECT_TRUE(v.loop.all_tasks().empty());
}

TEST(Gather, TheFirstExceptionPropagatesWhileSiblingsKeepRunning) {
    VirtualLoop v;
    Task<int> sibling;
    auto body = [&]() -> Coro<std::string> {
        sibling = v.loop.create_task(after(5s, 1));
        try {
            co_await gather(fail_after(1s, "first"), fail_after(2s, "second"), sibling);
        } catch (const std::runtime_error& e) {
            EXPECT_EQ(v.elapsed(), 1s);  // raised at the first failure, not at the end
            co_return e.what();
        }
        co_return "no exception";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "first");
    EXPECT_FALSE(sibling.done());
    EXPECT_EQ(v.loop.run_until_complete(sibling), 1);  // not cancelled: it ran to the end
    EXPECT_EQ(v.elapsed(), 5s);
}

TEST(Gather, LaterFailuresOfSiblingsAreNotReportedAsNeverRetrieved) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> {
        try {
            co_await gather(fail_after(1s, "first"), fail_after(2s, "second"));
        } catch (const std::runtime_error&) {
        }
        co_await sleep(5s);  // let the second one fail too
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(v.log.size(), 0u);  // asyncio marks them retrieved too
}

TEST(Gather, ReturnExceptionsCollectsValuesAndErrorsInOrder) {
    VirtualLoop v;
    auto body = []() -> Coro<void> {
        auto [a, b, c] =
            co_await gather(return_exceptions, after(3s, 1), fail_after(1s, "bad"), after(2s, 3));
        EXPECT_TRUE(a.ok());
        EXPECT_EQ(a.value(), 1);
        EXPECT_FALSE(b.ok());
        EXPECT_EQ(describe(b.error()), "bad");
        EXPECT_EQ(c.value(), 3);
    };
    v.loop.run_until_complete(body());
    EXPECT_EQ(v.elapsed(), 3s);  // waited for every child
}

TEST(Gather, ReturnExceptionsOverARange) {
    VirtualLoop v;
    auto body = []() -> Coro<void> {
        std::vector<Coro<int>> coros;
        coros.push_back(after(1s, 10));
        coros.push_back(fail_after(2s, "x"));
        std::vector<Outcome<int>> out = co_await gather(return_exceptions, std::move(coros));
        EXPECT_EQ(out.size(), 2u);
        EXPECT_EQ(out[0].value(), 10);
        EXPECT_FALSE(out[1].ok());
    };
    v.loop.run_until_complete(body());
}

TEST(Gather, ACancelledChildMakesTheGatherRaiseCancelledError) {
    VirtualLoop v;
    Task<int> a;
    Task<int> b;
    auto body = [&]() -> Coro<std::string> {
        a = v.loop.create_task(after(1h, 1));
        b = v.loop.create_task(after(5s, 2));
        v.loop.call_later(1s, [&] { a.cancel(); });
        try {
            co_await gather(a, b);
        } catch (const CancelledError&) {
            co_return "CancelledError";
        }
        co_return "no exception";
    };
    Task<std::string> t = v.loop.create_task(body());
    EXPECT_EQ(v.loop.run_until_complete(t), "CancelledError");
    EXPECT_EQ(v.elapsed(), 1s);
    EXPECT_FALSE(b.done());  // the sibling was not cancelled
    EXPECT_EQ(v.loop.run_until_complete(b), 2);
}

TEST(Gather, WithReturnExceptionsACancelledChildIsAnOutcomeHoldingCancelledError) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> {
        Task<int> a = v.loop.create_task(after(1h, 1));
        v.loop.call_later(1s, [&, a]() mutable { a.cancel(); });
        auto [ra, rb] = co_await gather(return_exceptions, a, after(2s, 2));
        EXPECT_TRUE(holds<CancelledError>(ra.error()));
        EXPECT_EQ(rb.value(), 2);
    };
    v.loop.run_until_complete(body());
}

TEST(Gather, CancellingTheGatherCancelsEveryChildNotDone) {
    VirtualLoop v;
    Task<int> done_child;
    Task<int> a;
    Task<int> b;
    auto body = [&]() -> Coro<std::string> {
        done_child = v.loop.create_task(after(1s, 0));
        a = v.loop.create_task(after(1h, 1));
        b = v.loop.create_task(after(2h, 2));
        Future<std::tuple<int, int, int>> g = gather(done_child, a, b);
        v.loop.call_later(2s, [g]() mutable { EXPECT_TRUE(g.cancel()); });
        try {
            co_await g;
        } catch (const CancelledError&) {
            co_return "CancelledError";
        }
        co_return "no exception";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "CancelledError");
    EXPECT_EQ(done_child.result(), 0);
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(b.cancelled());
    EXPECT_EQ(v.elapsed(), 2s);
}

TEST(Gather, CancellingTheGatherWithReturnExceptionsStillRaisesCancelledError) {
    // asyncio issue 32684: a cancelled gather must propagate the cancellation whatever
    // return_exceptions says.
    VirtualLoop v;
    Task<int> a;
    auto body = [&]() -> Coro<std::string> {
        a = v.loop.create_task(after(1h, 1));
        auto g = gather(return_exceptions, a, after(1h, 2));
        v.loop.call_later(1s, [g]() mutable { g.cancel(); });
        try {
            co_await g;
        } catch (const CancelledError&) {
            co_return "CancelledError";
        }
        co_return "no exception";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "CancelledError");
    EXPECT_TRUE(a.cancelled());
}

TEST(Gather, CancellingAnOuterGatherCancelsTheChildrenOfAnInnerOne) {
    VirtualLoop v;
    Task<int> a;
    Task<int> b;
    Task<int> c;
    auto body = [&]() -> Coro<void> {
        a = v.loop.create_task(after(1h, 1));
        b = v.loop.create_task(after(1h, 2));
        c = v.loop.create_task(after(1h, 3));
        co_await gather(gather(a, b), c);
    };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(b.cancelled());
    EXPECT_TRUE(c.cancelled());
}

TEST(Gather, CancellingTheAwaitingTaskCancelsTheChildren) {
    VirtualLoop v;
    Task<int> a;
    Task<int> b;
    auto body = [&]() -> Coro<void> {
        a = v.loop.create_task(after(1h, 1));
        b = v.loop.create_task(after(1h, 2));
        co_await gather(a, b);
    };
    Task<void> t = v.loop.create_task(body());
    v.loop.call_later(1s, [&] { t.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(t), CancelledError);
    EXPECT_TRUE(t.cancelled());
    EXPECT_TRUE(a.cancelled());
    EXPECT_TRUE(b.cancelled());
}

TEST(Gather, CancelOnAFinishedGatherReturnsFalse) {
    VirtualLoop v;
    auto body = []() -> Coro<bool> {
        auto g = gather(after(1s, 1));
        co_await g;
        co_return g.cancel();
    };
    EXPECT_FALSE(v.loop.run_until_complete(body()));
}

TEST(Gather, CancelWhenEveryChildIsAlreadyDoneReturnsFalse) {
    VirtualLoop v;
    auto body = [&]() -> Coro<int> {
        Task<int> t = v.loop.create_task(after(1s, 4));
        co_await t;
        auto g = gather(t);  // its done callback is queued, not yet run
        EXPECT_FALSE(g.cancel());
        auto [x] = co_await g;
        co_return x;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 4);
}

}  // namespace
}  // namespace looplab
