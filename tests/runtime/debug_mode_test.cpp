// tests/runtime/debug_mode_test.cpp: what debug mode reports, and that it stays quiet otherwise.
//
// Reports are captured with the loop's exception handler (ReportLog). Timing: the one real
// delay is the deliberate 150 ms blocking step (and a 20 ms one against a lowered threshold);
// the report's duration is asserted as a lower bound, which the blocking call guarantees.
// Everything else runs on a virtual clock or on events the test controls.
#include "runtime/observe/debug.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/label.hpp"
#include "runtime/sleep.hpp"
#include "runtime/sync/lock.hpp"
#include "runtime/task.hpp"
#include "support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::Report;
using testing::ReportLog;
using testing::VirtualLoop;

// "file:line" for a line of this file, as the reports spell a creation site.
std::string here(int line) {
    return std::string(__FILE__) + ":" + std::to_string(line);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// The number in "... took 153 ms ...".
long reported_ms(const std::string& message) {
    const auto at = message.find("took ");
    return at == std::string::npos ? -1 : std::stol(message.substr(at + 5));
}

// A loop on the real clock, in debug mode, recording its reports.
struct DebugLoop {
    DebugLoop() { loop.set_debug(true); }
    ~DebugLoop() { loop.close(); }
    EventLoop loop;
    ReportLog log{loop};
};

// ---- Turning it on ------------------------------------------------------------------------

TEST(DebugMode, IsOffByDefaultAndOnWithSetDebugOrLooplabDebugEqualsOne) {
    ::unsetenv("LOOPLAB_DEBUG");
    EXPECT_FALSE(EventLoop().get_debug());
    ::setenv("LOOPLAB_DEBUG", "1", 1);
    EXPECT_TRUE(EventLoop().get_debug());
    ::setenv("LOOPLAB_DEBUG", "0", 1);
    EXPECT_FALSE(EventLoop().get_debug());
    ::setenv("LOOPLAB_DEBUG", "1", 1);
    EventLoopOptions off;
    off.debug = false;  // an explicit option wins over the environment
    EXPECT_FALSE(EventLoop(off).get_debug());
    ::unsetenv("LOOPLAB_DEBUG");
    EventLoop loop;
    loop.set_debug(true);
    EXPECT_TRUE(loop.get_debug());
}

// ---- Slow callbacks and steps -------------------------------------------------------------

Coro<void> block_the_loop_for(Duration d) {
    std::this_thread::sleep_for(d);  // the mistake debug mode is there to catch
    co_return;
}

TEST(DebugMode, ReportsA150MillisecondStepByTaskNameAndCreationSite) {
    DebugLoop d;
    const int line = __LINE__ + 1;
    Task<void> t = d.loop.create_task(block_the_loop_for(150ms), "blocker");
    d.loop.run_until_complete(Future<void>(t));

    ASSERT_EQ(d.log.size(), 1u);  // once, as the task: not a second time as its callback
    const Report& r = d.log.reports()[0];
    EXPECT_TRUE(contains(r.message, "Executing step of Task 'blocker' took")) << r.message;
    EXPECT_GE(reported_ms(r.message), 150);
    EXPECT_EQ(r.source, "created at " + here(line));
    EXPECT_EQ(r.exception, nullptr);
}

TEST(DebugMode, ReportsASlowCallbackBySchedulingSite) {
    DebugLoop d;
    d.loop.slow_callback_duration = 10ms;
    const int line = __LINE__ + 1;
    d.loop.call_soon([] { std::this_thread::sleep_for(20ms); });
    d.loop.run_once();

    ASSERT_EQ(d.log.size(), 1u);
    EXPECT_TRUE(contains(d.log.reports()[0].message, "Executing callback took"));
    EXPECT_GE(reported_ms(d.log.reports()[0].message), 20);
    EXPECT_EQ(d.log.reports()[0].source, "scheduled at " + here(line));
}

TEST(DebugMode, NamesASlowLabelledCallbackInWords) {
    DebugLoop d;
    d.loop.slow_callback_duration = 10ms;
    d.loop.call_soon([] { std::this_thread::sleep_for(20ms); })
        .set_label(labels::text("a slow callback"));
    d.loop.run_once();

    ASSERT_EQ(d.log.size(), 1u);
    EXPECT_TRUE(contains(d.log.reports()[0].message, "Executing callback (a slow callback) took"))
        << d.log.reports()[0].message;
}

TEST(DebugMode, ReportsALockWaitNothingCanEndInTheLocksWords) {
    EventLoop loop;
    loop.set_debug(true);
    std::vector<Report> reports;
    loop.set_exception_handler([&](EventLoop& l, const ExceptionContext& c) {
        reports.push_back({c.message, c.exception, c.source});
        l.stop();
    });
    Lock lock;
    Future<void> forever = loop.create_future<void>();
    Task<void> holder = loop.create_task(
        [](Lock& l, Future<void> f) -> Coro<void> {
            co_await l.acquire();
            co_await f;
        }(lock, forever),
        "holder");
    Task<void> waiter = loop.create_task(
        [](Lock& l) -> Coro<void> {
            co_await l.acquire();
            l.release();
        }(lock),
        "waiter");
    loop.run_forever();
    bool named = false;
    for (const Report& r : reports) {
        named = named || contains(r.message,
                                  "Task 'waiter' is waiting for Lock.acquire (1st in "
                                  "line), and nothing in the loop can complete it");
    }
    EXPECT_TRUE(named) << (reports.empty() ? "no report" : reports[0].message);
    holder.cancel();
    waiter.cancel();
    loop.set_exception_handler(nullptr);
    try {
        loop.run_until_complete(Future<void>(waiter));
    } catch (const CancelledError&) {
    }
    try {
        loop.run_until_complete(Future<void>(holder));
    } catch (const CancelledError&) {
    }
}

TEST(DebugMode, NamesASlowThreadsafeCallbackByWhereItWasPosted) {
    DebugLoop d;
    d.loop.slow_callback_duration = 10ms;
    int line = 0;
    std::thread poster([&] {
        line = __LINE__ + 1;
        d.loop.call_soon_threadsafe([] { std::this_thread::sleep_for(20ms); });
    });
    poster.join();
    d.loop.run_once();

    ASSERT_EQ(d.log.size(), 1u);
    EXPECT_EQ(d.log.reports()[0].source, "scheduled at " + here(line));
}

TEST(DebugMode, OffReportsNoSlowCallbackEvenWithAZeroThreshold) {
    EventLoop loop;
    loop.set_debug(false);
    ReportLog log(loop);
    loop.slow_callback_duration = Duration::zero();
    loop.call_soon([] {});
    loop.run_until_complete(loop.create_task(block_the_loop_for(1ms)));
    EXPECT_EQ(log.size(), 0u);
}

// ---- A well-behaved program ---------------------------------------------------------------

Coro<int> value_after(Duration d, int v) {
    co_await sleep(d);
    co_return v;
}

Coro<int> fails_after(Duration d) {
    co_await sleep(d);
    throw std::runtime_error("expected");
}

Coro<int> well_behaved(EventLoop& loop, ThreadPoolExecutor& pool) {
    int total = co_await value_after(1ms, 1);                          // a Coro, awaited
    total += co_await loop.create_task(value_after(2ms, 2));           // a Task, awaited
    (void)loop.create_task(value_after(3ms, 100), "fire-and-forget");  // value never read
    Future<int> f = loop.create_future<int>();
    loop.call_later(1ms, [f]() mutable { f.set_result(3); });
    total += co_await f;                                              // a Future, awaited
    total += co_await loop.run_in_executor(&pool, [] { return 4; });  // a thread
    try {
        co_await loop.create_task(fails_after(1ms));  // a failure, retrieved
    } catch (const std::runtime_error&) {
        total += 5;
    }
    for (int i = 0; i < 10; ++i) co_await sleep(Duration::zero());  // yielding a little
    co_await sleep(5ms);  // the fire-and-forget task finishes meanwhile
    co_return total;
}

TEST(DebugMode, StaysSilentForAWellBehavedProgram) {
    VirtualLoop v;
    v.loop.set_debug(true);
    // Steps here take microseconds. The threshold is raised so that a loaded machine
    // (sanitizers, two shared cores) preempting the test cannot make one look slow: this
    // test is about the other reports.
    v.loop.slow_callback_duration = 5s;
    ThreadPoolExecutor pool(1);
    EXPECT_EQ(v.loop.run_until_complete(well_behaved(v.loop, pool)), 15);
    for (const Report& r : v.log.reports()) ADD_FAILURE() << r.message << " (" << r.source << ")";
}

// ---- Wrong thread -------------------------------------------------------------------------

Coro<void> nothing() {
    co_return;
}

// Runs `call` on this thread and expects debug mode's wrong-thread error naming `method`.
void expect_wrong_thread(const std::string& method, const std::function<void()>& call) {
    try {
        call();
        ADD_FAILURE() << method << " from the wrong thread did not throw";
    } catch (const InvalidStateError& e) {
        EXPECT_TRUE(contains(e.what(), method + "() called from thread")) << e.what();
        EXPECT_TRUE(contains(e.what(), "call_soon_threadsafe")) << e.what();
    }
}

TEST(DebugMode, EveryNonThreadsafeMethodCalledFromAnotherThreadThrowsNamingIt) {
    EventLoop loop;
    loop.set_debug(true);
    ThreadPoolExecutor pool(1);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::latch running(1);
    loop.call_soon([&] { running.count_down(); });
    std::thread loop_thread([&] { loop.run_forever(); });
    running.wait();

    expect_wrong_thread("call_soon", [&] { loop.call_soon([] {}); });
    expect_wrong_thread("call_later", [&] { loop.call_later(1s, [] {}); });
    expect_wrong_thread("call_at", [&] { loop.call_at(TimePoint{}, [] {}); });
    expect_wrong_thread("add_reader", [&] { loop.add_reader(fds[0], [] {}); });
    expect_wrong_thread("remove_reader", [&] { loop.remove_reader(fds[0]); });
    expect_wrong_thread("add_writer", [&] { loop.add_writer(fds[1], [] {}); });
    expect_wrong_thread("remove_writer", [&] { loop.remove_writer(fds[1]); });
    expect_wrong_thread("create_task", [&] { (void)loop.create_task(nothing()); });
    expect_wrong_thread("create_future", [&] { (void)loop.create_future<int>(); });
    expect_wrong_thread("run_in_executor", [&] { (void)loop.run_in_executor(&pool, [] {}); });
    expect_wrong_thread("stop", [&] { loop.stop(); });

    loop.call_soon_threadsafe([&] { loop.stop(); });  // the one method that is allowed
    loop_thread.join();
    EXPECT_EQ(pool.stats().submitted, 0u);  // the check comes before anything is done
    ::close(fds[0]);
    ::close(fds[1]);
}

TEST(DebugMode, ALoopThatIsNotRunningBelongsToTheThreadThatRanItLast) {
    EventLoop loop;
    loop.set_debug(true);
    loop.call_soon([&] { loop.stop(); });  // by the thread that made it: allowed
    std::thread runner([&] { loop.run_forever(); });
    runner.join();
    expect_wrong_thread("call_soon", [&] { loop.call_soon([] {}); });
}

// ---- Coroutines never awaited ---------------------------------------------------------------

Coro<int> answer() {
    co_return 42;
}

Coro<void> forgets_to_await() {
    (void)answer();  // made and dropped: the body never runs
    co_return;
}

Coro<int> awaits_properly(EventLoop& loop) {
    int a = co_await answer();
    int b = co_await loop.create_task(answer());
    co_return a + b;
}

TEST(DebugMode, ReportsACoroDestroyedWithoutBeingAwaitedNamingTheTask) {
    DebugLoop d;
    d.loop.run_until_complete(d.loop.create_task(forgets_to_await(), "forgetful"));
    ASSERT_EQ(d.log.count("a Coro was destroyed without ever being awaited"), 1u);
    EXPECT_EQ(d.log.reports()[0].source, "in Task 'forgetful'");
}

TEST(DebugMode, DoesNotReportAwaitedCorosOrTaskedOnes) {
    DebugLoop d;
    EXPECT_EQ(d.loop.run_until_complete(awaits_properly(d.loop)), 84);
    EXPECT_EQ(d.log.size(), 0u);
}

TEST(DebugMode, OffDoesNotReportANeverAwaitedCoro) {
    EventLoop loop;
    loop.set_debug(false);
    ReportLog log(loop);
    loop.run_until_complete(forgets_to_await());
    EXPECT_EQ(log.size(), 0u);
}

// ---- Stuck tasks --------------------------------------------------------------------------

Coro<void> await_future(Future<void> f) {
    co_await f;
}

TEST(DebugMode, ReportsATaskWaitingForAFutureNothingInTheLoopCanComplete) {
    EventLoop loop;
    loop.set_debug(true);
    std::vector<Report> reports;
    // The loop is about to block forever: the handler stops it, so the test can look.
    loop.set_exception_handler([&](EventLoop& l, const ExceptionContext& c) {
        reports.push_back({c.message, c.exception, c.source});
        l.stop();
    });
    Future<void> orphan = loop.create_future<void>();  // nobody will ever complete it
    const int line = __LINE__ + 1;
    Task<void> waiter = loop.create_task(await_future(orphan), "waiter");
    loop.run_forever();

    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(contains(reports[0].message,
                         "Task 'waiter' is waiting for a Future nobody labelled "
                         "(loop.create_future), and nothing "
                         "in the loop can complete it"))
        << reports[0].message;
    EXPECT_EQ(reports[0].source, "created at " + here(line));
    // Once per wait: the loop blocks again for the same wait without a second report, until
    // another thread (the only help left) completes the future.
    std::thread helper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the loop block first
        loop.call_soon_threadsafe([&] { orphan.set_result(); });
    });
    loop.run_until_complete(Future<void>(waiter));
    helper.join();
    EXPECT_EQ(reports.size(), 1u);
    loop.close();
}

