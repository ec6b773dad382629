// tests/runtime/task_dump_test.cpp: dump_tasks(loop, out) names every live task, its state, where
// it was made and what it awaits; in debug mode SIGUSR1 prints it from the loop's thread.
#include "runtime/observe/task_dump.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/loop_fixture.hpp"

namespace looplab {
namespace {

using testing::ReportLog;

Coro<int> wait_for(Future<int> f) {
    co_return co_await f;
}

Coro<int> wait_for_task(Task<int> t) {
    co_return co_await t;
}

const TaskSnapshot* find(const std::vector<TaskSnapshot>& tasks, const std::string& name) {
    for (const TaskSnapshot& t : tasks)
        if (t.name == name) return &t;
    return nullptr;
}

TEST(TaskDump, NamesATaskBlockedOnAFuture) {
    EventLoop loop;
    Future<int> never = loop.create_future<int>();
    const unsigned line = __LINE__ + 1;
    Task<int> blocked = loop.create_task(wait_for(never), "blocked");
    loop.run_once();  // its first step: now it waits on `never`

    std::ostringstream out;
    dump_tasks(loop, out);
    const std::string dump = out.str();
    EXPECT_NE(dump.find("1 live task"), std::string::npos) << dump;
    EXPECT_NE(dump.find("Task 'blocked'  waiting"), std::string::npos) << dump;
    EXPECT_NE(dump.find("task_dump_test.cpp:" + std::to_string(line)), std::string::npos) << dump;
    EXPECT_NE(dump.find("awaits a Future nobody labelled (loop.create_future)"), std::string::npos)
        << dump;

    never.set_result(1);
    EXPECT_EQ(loop.run_until_complete(Future<int>(blocked)), 1);
    std::ostringstream after;
    dump_tasks(loop, after);
    EXPECT_NE(after.str().find("0 live tasks"), std::string::npos) << after.str();
    EXPECT_EQ(after.str().find("blocked"), std::string::npos) << after.str();
}

TEST(TaskDump, TellsRunningScheduledAndWaitingApart) {
    EventLoop loop;
    Future<int> never = loop.create_future<int>();
    Task<int> child = loop.create_task(wait_for(never), "child");
    Task<int> parent = loop.create_task(wait_for_task(child), "parent");
    loop.run_once();  // both take their first step: child waits on a future, parent on child
    Task<int> fresh = loop.create_task(wait_for(never), "fresh");  // not stepped yet

    std::vector<TaskSnapshot> seen_from_inside;
    auto look = [&]() -> Coro<> {
        seen_from_inside = snapshot_tasks(loop);
        co_return;
    };
    loop.create_task(look(), "looker");
    loop.run_once();  // fresh's first step and looker's only step

    ASSERT_EQ(seen_from_inside.size(), 4u);
    EXPECT_EQ(seen_from_inside[0].name, "child");  // oldest first
    const TaskSnapshot* c = find(seen_from_inside, "child");
    const TaskSnapshot* p = find(seen_from_inside, "parent");
    const TaskSnapshot* l = find(seen_from_inside, "looker");
    ASSERT_TRUE(c && p && l);
    EXPECT_EQ(c->state, TaskState::waiting);
    EXPECT_EQ(c->awaits, "a Future nobody labelled (loop.create_future)");
    EXPECT_EQ(p->state, TaskState::waiting);
    EXPECT_EQ(p->awaits, "Task 'child'");
    EXPECT_EQ(l->state, TaskState::running);

    // A task whose step is queued but has not run is "scheduled".
    Task<int> queued = loop.create_task(wait_for(never), "queued");
    const std::vector<TaskSnapshot> now = snapshot_tasks(loop);
    const TaskSnapshot* q = find(now, "queued");
    ASSERT_TRUE(q);
    EXPECT_EQ(q->state, TaskState::scheduled);
    EXPECT_TRUE(q->awaits.empty());
    EXPECT_EQ(find(now, "looker"), nullptr);  // done: gone from the dump

    for (Task<int>* t : {&child, &parent, &fresh, &queued}) t->cancel();
    auto all_done = [&]() -> Coro<> {
        while (!(child.done() && parent.done() && fresh.done() && queued.done())) {
            co_await sleep(Duration::zero());
        }
    };
    loop.run_until_complete(all_done());
    EXPECT_TRUE(snapshot_tasks(loop).empty());
}

Coro<void> nap(Duration d) {
    co_await sleep(d);
}

TEST(TaskDump, SaysWhatEachTaskAwaitsInItsMakersWordsNeverTheBareTypeName) {
    ManualClock clock(/*auto_advance=*/false);
    EventLoopOptions options;
    options.clock = &clock;
    EventLoop loop(options);
    Task<void> napper = loop.create_task(nap(std::chrono::milliseconds(100)), "napper");
    loop.run_once();
    clock.advance(std::chrono::milliseconds(58));
    std::ostringstream out;
    dump_tasks(loop, out);
    EXPECT_NE(out.str().find("Task 'napper'  waiting"), std::string::npos) << out.str();
    EXPECT_NE(out.str().find(", awaits sleep 100 ms (due in 42 ms)"), std::string::npos)
        << out.str();
    EXPECT_EQ(out.str().find("awaits Future"), std::string::npos) << out.str();
    clock.set_auto_advance(true);
    loop.run_until_complete(Future<void>(napper));
}

TEST(TaskDump, Sigusr1InDebugModePrintsTheDumpFromTheLoop) {
    EventLoop loop;
    loop.set_debug(true);
    ReportLog log(loop);  // debug mode reports the stuck task; keep it off stderr
    Future<int> never = loop.create_future<int>();
    Task<int> stuck = loop.create_task(wait_for(never), "stuck-on-purpose");
    loop.run_once();

    // From another thread: the signal (the loop is, or will be, blocked in the selector with
    // nothing to wake it but the signal), then a callback that stops the loop one iteration
    // later. The iteration after the signal prints the dump, before that stop can run.
    std::thread other([&loop] {
        ::kill(::getpid(), SIGUSR1);
        loop.call_soon_threadsafe([&loop] { loop.call_soon([&loop] { loop.stop(); }); });
    });
    ::testing::internal::CaptureStderr();
    loop.run_forever();
    const std::string printed = ::testing::internal::GetCapturedStderr();
    other.join();
    EXPECT_NE(printed.find("Task 'stuck-on-purpose'  waiting"), std::string::npos) << printed;
    EXPECT_NE(printed.find("awaits a Future nobody labelled"), std::string::npos) << printed;

    stuck.cancel();
    loop.run_once();
}

}  // namespace
}  // namespace looplab
