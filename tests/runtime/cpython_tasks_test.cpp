// tests/runtime/cpython_tasks_test.cpp: CPython's Lib/test/test_asyncio/test_tasks.py (and
// test_eager_task_factory.py for the 3.12 factories), ported behaviour by behaviour.
//
// Cancellation messages, tasks that catch or ignore a cancellation, a task cancelling itself,
// get_coro / get_stack / print_stack, run_coroutine_threadsafe from a real thread, and eager
// tasks. Virtual time, except run_coroutine_threadsafe, whose point is a second thread.
#include "runtime/task.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/executor/run_coroutine_threadsafe.hpp"
#include "runtime/gather.hpp"
#include "runtime/runner.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task_group.hpp"
#include "tests/runtime/support/loop_fixture.hpp"
#include "tests/runtime/support/virtual_time_runner.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::run_in_virtual_time;
using testing::VirtualLoop;
using testing::yield_to_others;

// ---- Cancellation -----------------------------------------------------------------------------

TEST(CpythonTasks, TheCancelMessageReachesTheCoroutineAndTheTasksResult) {
    run_in_virtual_time([]() -> Coro<void> {
        std::string seen_inside;
        auto sleeper = [&]() -> Coro<void> {
            try {
                co_await sleep(10s);
            } catch (const CancelledError& e) {
                seen_inside = e.message();
                throw;
            }
        };
        Task<void> task = get_running_loop().create_task(sleeper());
        co_await yield_to_others();
        task.cancel("my message");
        try {
            co_await task;
            ADD_FAILURE() << "no CancelledError";
        } catch (const CancelledError& e) {
            EXPECT_EQ(e.message(), "my message");
        }
        EXPECT_EQ(seen_inside, "my message");
        try {
            task.result();
        } catch (const CancelledError& e) {
            EXPECT_EQ(e.message(), "my message");
        }
    });
}

TEST(CpythonTasks, CancellingTheFutureATaskAwaitsCancelsTheTaskToo) {
    run_in_virtual_time([]() -> Coro<void> {
        Future<int> f = get_running_loop().create_future<int>();
        auto task_body = [&]() -> Coro<int> { co_return co_await f; };
        Task<int> task = get_running_loop().create_task(task_body());
        co_await yield_to_others();
        EXPECT_TRUE(f.cancel());
        EXPECT_THROW(co_await task, CancelledError);
        EXPECT_TRUE(f.cancelled());
        EXPECT_TRUE(task.cancelled());
    });
}

TEST(CpythonTasks, CancellingBothTheTaskAndItsFutureEndsTheTaskCancelled) {
    run_in_virtual_time([]() -> Coro<void> {
        Future<int> f = get_running_loop().create_future<int>();
        auto task_body = [&]() -> Coro<int> { co_return co_await f; };
        Task<int> task = get_running_loop().create_task(task_body());
        co_await yield_to_others();
        f.cancel();
        task.cancel();
        EXPECT_THROW(co_await task, CancelledError);
        EXPECT_TRUE(task.cancelled());
    });
}

TEST(CpythonTasks, ATaskThatCatchesItsCancellationAndReturnsEndsWithThatValue) {
    run_in_virtual_time([]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Future<void> fut1 = loop.create_future<void>();
        Future<void> fut2 = loop.create_future<void>();
        auto task_body = [&]() -> Coro<int> {
            co_await fut1;
            try {
                co_await fut2;
            } catch (const CancelledError&) {
                co_return 42;
            }
            co_return 0;
        };
        Task<int> task = loop.create_task(task_body());
        co_await yield_to_others();
        fut1.set_result();
        co_await yield_to_others();
        task.cancel();
        const int got = co_await task;
        EXPECT_EQ(got, 42);
        EXPECT_FALSE(task.cancelled());
        EXPECT_TRUE(fut2.cancelled());
    });
}

TEST(CpythonTasks, ATaskThatIgnoresItsCancellationAndAwaitsAgainEndsWithItsValue) {
    run_in_virtual_time([]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        Future<void> fut1 = loop.create_future<void>();
        Future<void> fut2 = loop.create_future<void>();
        Future<int> fut3 = loop.create_future<int>();
        auto task_body = [&]() -> Coro<int> {
            co_await fut1;
            try {
                co_await fut2;
            } catch (const CancelledError&) {
            }
            co_return co_await fut3;
        };
        Task<int> task = loop.create_task(task_body());
        co_await yield_to_others();
        fut1.set_result();
        co_await yield_to_others();
        task.cancel();
        co_await yield_to_others();
        EXPECT_FALSE(task.done());
        fut3.set_result(42);
        const int got = co_await task;
        EXPECT_EQ(got, 42);
        EXPECT_FALSE(task.cancelled());
    });
}

