// tests/runtime/wait_label_test.cpp: what a waiting task awaits, in the words its maker gave the
// future (runtime/label.hpp), as the task dump shows it: sleep, the primitives, the
// combinators, run_in_executor, and the fallback for a future nobody labelled.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "runtime/as_completed.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/executor/thread_pool_executor.hpp"
#include "runtime/gather.hpp"
#include "runtime/label.hpp"
#include "runtime/observe/task_dump.hpp"
#include "runtime/shield.hpp"
#include "runtime/sync/condition.hpp"
#include "runtime/sync/event.hpp"
#include "runtime/sync/lock.hpp"
#include "runtime/sync/queue.hpp"
#include "runtime/sync/semaphore.hpp"
#include "runtime/task_group.hpp"
#include "runtime/timeout.hpp"
#include "runtime/wait.hpp"
#include "support/loop_fixture.hpp"

namespace looplab {
namespace {

using testing::VirtualLoop;
using namespace std::chrono_literals;

// One iteration of the loop with it set as the running loop, as run_forever does: what the
// primitives and combinators look up (get_running_loop). A bare run_once() would leave that
// unset, and every Lock.acquire would fail with "no running event loop".
void iterate(EventLoop& loop) {
    loop.call_soon([&loop] { loop.stop(); });
    loop.run_forever();
}

// What the task named `name` awaits, as the dump says it ("" if it is not waiting).
std::string awaits(const EventLoop& loop, const std::string& name) {
    for (const TaskSnapshot& t : snapshot_tasks(loop)) {
        if (t.name == name) return t.awaits;
    }
    return "(no task '" + name + "')";
}

// Cancels every task and runs the loop until each is done (each cancellation queues a step).
void finish(EventLoop& loop, std::vector<Task<void>>& tasks) {
    for (Task<void>& t : tasks) t.cancel();
    auto pending = [&] {
        for (Task<void>& t : tasks)
            if (!t.done()) return true;
        return false;
    };
    while (pending()) iterate(loop);
}

Coro<void> never(Future<void> f) {
    co_await f;
}

TEST(WaitLabel, SleepSaysItsDurationAndWhenItIsDue) {
    VirtualLoop v(/*auto_advance=*/false);
    std::vector<Task<void>> tasks;
    tasks.push_back(v.loop.create_task([]() -> Coro<void> { co_await sleep(100ms); }(), "sleeper"));
    iterate(v.loop);
    EXPECT_EQ(awaits(v.loop, "sleeper"), "sleep 100 ms (due in 100 ms)");
    v.clock.advance(58ms);
    EXPECT_EQ(awaits(v.loop, "sleeper"), "sleep 100 ms (due in 42 ms)");
    finish(v.loop, tasks);
}

TEST(WaitLabel, LockWaitersSayTheirPlaceInLine) {
    VirtualLoop v(false);
    Lock lock;
    Future<void> forever = v.loop.create_future<void>();
    std::vector<Task<void>> tasks;
    tasks.push_back(v.loop.create_task(
        [](Lock& l, Future<void> f) -> Coro<void> {
            co_await l.acquire();
            co_await f;
        }(lock, forever),
        "holder"));
    for (const char* name : {"a", "b", "c"}) {
        tasks.push_back(v.loop.create_task(
            [](Lock& l) -> Coro<void> {
                co_await l.acquire();
                l.release();
            }(lock),
            name));
    }
    iterate(v.loop);
    EXPECT_EQ(awaits(v.loop, "holder"), "a Future nobody labelled (loop.create_future)");
    EXPECT_EQ(awaits(v.loop, "a"), "Lock.acquire (1st in line)");
    EXPECT_EQ(awaits(v.loop, "b"), "Lock.acquire (2nd in line)");
    EXPECT_EQ(awaits(v.loop, "c"), "Lock.acquire (3rd in line)");
    tasks[1].cancel();  // "a" leaves the line: everyone behind moves up
    iterate(v.loop);
    EXPECT_EQ(awaits(v.loop, "b"), "Lock.acquire (1st in line)");
    EXPECT_EQ(awaits(v.loop, "c"), "Lock.acquire (2nd in line)");
    finish(v.loop, tasks);
}

TEST(WaitLabel, QueueEventSemaphoreAndConditionNameTheirMethod) {
    VirtualLoop v(false);
    Queue<int> empty;
    Queue<int> full(1);
    full.put_nowait(1);
    Event event;
    Semaphore none(0);
    Condition condition;
    std::vector<Task<void>> tasks;
    tasks.push_back(v.loop.create_task(
        [](Queue<int>& q) -> Coro<void> { (void)co_await q.get(); }(empty), "getter"));
    tasks.push_back(
        v.loop.create_task([](Queue<int>& q) -> Coro<void> { co_await q.put(2); }(full), "putter"));
    for (const char* name : {"e1", "e2"}) {
        tasks.push_back(
            v.loop.create_task([](Event& e) -> Coro<void> { co_await e.wait(); }(event), name));
    }
    tasks.push_back(v.loop.create_task(
        [](Semaphore& s) -> Coro<void> { co_await s.acquire(); }(none), "acquirer"));
    tasks.push_back(v.loop.create_task(
        [](Condition& c) -> Coro<void> {
            co_await c.acquire();
            co_await c.wait();
            c.release();
        }(condition),
        "waiter"));
    iterate(v.loop);
    EXPECT_EQ(awaits(v.loop, "getter"), "Queue.get (1st in line)");
    EXPECT_EQ(awaits(v.loop, "putter"), "Queue.put (1st in line)");
    EXPECT_EQ(awaits(v.loop, "e1"), "Event.wait (2 tasks waiting)");
    EXPECT_EQ(awaits(v.loop, "acquirer"), "Semaphore.acquire (1st in line)");
    EXPECT_EQ(awaits(v.loop, "waiter"), "Condition.wait (1st in line)");
    finish(v.loop, tasks);
}

TEST(WaitLabel, AShieldAndAnAwaitedTaskNameTheTaskInside) {
    VirtualLoop v(false);
    Future<void> forever = v.loop.create_future<void>();
    std::vector<Task<void>> tasks;
    tasks.push_back(v.loop.create_task(never(forever), "inner"));
    tasks.push_back(v.loop.create_task(
        [](Task<void> inner) -> Coro<void> { co_await shield(inner); }(tasks[0]), "shielded"));
    tasks.push_back(v.loop.create_task(
        [](Task<void> inner) -> Coro<void> { co_await inner; }(tasks[0]), "awaiter"));
    iterate(v.loop);
    EXPECT_EQ(awaits(v.loop, "shielded"), "Task 'inner' inside shield");
    EXPECT_EQ(awaits(v.loop, "awaiter"), "Task 'inner'");
    finish(v.loop, tasks);
}

TEST(WaitLabel, ATaskGroupWaitsForItsTasksByName) {
    VirtualLoop v(false);
    Future<void> forever = v.loop.create_future<void>();
    std::vector<Task<void>> tasks;
    tasks.push_back(v.loop.create_task(
        [](Future<void> f) -> Coro<void> {
            // Named first: a lambda with captures inside co_await (CONTRIBUTING.md, g++ 12).
            auto body = [f](TaskGroup& tg) -> Coro<> {
                tg.create_task(never(f));
                co_return;
            };
            co_await task_group(body);
        }(forever),
        "grouper"));
    iterate(v.loop);
    iterate(v.loop);
    EXPECT_EQ(awaits(v.loop, "grouper"), "TaskGroup exit: its tasks finishing");
    finish(v.loop, tasks);
    while (!snapshot_tasks(v.loop).empty()) iterate(v.loop);
}

TEST(WaitLabel, RunInExecutorSaysWhetherTheCallIsQueuedOrRunning) {
    VirtualLoop v(false);
    ThreadPoolExecutor pool(1);
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> started{false};
    auto block = [released, &started] {
        started = true;
        released.wait();
    };
    std::vector<Task<void>> tasks;
    for (const char* name : {"first", "second"}) {
        tasks.push_back(v.loop.create_task(
            [](ThreadPoolExecutor& p, decltype(block) fn) -> Coro<void> {
                co_await get_running_loop().run_in_executor(&p, fn);
            }(pool, block),
            name));
    }
    iterate(v.loop);
    while (!started) std::this_thread::yield();
    EXPECT_EQ(awaits(v.loop, "first").rfind("run_in_executor (running, ", 0), 0u)
        << awaits(v.loop, "first");
    EXPECT_EQ(awaits(v.loop, "second").rfind("run_in_executor (queued ", 0), 0u)
        << awaits(v.loop, "second");
    release.set_value();
    v.clock.set_auto_advance(true);
    for (Task<void>& t : tasks) v.loop.run_until_complete(Future<void>(t));
}

TEST(WaitLabel, DurationsAndOrdinalsReadAsAPersonWritesThem) {
    EXPECT_EQ(labels::duration_text(250us), "250 us");
    EXPECT_EQ(labels::duration_text(1500us), "1.5 ms");
    EXPECT_EQ(labels::duration_text(5ms), "5 ms");
    EXPECT_EQ(labels::duration_text(100ms), "100 ms");
    EXPECT_EQ(labels::duration_text(1514ms), "1514 ms");
    EXPECT_EQ(labels::duration_text(12300ms), "12.3 s");
    EXPECT_EQ(labels::ordinal(1), "1st");
    EXPECT_EQ(labels::ordinal(2), "2nd");
    EXPECT_EQ(labels::ordinal(3), "3rd");
    EXPECT_EQ(labels::ordinal(4), "4th");
    EXPECT_EQ(labels::ordinal(11), "11th");
    EXPECT_EQ(labels::ordinal(12), "12th");
    EXPECT_EQ(labels::ordinal(21), "21st");
    EXPECT_EQ(labels::ordinal(102), "102nd");
}

}  // namespace
}  // namespace looplab
