// tests/runtime/virtual_time_test.cpp: ManualClock with auto-advance, i.e. virtual time.
//
// An idle loop jumps its virtual clock to the next deadline, so programs that only sleep run
// in no real time but in exactly the order, and to exactly the times, real time would give.
// It must not jump while anything else could still happen first: a ready callback, or work
// owed by another thread (clock.hpp, event_loop.cpp phase 5). No test here measures real time.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "runtime/clock.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/gather.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::after;
using testing::VirtualLoop;

TEST(VirtualTime, AProgramSleepingAnHourInTotalFinishesWithTheClockExactlyAnHourOn) {
    VirtualLoop v;
    auto body = [&]() -> Coro<int> {
        int naps = 0;
        for (int i = 0; i < 3600; ++i) {
            co_await sleep(1s);
            ++naps;
        }
        co_return naps;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), 3600);
    EXPECT_EQ(v.loop.time(), TimePoint{} + 1h);
}

TEST(VirtualTime, ConcurrentSleepersWakeInTheOrderRealTimeWouldGive) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto sleeper = [&](std::string name, Duration step, int times) -> Coro<void> {
        for (int i = 1; i <= times; ++i) {
            co_await sleep(step);
            log.push_back(name + "@" + std::to_string((v.loop.time() - TimePoint{}) / 1min));
        }
    };
    Task<void> a = v.loop.create_task(sleeper("a", 20min, 3));
    Task<void> b = v.loop.create_task(sleeper("b", 25min, 2));
    Task<void> c = v.loop.create_task(sleeper("c", 60min, 1));
    v.loop.run_until_complete(c);
    // At 60 min both c and a wake: c's timer was set at 0 min, a's at 40 min, and equal
    // deadlines fire in scheduling order.
    EXPECT_EQ(log, (std::vector<std::string>{"a@20", "b@25", "a@40", "b@50", "c@60", "a@60"}));
    EXPECT_EQ(v.loop.time(), TimePoint{} + 1h);
}

TEST(VirtualTime, TheClockDoesNotMoveWhileCallbacksAreReady) {
    VirtualLoop v;
    std::vector<Duration> seen;
    int spins = 0;
    std::function<void()> spin = [&] {
        seen.push_back(v.elapsed());
        if (++spins < 100) v.loop.call_soon([&] { spin(); });
    };
    v.loop.call_later(1s, [&] { v.loop.stop(); });
    v.loop.call_soon([&] { spin(); });
    v.loop.run_forever();
    ASSERT_EQ(seen.size(), 100u);
    for (Duration d : seen) EXPECT_EQ(d, Duration::zero());
    EXPECT_EQ(v.elapsed(), 1s);  // it jumped once the spinning stopped
}

TEST(VirtualTime, WithoutAutoAdvanceTimeOnlyMovesWhenTheTestMovesIt) {
    VirtualLoop v(/*auto_advance=*/false);
    bool fired = false;
    v.loop.call_later(1h, [&] { fired = true; });
    for (int i = 0; i < 10; ++i) v.loop.run_once();
    EXPECT_FALSE(fired);
    EXPECT_EQ(v.elapsed(), Duration::zero());
    v.clock.advance(1h);
    v.loop.run_once();
    EXPECT_TRUE(fired);
    EXPECT_EQ(v.elapsed(), 1h);
}

TEST(VirtualTime, AdvancingByHandFiresExactlyTheTimersThatAreDue) {
    VirtualLoop v(/*auto_advance=*/false);
    std::vector<int> fired;
    for (int s : {1, 2, 3, 4}) v.loop.call_later(s * 1s, [&fired, s] { fired.push_back(s); });
    v.clock.advance(2500ms);
    v.loop.run_once();
    EXPECT_EQ(fired, (std::vector<int>{1, 2}));
    v.clock.advance(1500ms);
    v.loop.run_once();
    EXPECT_EQ(fired, (std::vector<int>{1, 2, 3, 4}));
}

TEST(VirtualTime, TheClockNeverGoesBackwards) {
    ManualClock clock(true, TimePoint{} + 10s);
    EXPECT_TRUE(clock.auto_advance_to(TimePoint{} + 5s));
    EXPECT_EQ(clock.now(), TimePoint{} + 10s);
    EXPECT_TRUE(clock.auto_advance_to(TimePoint{} + 15s));
    EXPECT_EQ(clock.now(), TimePoint{} + 15s);
    clock.set_auto_advance(false);
    EXPECT_FALSE(clock.auto_advance_to(TimePoint{} + 20s));
    EXPECT_EQ(clock.now(), TimePoint{} + 15s);
}

