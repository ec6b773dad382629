// tests/runtime/task_test.cpp: Task<T>, a Future driven by a coroutine.
//
// Result and exception, when the first step runs, current_task / all_tasks, names, and the
// two things asyncio users trip over: a dropped task handle (looplab keeps the task running)
// and a failed task nobody awaited (reported through the exception handler). Cancellation
// has its own file, cancellation_test.cpp.
#include "runtime/task.hpp"

#include <gtest/gtest.h>

#include <memory>
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

Coro<int> add(int a, int b) {
    co_return a + b;
}

Coro<int> fails(std::string what) {
    co_await sleep(1s);
    throw std::runtime_error(what);
}

TEST(Task, ItsResultIsWhatTheCoroutineReturns) {
    VirtualLoop v;
    Task<int> t = v.loop.create_task(add(2, 3));
    EXPECT_EQ(v.loop.run_until_complete(t), 5);
    EXPECT_TRUE(t.done());
    EXPECT_FALSE(t.cancelled());
    EXPECT_EQ(t.result(), 5);
}

TEST(Task, ItsExceptionIsWhatEscapesTheCoroutine) {
    VirtualLoop v;
    Task<int> t = v.loop.create_task(fails("oops"));
    EXPECT_THROW(v.loop.run_until_complete(t), std::runtime_error);
    EXPECT_TRUE(t.done());
    EXPECT_FALSE(t.cancelled());
    EXPECT_EQ(describe(t.exception()), "oops");
}

TEST(Task, TheFirstStepRunsOnTheNextIterationNotInsideCreateTask) {
    VirtualLoop v;
    bool ran = false;
    auto body = [&]() -> Coro<void> {
        ran = true;
        co_return;
    };
    Task<void> t = v.loop.create_task(body());
    EXPECT_FALSE(ran);
    EXPECT_FALSE(t.done());
    EXPECT_EQ(v.loop.ready_count(), 1u);
    v.loop.run_until_complete(t);
    EXPECT_TRUE(ran);
}

TEST(Task, TasksInterleaveAtTheirAwaits) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto worker = [&](std::string name) -> Coro<void> {
        for (int i = 0; i < 3; ++i) {
            log.push_back(name + std::to_string(i));
            co_await sleep(0s);
        }
    };
    Task<void> a = v.loop.create_task(worker("a"));
    Task<void> b = v.loop.create_task(worker("b"));
    v.loop.run_until_complete(b);
    EXPECT_EQ(log, (std::vector<std::string>{"a0", "b0", "a1", "b1", "a2", "b2"}));
}

TEST(Task, AwaitingATaskGivesItsResult) {
    VirtualLoop v;
    auto parent = [&]() -> Coro<int> {
        Task<int> child = v.loop.create_task(after(2s, 40));
        co_return co_await child + 2;
    };
    EXPECT_EQ(v.loop.run_until_complete(parent()), 42);
    EXPECT_EQ(v.elapsed(), 2s);
}

TEST(Task, AwaitingAFailedTaskRethrowsItsException) {
    VirtualLoop v;
    auto parent = [&]() -> Coro<std::string> {
        Task<int> child = v.loop.create_task(fails("child failed"));
        try {
            co_await child;
        } catch (const std::runtime_error& e) {
            co_return e.what();
        }
        co_return "no exception";
    };
    EXPECT_EQ(v.loop.run_until_complete(parent()), "child failed");
    EXPECT_EQ(v.log.size(), 0u);  // awaiting it retrieved the exception
}

TEST(Task, ManyTasksCanAwaitTheSameTask) {
    VirtualLoop v;
    Task<int> shared = v.loop.create_task(after(1s, 7));
    auto waiter = [&]() -> Coro<int> { co_return co_await shared; };
    Task<int> a = v.loop.create_task(waiter());
    Task<int> b = v.loop.create_task(waiter());
    EXPECT_EQ(v.loop.run_until_complete(a), 7);
    EXPECT_EQ(v.loop.run_until_complete(b), 7);
}

TEST(Task, CurrentTaskIsTheTaskWhoseStepIsRunning) {
    VirtualLoop v;
    TaskBase* seen_before_await = nullptr;
    TaskBase* seen_after_await = nullptr;
    bool callback_saw_a_task = true;
    auto body = [&]() -> Coro<void> {
        seen_before_await = current_task();
        v.loop.call_soon([&] { callback_saw_a_task = current_task() != nullptr; });
        co_await sleep(1s);
        seen_after_await = current_task();
    };
    Task<void> t = v.loop.create_task(body());
    EXPECT_EQ(current_task(), nullptr);
    v.loop.run_until_complete(t);
    EXPECT_EQ(seen_before_await, &t.base());
    EXPECT_EQ(seen_after_await, &t.base());
    EXPECT_FALSE(callback_saw_a_task);  // a plain callback runs outside any task
    EXPECT_EQ(v.loop.current_task(), nullptr);
}

TEST(Task, AllTasksListsTheTasksNotDoneYet) {
    VirtualLoop v;
    Task<int> quick = v.loop.create_task(after(1s, 1));
    Task<int> slow = v.loop.create_task(after(5s, 2));
    std::vector<TaskBase*> all = v.loop.all_tasks();
    EXPECT_EQ(all.size(), 2u);
    v.loop.run_until_complete(quick);
    all = v.loop.all_tasks();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0], &slow.base());
    v.loop.run_until_complete(slow);
    EXPECT_TRUE(v.loop.all_tasks().empty());
}