TEST(CpythonTasks, ATaskCancellingItselfIsCancelledAtItsNextAwait) {
    run_in_virtual_time([]() -> Coro<void> {
        bool reached = false;
        Task<int>* self = nullptr;
        auto task_body = [&]() -> Coro<int> {
            self->cancel();
            co_await sleep(100s);
            reached = true;
            co_return 12;
        };
        Task<int> task = get_running_loop().create_task(task_body());
        self = &task;
        EXPECT_THROW(co_await task, CancelledError);
        EXPECT_TRUE(task.cancelled());
        EXPECT_FALSE(reached);
    });
}

TEST(CpythonTasks, CancellingCountsTheRequestsAndUncancelTakesThemBackOneByOne) {
    run_in_virtual_time([]() -> Coro<void> {
        auto task_body = []() -> Coro<void> { co_await sleep(10s); };
        Task<void> task = get_running_loop().create_task(task_body());
        co_await yield_to_others();
        EXPECT_EQ(task.cancelling(), 0);
        task.cancel();
        task.cancel();
        EXPECT_EQ(task.cancelling(), 2);
        EXPECT_EQ(task.uncancel(), 1);
        EXPECT_THROW(co_await task, CancelledError);
    });
}

TEST(CpythonTasks, CurrentTaskOutsideATaskIsNull) {
    EXPECT_EQ(current_task(), nullptr);
    VirtualLoop v;
    bool none_in_callback = false;
    v.loop.call_soon([&] {
        none_in_callback = current_task() == nullptr;
        v.loop.stop();
    });
    v.loop.run_forever();
    EXPECT_TRUE(none_in_callback);
}

// ---- get_coro, get_stack, print_stack -----------------------------------------------------

Coro<void> innermost(Future<void>& gate) {
    co_await gate;
}
Coro<void> middle(Future<void>& gate) {
    co_await innermost(gate);
}
Coro<void> outermost(Future<void>& gate) {
    co_await middle(gate);
}

TEST(CpythonTasks, GetCoroIsTheTasksCoroutineUntilItFinishes) {
    VirtualLoop v;
    Future<void> gate = v.loop.create_future<void>();
    Task<void> task = v.loop.create_task(outermost(gate));
    EXPECT_TRUE(task.get_coro());
    gate.set_result();
    v.loop.run_until_complete(Future<void>(task));
    EXPECT_FALSE(task.get_coro()) << "looplab frees a finished task's frame (DIFFERENCE)";
}

TEST(CpythonTasks, GetStackListsTheAwaitingChainOutermostFirst) {
    VirtualLoop v;
    Future<void> gate = v.loop.create_future<void>();
    Task<void> task = v.loop.create_task(outermost(gate), "chain");
    v.loop.call_later(1ms, [&] { v.loop.stop(); });
    v.loop.run_forever();  // the task is now suspended three frames deep
    const std::vector<SourceLocation> stack = task.get_stack();
    ASSERT_EQ(stack.size(), 3u);
    EXPECT_STREQ(stack[0].function_name(), "outermost");
    EXPECT_STREQ(stack[1].function_name(), "middle");
    EXPECT_STREQ(stack[2].function_name(), "innermost");
    EXPECT_EQ(task.get_stack(1).size(), 1u) << "limit";
    gate.set_result();
    v.loop.run_until_complete(Future<void>(task));
    EXPECT_TRUE(task.get_stack().empty());
}

TEST(CpythonTasks, GetStackOfTheRunningTaskEndsAtTheFrameThatAsks) {
    run_in_virtual_time([]() -> Coro<void> {
        auto ask = []() -> Coro<std::size_t> { co_return current_task()->get_stack().size(); };
        const std::size_t depth = co_await ask();
        // with_watchdog's task: the test's coroutine, then `ask`.
        EXPECT_EQ(depth, 2u);
    });
}

