// tests/runtime/watchdog_test.cpp: the watchdog reports, from its own thread and while the loop
// is still stuck, which callback or task step the loop is inside, since when, and where it
// came from; once per stuck callback; at once when poked (SIGUSR1 in debug mode).
//
// The reports are timed on the monotonic clock and compared with when the stuck callback
// returned: "while it blocks" is "the report's time is before the return". A stuck callback
// blocks for its 300 ms and then, if the watchdog has not spoken yet (a starved machine),
// until it has (at most 10 s): the test then cannot fail for slowness, only if no report ever
// comes, or one comes after the callback returned, or two come for one callback.
#include "runtime/observe/watchdog.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/event_loop.hpp"
#include "runtime/label.hpp"
#include "runtime/observe/debug.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

// Collects reports from the watchdog's thread; the loop thread waits for them.
class Reports {
public:
    Watchdog::Sink sink() {
        return [this](const Watchdog::Report& r) {
            std::lock_guard lock(mutex_);
            reports_.push_back(r);
            arrived_.notify_all();
        };
    }
    // Waits until there are at least n reports, for at most `limit`.
    bool wait_for(std::size_t n, std::chrono::milliseconds limit) {
        std::unique_lock lock(mutex_);
        return arrived_.wait_for(lock, limit, [&] { return reports_.size() >= n; });
    }
    std::vector<Watchdog::Report> all() {
        std::lock_guard lock(mutex_);
        return reports_;
    }

private:
    std::mutex mutex_;
    std::condition_variable arrived_;
    std::vector<Watchdog::Report> reports_;
};

// Blocks the loop thread for `at_least`, and longer if no report has arrived yet; returns
// monotonic_ns() when it returns.
std::int64_t block(Reports& reports, std::chrono::milliseconds at_least) {
    std::this_thread::sleep_for(at_least);
    reports.wait_for(1, 10s);
    return monotonic_ns();
}

TEST(Watchdog, ReportsACallbackStuckPastItsThresholdOnceWhileItIsStuck) {
    Reports reports;
    Watchdog watchdog(100ms, reports.sink());
    EventLoop loop;
    loop.add_observer(&watchdog);
    std::int64_t returned = 0;
    const unsigned line = __LINE__ + 1;
    loop.call_soon([&] { returned = block(reports, 300ms); })
        .set_label(labels::text("a callback that blocks"));
    loop.run_once();
    loop.call_soon([] {});  // a quick one after it: never reported
    loop.run_once();
    std::this_thread::sleep_for(250ms);  // two thresholds more: still one report
    loop.remove_observer(&watchdog);

    const std::vector<Watchdog::Report> all = reports.all();
    ASSERT_EQ(all.size(), 1u);
    const Watchdog::Report& r = all[0];
    EXPECT_EQ(r.inside, "a callback that blocks");
    EXPECT_EQ(r.origin, "scheduled at watchdog_test.cpp:" + std::to_string(line) + " in TestBody");
    EXPECT_LT(r.at_ns, returned) << "reported after the callback returned";
    EXPECT_GE(r.at_ns - r.since_ns, std::chrono::nanoseconds(100ms).count());
    EXPECT_FALSE(r.signalled);
    EXPECT_EQ(r.iteration, 1u);
    EXPECT_NE(r.text().find("the loop is stuck: for "), std::string::npos) << r.text();
}

Coro<void> sleeps_then_blocks(Reports* reports, std::int64_t* returned) {
    co_await sleep(1ms);
    *returned = block(*reports, 300ms);  // no co_await: the loop is stuck in this step
}

TEST(Watchdog, NamesAStuckTaskStepByItsTaskAndWhereTheTaskWasCreated) {
    Reports reports;
    Watchdog watchdog(100ms, reports.sink());
    EventLoop loop;
    loop.add_observer(&watchdog);
    std::int64_t returned = 0;
    const unsigned line = __LINE__ + 1;
    Task<void> t = loop.create_task(sleeps_then_blocks(&reports, &returned), "fetch");
    loop.run_until_complete(Future<void>(t));
    loop.remove_observer(&watchdog);

    const std::vector<Watchdog::Report> all = reports.all();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].inside, "Task 'fetch' wakes up (sleep 1 ms done)");
    EXPECT_EQ(all[0].origin, "Task 'fetch' was created at watchdog_test.cpp:" +
                                 std::to_string(line) + " in TestBody");
    EXPECT_LT(all[0].at_ns, returned);
}