TEST(VirtualTime, TheClockDoesNotJumpWhileRunInExecutorWorkIsOutstanding) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto sleeper = [&]() -> Coro<void> {
        co_await sleep(1h);
        log.push_back("sleeper woke at " + std::to_string(v.elapsed() / 1min) + " min");
    };
    auto body = [&]() -> Coro<void> {
        Task<void> s = v.loop.create_task(sleeper());
        // The worker takes a little real time; while it works, the loop must wait for it
        // instead of jumping an hour ahead and waking the sleeper first.
        int r = co_await v.loop.run_in_executor(nullptr, [] {
            std::this_thread::sleep_for(20ms);
            return 5;
        });
        log.push_back("worker returned " + std::to_string(r) + " at " +
                      std::to_string(v.elapsed() / 1min) + " min");
        co_await s;
    };
    v.loop.run_until_complete(body());
    v.loop.run_until_complete(v.loop.shutdown_default_executor());
    EXPECT_EQ(log,
              (std::vector<std::string>{"worker returned 5 at 0 min", "sleeper woke at 60 min"}));
}

TEST(VirtualTime, ATimerAlreadyDueRunsWhileRunInExecutorWorkIsOutstanding) {
    // Outstanding work stops the clock from jumping ahead, but a timer that is due now needs
    // no jump: it must run, not wait for the worker. Here the worker waits for that timer,
    // so waiting for the worker first would deadlock; the worker gives up after a generous
    // limit (a safety net only: the test asserts the order, never a duration).
    VirtualLoop v;
    std::promise<void> released;
    std::shared_future<void> release = released.get_future().share();
    std::vector<std::string> log;
    auto body = [&]() -> Coro<void> {
        Future<std::string> work = v.loop.run_in_executor(nullptr, [release] {
            return release.wait_for(30s) == std::future_status::ready ? std::string("released")
                                                                      : std::string("gave up");
        });
        v.loop.call_later(0s, [&] {
            log.push_back("due timer ran");
            released.set_value();
        });
        log.push_back("worker " + co_await work);
    };
    v.loop.run_until_complete(body());
    v.loop.run_until_complete(v.loop.shutdown_default_executor());
    EXPECT_EQ(log, (std::vector<std::string>{"due timer ran", "worker released"}));
    EXPECT_EQ(v.elapsed(), Duration::zero());
}

TEST(VirtualTime, BeginExternalWorkHoldsTheClockUntilTheWorkEnds) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    std::vector<std::string> log;
    loop.call_later(1h, [&] {
        log.push_back("timer at " + std::to_string(v.elapsed() / 1min) + " min");
        loop.stop();
    });
    loop.begin_external_work();
    std::thread other([&] {
        std::this_thread::sleep_for(10ms);
        loop.call_soon_threadsafe([&] {
            log.push_back("other thread's result at " + std::to_string(v.elapsed() / 1min) +
                          " min");
            loop.end_external_work();
        });
    });
    loop.run_forever();
    other.join();
    EXPECT_EQ(log, (std::vector<std::string>{"other thread's result at 0 min", "timer at 60 min"}));
}

TEST(VirtualTime, TenThousandTasksSleeping100msAllFinishInTheSameIteration) {
    VirtualLoop v;
    std::vector<std::uint64_t> finished_in;
    std::vector<Duration> finished_at;
    finished_in.reserve(10'000);
    auto napper = [&]() -> Coro<void> {
        co_await sleep(100ms);
        finished_in.push_back(v.loop.iteration_count());
        finished_at.push_back(v.elapsed());
    };
    auto body = [&]() -> Coro<void> {
        std::vector<Coro<void>> coros;
        for (int i = 0; i < 10'000; ++i) coros.push_back(napper());
        co_await gather(std::move(coros));
    };
    v.loop.run_until_complete(body());
    ASSERT_EQ(finished_in.size(), 10'000u);
    for (std::size_t i = 1; i < finished_in.size(); ++i) {
        ASSERT_EQ(finished_in[i], finished_in[0]) << "task " << i;
        ASSERT_EQ(finished_at[i], 100ms) << "task " << i;
    }
    EXPECT_EQ(v.elapsed(), 100ms);
    EXPECT_TRUE(v.loop.all_tasks().empty());
}

TEST(VirtualTime, ManyLoopsEachHaveTheirOwnClock) {
    VirtualLoop fast;
    VirtualLoop slow;
    fast.loop.run_until_complete(fast.loop.create_task(after(1s, 0)));
    slow.loop.run_until_complete(slow.loop.create_task(after(1h, 0)));
    EXPECT_EQ(fast.elapsed(), 1s);
    EXPECT_EQ(slow.elapsed(), 1h);
}

}  // namespace
}  // namespace looplab