TEST(CpythonTasks, PrintStackNamesTheTaskEachFrameAndTheFutureAwaited) {
    VirtualLoop v;
    Future<void> gate = v.loop.create_future<void>();
    Task<void> task = v.loop.create_task(outermost(gate), "printer");
    v.loop.call_later(1ms, [&] { v.loop.stop(); });
    v.loop.run_forever();
    std::ostringstream out;
    task.print_stack(out);
    const std::string text = out.str();
    EXPECT_NE(text.find("Stack for Task 'printer' (most recent call last):"), std::string::npos);
    EXPECT_NE(text.find("cpython_tasks_test.cpp\", in outermost"), std::string::npos);
    EXPECT_NE(text.find("in innermost"), std::string::npos);
    EXPECT_NE(text.find("awaits Future"), std::string::npos);
    EXPECT_LT(text.find("outermost"), text.find("innermost"));
    gate.set_result();
    v.loop.run_until_complete(Future<void>(task));
}

// ---- run_coroutine_threadsafe -----------------------------------------------------------------

// A loop running on a thread of its own, for the tests that call in from outside.
class LoopThread {
public:
    LoopThread() : thread_([this] { run(); }) {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [this] { return loop_ != nullptr; });
    }
    ~LoopThread() {
        loop_->call_soon_threadsafe([this] { loop_->stop(); });
        thread_.join();
    }
    EventLoop& loop() { return *loop_; }

private:
    void run() {
        EventLoop loop;
        {
            std::lock_guard lock(mutex_);
            loop_ = &loop;
        }
        ready_.notify_all();
        loop.run_forever();
        detail::finish_run(loop);  // as looplab::run ends: leftovers cancelled and finished
    }
    std::mutex mutex_;
    std::condition_variable ready_;
    EventLoop* loop_ = nullptr;
    std::thread thread_;
};

Coro<int> add(int a, int b, Duration delay) {
    co_await sleep(delay);
    co_return a + b;
}

TEST(CpythonTasks, RunCoroutineThreadsafeGivesTheCoroutinesResultToAnotherThread) {
    LoopThread loop;
    ConcurrentFuture<int> f = run_coroutine_threadsafe(add(1, 2, 1ms), loop.loop());
    EXPECT_EQ(f.result(std::chrono::seconds(10)), 3);
}

TEST(CpythonTasks, RunCoroutineThreadsafeGivesTheCoroutinesExceptionToAnotherThread) {
    LoopThread loop;
    auto fail = []() -> Coro<int> {
        co_await sleep(1ms);
        throw std::runtime_error("Fail!");
    };
    ConcurrentFuture<int> f = run_coroutine_threadsafe(fail(), loop.loop());
    try {
        (void)f.result(std::chrono::seconds(10));
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_STREQ(e.what(), "Fail!");
    }
}

TEST(CpythonTasks, RunCoroutineThreadsafeResultWithATimeoutThrowsTimeoutErrorWhileItRuns) {
    LoopThread loop;
    ConcurrentFuture<int> f = run_coroutine_threadsafe(add(1, 2, 2s), loop.loop());
    EXPECT_THROW((void)f.result(std::chrono::milliseconds(1)), TimeoutError);
    f.cancel();
}

// One round trip through the loop: everything posted before this has run (the inbox is FIFO).
void round_trip(EventLoop& loop) {
    ConcurrentFuture<int> probe = run_coroutine_threadsafe(add(0, 0, 0ms), loop);
    (void)probe.result(std::chrono::seconds(10));
}

TEST(CpythonTasks, CancellingTheConcurrentFutureCancelsTheTaskOnTheLoop) {
    LoopThread loop;
    std::atomic<bool> cancelled_inside{false};
    auto waits = [&]() -> Coro<int> {
        try {
            co_await sleep(60s);
        } catch (const CancelledError&) {
            cancelled_inside = true;
            throw;
        }
        co_return 0;
    };
    ConcurrentFuture<int> f = run_coroutine_threadsafe(waits(), loop.loop());
    round_trip(loop.loop());  // the task now waits in its 60 s sleep
    EXPECT_TRUE(f.cancel());
    EXPECT_THROW((void)f.result(std::chrono::seconds(10)), CancelledError);
    round_trip(loop.loop());  // the cancel, posted by f's done callback, has reached the task
    EXPECT_TRUE(cancelled_inside);
}

TEST(CpythonTasks, ATaskCancelledOnTheLoopCancelsTheConcurrentFuture) {
    LoopThread loop;
    auto cancels_itself = []() -> Coro<int> {
        current_task()->cancel();
        co_await sleep(1s);
        co_return 1;
    };
    ConcurrentFuture<int> f = run_coroutine_threadsafe(cancels_itself(), loop.loop());
    EXPECT_THROW((void)f.result(std::chrono::seconds(10)), CancelledError);
    EXPECT_TRUE(f.cancelled());
}

