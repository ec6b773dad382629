// tests/runtime/context_test.cpp: ContextVar, Token, Context and where the loop switches them.
//
// PEP 567's rules as asyncio applies them: a task runs in a copy of its creator's context
// (isolation both ways), a callback in a copy of its scheduler's (or in a Context given to
// call_soon, where its changes stay), a done callback in its registerer's, and
// run_in_executor / to_thread / call_soon_threadsafe carry the caller's context across threads.
// Virtual time, except where a real thread is the point.
#include "runtime/context.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/gather.hpp"
#include "runtime/runner.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::VirtualLoop;

// ---- The variables themselves (outside any loop: the thread's root context) -------------------

TEST(ContextVar, GetWithNoValueAndNoDefaultThrowsLookupErrorNamingIt) {
    ContextVar<int> var("answer");
    try {
        (void)var.get();
        FAIL() << "no LookupError";
    } catch (const LookupError& e) {
        EXPECT_NE(std::string(e.what()).find("answer"), std::string::npos);
    }
    EXPECT_EQ(var.get(5), 5) << "get(fallback)";
}

TEST(ContextVar, TheDefaultIsWhatGetGivesUntilASet) {
    ContextVar<std::string> var("name", "-");
    EXPECT_EQ(var.get(), "-");
    Token<std::string> token = var.set("x");
    EXPECT_EQ(var.get(), "x");
    var.reset(token);
    EXPECT_EQ(var.get(), "-");
}

TEST(ContextVar, ResetPutsBackTheValueBeforeTheSetAndTheTokenSaysWhatItWas) {
    ContextVar<int> var("n");
    Token<int> first = var.set(1);
    EXPECT_FALSE(first.old_value().has_value()) << "Token.MISSING";
    Token<int> second = var.set(2);
    EXPECT_EQ(second.old_value(), 1);
    EXPECT_EQ(&second.var(), &var);
    var.reset(second);
    EXPECT_EQ(var.get(), 1);
    var.reset(first);
    EXPECT_THROW((void)var.get(), LookupError);
}

TEST(ContextVar, ATokenCanBeUsedOnlyOnce) {
    ContextVar<int> var("n");
    Token<int> token = var.set(1);
    var.reset(token);
    EXPECT_TRUE(token.used());
    EXPECT_THROW(var.reset(token), InvalidStateError);
}

TEST(ContextVar, ATokenOfAnotherVariableIsRefused) {
    ContextVar<int> a("a");
    ContextVar<int> b("b");
    Token<int> token = a.set(1);
    EXPECT_THROW(b.reset(token), std::invalid_argument);
    a.reset(token);
}

TEST(ContextVar, ATokenFromAnotherContextIsRefused) {
    ContextVar<int> var("n");
    Context other;
    Token<int> token = other.run([&] { return var.set(1); });
    EXPECT_THROW(var.reset(token), std::invalid_argument);
    other.run([&] { var.reset(token); });
    EXPECT_FALSE(other.contains(var));
}

// ---- Context ------------------------------------------------------------------------------

TEST(Context, RunKeepsItsChangesAndLeavesTheCallersContextAlone) {
    ContextVar<int> var("n", 0);
    Context ctx;
    ctx.run([&] { var.set(42); });
    EXPECT_EQ(var.get(), 0);
    EXPECT_EQ(ctx.get(var), 42);
    EXPECT_EQ(ctx.size(), 1u);
    EXPECT_EQ(ctx.run([&] { return var.get(); }), 42);
}

TEST(Context, ACopyHasTheSameValuesAndThenGoesItsOwnWay) {
    ContextVar<int> var("n");
    Context ctx;
    ctx.run([&] { var.set(1); });
    Context copy = ctx.copy();
    copy.run([&] { var.set(2); });
    EXPECT_EQ(ctx.get(var), 1);
    EXPECT_EQ(copy.get(var), 2);
}

TEST(Context, CopyContextSnapshotsTheCurrentOne) {
    ContextVar<int> var("n");
    Context outer;
    outer.run([&] {
        var.set(7);
        Context snapshot = copy_context();
        var.set(8);
        EXPECT_EQ(snapshot.get(var), 7);
    });
}