Coro<void> await_a_pipe(EventLoop& loop, int fd) {
    Future<void> readable = loop.create_future<void>();
    loop.add_reader(fd, [&loop, fd, readable]() mutable {
        loop.remove_reader(fd);
        readable.set_result();
    });
    co_await readable;
}

Coro<void> await_a_slow_call(EventLoop& loop, ThreadPoolExecutor& pool) {
    co_await loop.run_in_executor(&pool, [] { std::this_thread::sleep_for(20ms); });
}

TEST(DebugMode, DoesNotCallATaskStuckWhileAnFdATimerOrAThreadCanStillWakeIt) {
    DebugLoop d;
    // A timer.
    d.loop.run_until_complete(d.loop.create_task(value_after(20ms, 0)));
    // A thread.
    ThreadPoolExecutor pool(1);
    d.loop.run_until_complete(d.loop.create_task(await_a_slow_call(d.loop, pool)));
    // An fd, made readable by another thread.
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::thread writer([&] {
        std::this_thread::sleep_for(20ms);
        [[maybe_unused]] auto n = ::write(fds[1], "x", 1);
    });
    d.loop.run_until_complete(d.loop.create_task(await_a_pipe(d.loop, fds[0])));
    writer.join();
    ::close(fds[0]);
    ::close(fds[1]);
    EXPECT_EQ(d.log.size(), 0u);
}