TEST(Task, HasADefaultNameOrTheGivenOne) {
    VirtualLoop v;
    Task<int> unnamed = v.loop.create_task(add(1, 1));
    Task<int> named = v.loop.create_task(add(1, 1), "adder");
    EXPECT_EQ(unnamed.get_name().rfind("Task-", 0), 0u);
    EXPECT_EQ(named.get_name(), "adder");
    named.set_name("renamed");
    EXPECT_EQ(named.get_name(), "renamed");
    v.loop.run_until_complete(unnamed);
    v.loop.run_until_complete(named);
}

TEST(Task, KnowsWhereItWasCreated) {
    VirtualLoop v;
    const unsigned line = __LINE__ + 1;
    Task<int> t = v.loop.create_task(add(1, 1));
    EXPECT_EQ(t.base().created_at().line(), line);
    v.loop.run_until_complete(t);
}

TEST(Task, WaitingOnNamesTheFutureTheTaskIsSuspendedOn) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    auto body = [&]() -> Coro<int> { co_return co_await f; };
    Task<int> t = v.loop.create_task(body());
    v.loop.call_soon([&] {
        EXPECT_EQ(t.base().waiting_on(), f.state());
        f.set_result(1);
    });
    v.loop.run_until_complete(t);
    EXPECT_EQ(t.base().waiting_on(), nullptr);
}

TEST(Task, AFireAndForgetTaskStillRunsAfterItsHandleIsDropped) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto background = [&]() -> Coro<void> {
        co_await sleep(1s);
        log.push_back("first half");
        co_await sleep(1s);
        log.push_back("second half");
    };
    (void)v.loop.create_task(background());  // the handle is dropped at once
    v.loop.run_until_complete(v.loop.create_task(after(5s, 0)));
    EXPECT_EQ(log, (std::vector<std::string>{"first half", "second half"}));
}

TEST(Task, AFailedTaskNobodyAwaitedIsReportedByNameWhenItIsDestroyed) {
    VirtualLoop v;
    (void)v.loop.create_task(fails("unheard"), "orphan");
    v.loop.run_until_complete(v.loop.create_task(after(5s, 0)));
    ASSERT_EQ(v.log.size(), 1u);
    const testing::Report& r = v.log.reports()[0];
    EXPECT_NE(r.message.find("exception was never retrieved"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("orphan"), std::string::npos) << r.message;
    EXPECT_EQ(describe(r.exception), "unheard");
}

TEST(Task, AFailedTaskIsReportedOnlyWhenItsLastHandleGoes) {
    VirtualLoop v;
    {
        Task<int> t = v.loop.create_task(fails("kept"));
        v.loop.run_until_complete(v.loop.create_task(after(5s, 0)));
        EXPECT_TRUE(t.done());
        EXPECT_EQ(v.log.size(), 0u);  // someone may still look at it
    }
    EXPECT_EQ(v.log.count("exception was never retrieved"), 1u);
}

TEST(Task, AFailedTaskWhoseExceptionWasRetrievedIsNotReported) {
    VirtualLoop v;
    {
        Task<int> t = v.loop.create_task(fails("looked at"));
        v.loop.run_until_complete(v.loop.create_task(after(5s, 0)));
        EXPECT_TRUE(t.exception());
    }
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(Task, ACancelledTaskIsNotReported) {
    VirtualLoop v;
    {
        Task<int> t = v.loop.create_task(after(1h, 1));
        v.loop.call_later(1s, [&] { t.cancel(); });
        v.loop.run_until_complete(v.loop.create_task(after(5s, 0)));
        EXPECT_TRUE(t.cancelled());
    }
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(Task, TheCoroutineFrameIsFreedAsSoonAsTheTaskFinishes) {
    VirtualLoop v;
    auto token = std::make_shared<int>(0);
    auto body = [](std::shared_ptr<int> t) -> Coro<int> {
        co_await sleep(1s);
        co_return *t;
    };
    Task<int> t = v.loop.create_task(body(token));
    EXPECT_EQ(token.use_count(), 2);
    v.loop.run_until_complete(t);
    EXPECT_EQ(token.use_count(), 1);  // the handle keeps the result, not the frame
    EXPECT_EQ(t.result(), 0);
}

TEST(Task, AFinishedTaskLeavesNothingScheduled) {
    VirtualLoop v;
    Task<int> t = v.loop.create_task(after(1s, 1));
    v.loop.run_until_complete(t);
    EXPECT_EQ(v.loop.timer_count(), 0u);
    EXPECT_EQ(v.loop.ready_count(), 0u);
}

TEST(Task, ATaskCanCreateAndAwaitTasksOfItsOwn) {
    VirtualLoop v;
    auto fib = [&](auto& self, int n) -> Coro<int> {
        if (n < 2) co_return n;
        Task<int> a = v.loop.create_task(self(self, n - 1));
        Task<int> b = v.loop.create_task(self(self, n - 2));
        co_return co_await a + co_await b;
    };
    EXPECT_EQ(v.loop.run_until_complete(fib(fib, 12)), 144);
}

}  // namespace
}  // namespace looplab