TEST(Context, EnteringAContextThatIsAlreadyEnteredThrows) {
    Context ctx;
    EXPECT_THROW(ctx.run([&] { ctx.run([] {}); }), InvalidStateError);
    EXPECT_NO_THROW(ctx.run([] {})) << "the failed entry left it usable";
}

TEST(Context, AVariableDestroyedAndAnotherMadeInItsPlaceAreNeverConfused) {
    Context ctx;
    {
        ContextVar<int> first("first");
        ctx.run([&] { first.set(1); });
    }
    ContextVar<int> second("second");
    EXPECT_FALSE(ctx.contains(second));
}

// ---- Tasks -----------------------------------------------------------------------------------

ContextVar<std::string> request_id("request_id", "none");

Coro<std::string> read_after(Duration d) {
    co_await sleep(d);
    co_return request_id.get();
}

TEST(ContextTask, ATaskSeesWhatItsCreatorHadSet) {
    VirtualLoop v;
    const std::string seen = v.loop.run_until_complete([]() -> Coro<std::string> {
        request_id.set("parent");
        Task<std::string> child = get_running_loop().create_task(read_after(1ms));
        co_return co_await child;
    }());
    EXPECT_EQ(seen, "parent");
    EXPECT_EQ(request_id.get(), "none") << "the main task's set stayed in the main task";
}

TEST(ContextTask, WhatAChildSetsNeverReachesItsParentOrItsSiblings) {
    VirtualLoop v;
    std::vector<std::string> seen;
    v.loop.run_until_complete([&]() -> Coro<void> {
        request_id.set("parent");
        auto child = [&](std::string id) -> Coro<void> {
            request_id.set(id);
            co_await sleep(1ms);  // the sibling runs and sets its own meanwhile
            seen.push_back(request_id.get());
        };
        co_await gather(child("a"), child("b"));
        seen.push_back(request_id.get());
    }());
    EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "parent"}));
}

TEST(ContextTask, CreateTaskWithAContextRunsTheTaskInItAndItsChangesStay) {
    VirtualLoop v;
    Context ctx;
    ctx.run([] { request_id.set("given"); });
    auto body = []() -> Coro<std::string> {
        std::string before = request_id.get();
        request_id.set("changed by the task");
        co_return before;
    };
    const std::string seen = v.loop.run_until_complete([&]() -> Coro<std::string> {
        Task<std::string> t = get_running_loop().create_task(body(), "in ctx", ctx);
        co_return co_await t;
    }());
    EXPECT_EQ(seen, "given");
    EXPECT_EQ(ctx.get(request_id), "changed by the task");
}

// ---- Callbacks -------------------------------------------------------------------------------

TEST(ContextCallback, CallSoonRunsTheCallbackInACopyOfTheSchedulersContext) {
    VirtualLoop v;
    std::vector<std::string> seen;
    v.loop.run_until_complete([&]() -> Coro<void> {
        request_id.set("scheduler");
        get_running_loop().call_soon([&] {
            seen.push_back(request_id.get());
            request_id.set("callback");  // a copy: the task never sees this
        });
        co_await sleep(0ms);
        co_await sleep(0ms);
        seen.push_back(request_id.get());
    }());
    EXPECT_EQ(seen, (std::vector<std::string>{"scheduler", "scheduler"}));
}

TEST(ContextCallback, ACallbackWithoutAContextNeverSeesWhatAnEarlierCallbackSet) {
    VirtualLoop v;
    std::vector<std::string> seen;
    v.loop.call_soon([&] { request_id.set("first"); });
    v.loop.call_soon([&] { seen.push_back(request_id.get()); });
    v.loop.call_soon([&] { v.loop.stop(); });
    v.loop.run_forever();
    EXPECT_EQ(seen, (std::vector<std::string>{"none"}));
}

TEST(ContextCallback, CallSoonWithAContextKeepsTheCallbacksChangesInIt) {
    VirtualLoop v;
    Context ctx;
    v.loop.call_soon([] { request_id.set("kept"); }, ctx);
    v.loop.call_later(1ms, [&] { v.loop.stop(); });
    v.loop.run_forever();
    EXPECT_EQ(ctx.get(request_id), "kept");
}