TEST(Watchdog, APokeIsAnsweredAtOnceAndOnlyWhileTheLoopIsInsideACallback) {
    Reports reports;
    Watchdog watchdog(std::nullopt, reports.sink());  // no threshold: pokes only
    EventLoop loop;
    loop.add_observer(&watchdog);
    watchdog.poke();  // the loop is not inside anything: no report
    std::int64_t returned = 0;
    loop.call_soon([&] {
        watchdog.poke();
        returned = block(reports, 10ms);
    });
    loop.run_once();
    loop.remove_observer(&watchdog);

    const std::vector<Watchdog::Report> all = reports.all();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_TRUE(all[0].signalled);
    EXPECT_LT(all[0].at_ns, returned);
    EXPECT_NE(all[0].inside.find("callback from watchdog_test.cpp:"), std::string::npos)
        << all[0].inside;
    EXPECT_NE(all[0].text().find("(SIGUSR1): the loop is busy"), std::string::npos);
}

TEST(Watchdog, Sigusr1InDebugModeReportsFromTheWatchdogWhileTheLoopIsBlocked) {
    Reports reports;
    debug::set_watchdog(std::nullopt, reports.sink());
    EventLoop loop;
    loop.set_debug(true);  // its watchdog, made now, takes the settings above
    debug::reset_watchdog();
    testing::ReportLog log(loop);
    std::int64_t returned = 0;
    loop.call_soon([&] {
        ::kill(::getpid(), SIGUSR1);  // the handler pokes every debug loop's watchdog
        returned = block(reports, 10ms);
    });
    ::testing::internal::CaptureStderr();  // the loop's own dump comes at its next iteration
    loop.run_once();
    loop.call_soon([] {});
    loop.run_once();
    const std::string dump = ::testing::internal::GetCapturedStderr();
    loop.set_debug(false);

    const std::vector<Watchdog::Report> all = reports.all();
    ASSERT_EQ(all.size(), 1u);
    EXPECT_TRUE(all[0].signalled);
    EXPECT_LT(all[0].at_ns, returned);
    EXPECT_NE(dump.find("live task"), std::string::npos) << dump;
}

TEST(Watchdog, LooplabDebugWatchdogSwitchesItOnForDebugLoopsAndItWritesToStderr) {
    ::setenv("LOOPLAB_DEBUG_WATCHDOG", "100ms", 1);
    debug::reset_watchdog();  // reads the environment again
    ::testing::internal::CaptureStderr();
    {
        EventLoop loop;
        loop.set_debug(true);
        testing::ReportLog log(loop);  // the slow-callback report, after the fact
        loop.call_soon([] { std::this_thread::sleep_for(1000ms); })  // 900 ms of slack
            .set_label(labels::text("a blocking call"));
        loop.run_once();
        loop.set_debug(false);  // joins the watchdog: whatever it wrote is written
    }
    const std::string printed = ::testing::internal::GetCapturedStderr();
    ::unsetenv("LOOPLAB_DEBUG_WATCHDOG");
    debug::reset_watchdog();
    EXPECT_NE(printed.find("looplab watchdog: the loop is stuck: for "), std::string::npos)
        << printed;
    EXPECT_NE(printed.find(" it has been inside a blocking call; scheduled at watchdog_test.cpp:"),
              std::string::npos)
        << printed;
}

TEST(Watchdog, LooplabDebugWatchdogTakesADurationWithAUnit) {
    EXPECT_EQ(debug::parse_watchdog_threshold("200ms"), Duration(200ms));
    EXPECT_EQ(debug::parse_watchdog_threshold("1s"), Duration(1s));
    EXPECT_EQ(debug::parse_watchdog_threshold("500us"), Duration(500us));
    EXPECT_EQ(debug::parse_watchdog_threshold("0"), std::nullopt);
    EXPECT_EQ(debug::parse_watchdog_threshold("off"), std::nullopt);
    EXPECT_EQ(debug::parse_watchdog_threshold(""), std::nullopt);
    EXPECT_THROW(debug::parse_watchdog_threshold("200"), std::invalid_argument);
    EXPECT_THROW(debug::parse_watchdog_threshold("fast"), std::invalid_argument);
    EXPECT_THROW(debug::parse_watchdog_threshold("2 min"), std::invalid_argument);
}

}  // namespace
}  // namespace looplab