// ---- Task factories and eager tasks (3.12) -----------------------------------------------------

TEST(CpythonTasks, AnEagerTaskThatNeverSuspendsIsDoneWhenCreateTaskReturns) {
    VirtualLoop v;
    v.loop.set_task_factory(eager_task_factory);
    const std::vector<std::string> order =
        v.loop.run_until_complete([]() -> Coro<std::vector<std::string>> {
            std::vector<std::string> log;
            auto child = [&]() -> Coro<int> {
                log.push_back("child runs");
                co_return 5;
            };
            Task<int> t = get_running_loop().create_task(child());
            log.push_back("create_task returned");
            EXPECT_TRUE(t.done());
            EXPECT_EQ(t.result(), 5);
            co_return log;
        }());
    EXPECT_EQ(order, (std::vector<std::string>{"child runs", "create_task returned"}));
}

TEST(CpythonTasks, AnEagerTaskRunsUntilItsFirstSuspensionAsTheCurrentTaskThenTheCallerGoesOn) {
    VirtualLoop v;
    v.loop.set_task_factory(eager_task_factory);
    v.loop.run_until_complete([]() -> Coro<void> {
        TaskBase* caller = current_task();
        TaskBase* inside = nullptr;
        std::vector<std::string> log;
        auto child = [&]() -> Coro<void> {
            inside = current_task();
            log.push_back("child before sleep");
            co_await sleep(1ms);
            log.push_back("child after sleep");
        };
        Task<void> t = get_running_loop().create_task(child(), "eager");
        log.push_back("caller");
        EXPECT_EQ(current_task(), caller);
        EXPECT_EQ(inside, &t.base());
        EXPECT_FALSE(t.done());
        co_await t;
        EXPECT_EQ(log,
                  (std::vector<std::string>{"child before sleep", "caller", "child after sleep"}));
    }());
}

TEST(CpythonTasks, WithoutAFactoryTheFirstStepWaitsForTheNextIteration) {
    VirtualLoop v;
    EXPECT_FALSE(v.loop.get_task_factory());
    v.loop.run_until_complete([]() -> Coro<void> {
        bool ran = false;
        auto child = [&]() -> Coro<void> {
            ran = true;
            co_return;
        };
        Task<void> t = get_running_loop().create_task(child());
        EXPECT_FALSE(ran);
        co_await t;
        EXPECT_TRUE(ran);
    }());
}

TEST(CpythonTasks, ATaskFactorySeesEveryNewTaskAndMayRenameIt) {
    VirtualLoop v;
    std::vector<std::string> seen;
    v.loop.set_task_factory([&](EventLoop&, TaskBase& task) {
        seen.push_back(task.get_name());
        task.set_name("factory-" + task.get_name());
    });
    Task<int> t = v.loop.create_task(testing::after(1ms, 1), "mine");
    EXPECT_EQ(t.get_name(), "factory-mine");
    v.loop.run_until_complete(Future<int>(t));
    EXPECT_EQ(seen, (std::vector<std::string>{"mine"}));
    v.loop.set_task_factory(nullptr);
    EXPECT_FALSE(v.loop.get_task_factory());
}

TEST(CpythonTasks, AnEagerFactoryOnALoopThatIsNotRunningStartsTasksTheUsualWay) {
    VirtualLoop v;
    v.loop.set_task_factory(eager_task_factory);
    bool ran = false;
    auto child = [&]() -> Coro<void> {
        ran = true;
        co_return;
    };
    Task<void> t = v.loop.create_task(child());
    EXPECT_FALSE(ran) << "no running loop to run the first step in";
    v.loop.run_until_complete(Future<void>(t));
    EXPECT_TRUE(ran);
}

TEST(CpythonTasks, EagerTasksInATaskGroupStillJoinTheGroup) {
    VirtualLoop v;
    v.loop.set_task_factory(eager_task_factory);
    std::vector<int> done;
    // The children's lambdas outlive the body (their coroutines refer to them): declared here.
    auto quick = [&]() -> Coro<void> {
        done.push_back(1);
        co_return;
    };
    auto slow = [&]() -> Coro<void> {
        co_await sleep(1ms);
        done.push_back(2);
    };
    v.loop.run_until_complete([&]() -> Coro<void> {
        auto body = [&](TaskGroup& tg) -> Coro<void> {
            tg.create_task(quick());
            tg.create_task(slow());
            co_return;
        };
        co_await task_group(body);
    }());
    EXPECT_EQ(done, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace looplab