TEST(ContextCallback, CallLaterAndCallAtTakeAContextToo) {
    VirtualLoop v;
    Context ctx;
    ctx.run([] { request_id.set("timer context"); });
    std::vector<std::string> seen;
    v.loop.call_later(
        1ms, [&] { seen.push_back(request_id.get()); }, ctx);
    v.loop.call_at(
        v.loop.time() + 2ms, [&] { seen.push_back(request_id.get()); }, ctx);
    v.loop.call_later(3ms, [&] { v.loop.stop(); });
    v.loop.run_forever();
    EXPECT_EQ(seen, (std::vector<std::string>{"timer context", "timer context"}));
}

TEST(ContextCallback, ACallbackInAContextThatIsAlreadyEnteredIsReportedNotRun) {
    VirtualLoop v;
    Context ctx;
    bool ran = false;
    ctx.run([&] {
        v.loop.call_soon([&] { ran = true; }, ctx);
        v.loop.call_soon([&] { v.loop.stop(); });
        v.loop.run_forever();  // ctx is entered around this run
    });
    EXPECT_FALSE(ran);
    EXPECT_EQ(v.log.count("Exception in callback"), 1u);
}

TEST(ContextCallback, ADoneCallbackRunsInTheContextOfWhoeverAddedIt) {
    VirtualLoop v;
    std::string seen;
    v.loop.run_until_complete([&]() -> Coro<void> {
        Future<int> f = get_running_loop().create_future<int>();
        request_id.set("registrar");
        f.add_done_callback([&](Future<int>&) { seen = request_id.get(); });
        request_id.set("later");
        f.set_result(1);
        co_await sleep(1ms);
    }());
    EXPECT_EQ(seen, "registrar");
}

// ---- Threads ---------------------------------------------------------------------------------

TEST(ContextThreads, RunInExecutorCarriesTheContextIntoTheWorkerAndBringsNothingBack) {
    VirtualLoop v;
    std::vector<std::string> seen;
    v.loop.run_until_complete([&]() -> Coro<void> {
        request_id.set("caller");
        auto work = [] {
            std::string got = request_id.get();
            request_id.set("worker");  // stays with this one call
            return got;
        };
        seen.push_back(co_await get_running_loop().run_in_executor(nullptr, work));
        auto again = [] { return request_id.get(); };
        seen.push_back(co_await to_thread(again));
        seen.push_back(request_id.get());
    }());
    EXPECT_EQ(seen, (std::vector<std::string>{"caller", "caller", "caller"}));
}

TEST(ContextThreads, AWorkerThreadsOwnContextKeepsNothingOfACall) {
    VirtualLoop v;
    std::string second;
    v.loop.run_until_complete([&]() -> Coro<void> {
        auto set_it = [] { request_id.set("leaked?"); };
        co_await to_thread(set_it);
        auto read_it = [] { return request_id.get(); };
        second = co_await to_thread(read_it);  // the same single idle worker, likely
    }());
    EXPECT_EQ(second, "none");
}

TEST(ContextThreads, CallSoonThreadsafeRunsTheCallbackInThePostingThreadsContext) {
    EventLoop loop;
    std::string seen;
    std::thread poster([&] {
        request_id.set("poster thread");
        loop.call_soon_threadsafe([&] {
            seen = request_id.get();
            loop.stop();
        });
    });
    loop.run_forever();
    poster.join();
    EXPECT_EQ(seen, "poster thread");
    loop.close();
}

// ---- Runner -----------------------------------------------------------------------------------

TEST(ContextRunner, EveryRunOfOneRunnerSharesOneContext) {
    ManualClock clock;
    EventLoopOptions options;
    options.clock = &clock;
    Runner runner(options);
    runner.run([]() -> Coro<void> {
        request_id.set("first run");
        co_return;
    }());
    const std::string seen =
        runner.run([]() -> Coro<std::string> { co_return request_id.get(); }());
    EXPECT_EQ(seen, "first run");
    EXPECT_EQ(request_id.get(), "none") << "the Runner's context is a copy of this thread's";
    runner.close();
}

}  // namespace
}  // namespace looplab