// ---- Busy loops ---------------------------------------------------------------------------

Coro<void> spin(int times) {
    for (int i = 0; i < times; ++i) co_await sleep(Duration::zero());
}

Coro<void> spin_in_bursts(int bursts, int times) {
    for (int b = 0; b < bursts; ++b) {
        co_await spin(times);
        co_await sleep(1ms);  // a real wait in between
    }
}

TEST(DebugMode, ReportsATaskThatWakesItselfOverAndOverOnce) {
    VirtualLoop v;
    v.loop.set_debug(true);
    const int line = __LINE__ + 1;
    Task<void> t = v.loop.create_task(spin(3 * debug::kBusyLoopSelfWakes), "spinner");
    v.loop.run_until_complete(Future<void>(t));
    ASSERT_EQ(v.log.size(), 1u);
    EXPECT_TRUE(contains(v.log.reports()[0].message, "Task 'spinner' woke itself 1000 times"))
        << v.log.reports()[0].message;
    EXPECT_EQ(v.log.reports()[0].source, "created at " + here(line));
}

TEST(DebugMode, DoesNotReportYieldingThatStopsShortOrIsBrokenByARealWait) {
    VirtualLoop v;
    v.loop.set_debug(true);
    v.loop.run_until_complete(v.loop.create_task(spin(debug::kBusyLoopSelfWakes - 1)));
    v.loop.run_until_complete(v.loop.create_task(spin_in_bursts(5, debug::kBusyLoopSelfWakes - 1)));
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(DebugMode, DoesNotReportATaskThatYieldsWhileIOIsHappening) {
    VirtualLoop v;
    v.loop.set_debug(true);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    ASSERT_EQ(::write(fds[1], "x", 1), 1);
    int io_callbacks = 0;
    v.loop.add_reader(fds[0], [&] { ++io_callbacks; });  // never drained: readable every time
    v.loop.run_until_complete(v.loop.create_task(spin(3 * debug::kBusyLoopSelfWakes)));
    v.loop.remove_reader(fds[0]);
    ::close(fds[0]);
    ::close(fds[1]);
    EXPECT_GE(io_callbacks, 3 * static_cast<int>(debug::kBusyLoopSelfWakes));
    EXPECT_EQ(v.log.size(), 0u);
}

// ---- Outcomes nobody looked at (reported with debug mode on or off, as asyncio does) -------

Coro<int> fails_now() {
    throw std::runtime_error("lost");
    co_return 0;
}

TEST(NeverRetrieved, AFailedFutureDroppedUnlookedAtIsReportedWithItsException) {
    EventLoop loop;
    ReportLog log(loop);
    {
        Future<int> f = loop.create_future<int>();
        f.set_exception(std::runtime_error("lost"));
    }
    ASSERT_EQ(log.count("Future exception was never retrieved"), 1u);
    EXPECT_EQ(describe(log.reports()[0].exception), "lost");
    loop.close();
}

TEST(NeverRetrieved, AFailedTaskNobodyAwaitedIsReportedByName) {
    EventLoop loop;
    ReportLog log(loop);
    loop.create_task(fails_now(), "doomed");  // handle dropped at once
    loop.run_once();
    ASSERT_EQ(log.count("Task 'doomed' exception was never retrieved"), 1u);
    EXPECT_EQ(describe(log.reports()[0].exception), "lost");
    loop.close();
}

TEST(NeverRetrieved, ARetrievedFailureAndAnUnreadValueAreNotReported) {
    EventLoop loop;
    loop.set_debug(true);
    ReportLog log(loop);
    {
        Task<int> failed = loop.create_task(fails_now());
        Task<int> unread = loop.create_task(answer());
        loop.run_once();
        EXPECT_NE(failed.exception(), nullptr);  // looked at
    }
    EXPECT_EQ(log.size(), 0u);
    loop.close();
}

TEST(NeverRetrieved, ATaskStillPendingWhenTheLoopClosesIsReported) {
    EventLoop loop;
    ReportLog log(loop);
    Future<void> never = loop.create_future<void>();
    loop.create_task(await_future(never), "abandoned");
    loop.run_once();
    loop.close();
    ASSERT_EQ(log.count("Task was destroyed but it is pending"), 1u);
    EXPECT_EQ(log.reports()[0].source, "abandoned");
}

}  // namespace
}  // namespace looplab
