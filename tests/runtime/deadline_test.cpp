// tests/runtime/deadline_test.cpp: "never" means never (issue 16, the overflow).
//
// call_later(Duration::max()), wait_for(x, Duration::max()) and timeout(Duration::max(), x)
// used to compute time() + delay, a signed overflow: the "never" timer fired at once, wait_for
// raised TimeoutError at once, and the poll timeout overflowed again. Deadlines now saturate
// (clock.hpp: deadline_after, time_until). Regression tests, each on virtual time except the one
// that must look at what the selector is asked to wait (a real clock, but the assertion is on
// the computed timeout, not on how long anything took).
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <vector>

#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/loop_observer.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "runtime/timeout.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::VirtualLoop;

TEST(Deadline, AfterSaturatesAtTheEndOfTimeInsteadOfOverflowing) {
    const TimePoint now{Duration(1'000)};
    EXPECT_EQ(deadline_after(now, Duration::max()), TimePoint::max());
    EXPECT_EQ(deadline_after(TimePoint::max(), 1ns), TimePoint::max());
    EXPECT_EQ(deadline_after(TimePoint{Duration(-1'000)}, Duration::min()), TimePoint::min());
    EXPECT_EQ(deadline_after(now, 5ns), TimePoint{Duration(1'005)});
}

TEST(Deadline, TimeUntilSaturatesBothWays) {
    EXPECT_EQ(time_until(TimePoint::max(), TimePoint{Duration(-5)}), Duration::max());
    EXPECT_EQ(time_until(TimePoint::min(), TimePoint{Duration(5)}), Duration::min());
    EXPECT_EQ(time_until(TimePoint{Duration(30)}, TimePoint{Duration(10)}), Duration(20));
}

TEST(Deadline, AManualClockAdvancedByForeverStopsAtTheEndOfTime) {
    ManualClock clock(false, TimePoint{Duration(10)});
    clock.advance(Duration::max());
    EXPECT_EQ(clock.now(), TimePoint::max());
}

TEST(Deadline, ATimerAtDurationMaxNeverFiresAndATwentyMillisecondTimerStillFiresOnTime) {
    VirtualLoop v;
    bool never_fired = false;
    std::optional<Duration> fired_at;
    TimerHandle never = v.loop.call_later(Duration::max(), [&] { never_fired = true; });
    v.loop.call_later(20ms, [&] {
        fired_at = v.elapsed();
        v.loop.stop();
    });
    v.loop.run_forever();
    EXPECT_FALSE(never_fired);
    ASSERT_TRUE(fired_at.has_value());
    EXPECT_EQ(*fired_at, 20ms);
    EXPECT_EQ(never.when(), TimePoint::max());
    never.cancel();
}

// What phase 1 asks the selector to wait: seen through the observer door.
class PollTimeouts final : public LoopObserver {
public:
    void before_poll(EventLoop&, std::optional<Duration> timeout) override {
        timeouts.push_back(timeout);
    }
    std::vector<std::optional<Duration>> timeouts;
};

TEST(Deadline, WithAForeverTimerTheSelectorIsAskedToWaitOnlyUntilTheTwentyMillisecondOne) {
    EventLoop loop;  // the real clock: the poll timeout is where the overflow bit
    PollTimeouts polls;
    loop.add_observer(&polls);
    TimerHandle never = loop.call_later(Duration::max(), [] {});
    loop.call_later(20ms, [&] { loop.stop(); });
    loop.run_forever();
    loop.remove_observer(&polls);
    ASSERT_FALSE(polls.timeouts.empty());
    for (const std::optional<Duration>& t : polls.timeouts) {
        ASSERT_TRUE(t.has_value()) << "a timer is due: the poll must have a deadline";
        EXPECT_GE(*t, Duration::zero());
        EXPECT_LE(*t, 20ms);
    }
    never.cancel();
}

// Records phase 1's answer once, then stops the loop from the hook (a hook may schedule).
class FirstPollThenStop final : public LoopObserver {
public:
    void before_poll(EventLoop& loop, std::optional<Duration> timeout) override {
        if (recorded) return;
        recorded = true;
        first = timeout;
        loop.call_soon([&loop] { loop.stop(); });
    }
    bool recorded = false;
    std::optional<Duration> first;
};

TEST(Deadline, WithOnlyAForeverTimerThePollTimeoutIsHugeNotNegative) {
    EventLoop loop;
    FirstPollThenStop poll;
    loop.add_observer(&poll);
    TimerHandle never = loop.call_later(Duration::max(), [] {});
    loop.run_forever();
    loop.remove_observer(&poll);
    never.cancel();
    ASSERT_TRUE(poll.first.has_value());
    EXPECT_GT(*poll.first, 24h * 365 * 100) << "time_until(TimePoint::max(), now)";
}

TEST(Deadline, WaitForWithDurationMaxWaitsForTheResultInsteadOfTimingOutAtOnce) {
    VirtualLoop v;
    const int got = v.loop.run_until_complete([&]() -> Coro<int> {
        co_return co_await wait_for(testing::after(1h, 7), Duration::max());
    }());
    EXPECT_EQ(got, 7);
    EXPECT_EQ(v.elapsed(), 1h);
}

TEST(Deadline, TimeoutWithDurationMaxNeverExpires) {
    VirtualLoop v;
    const int got = v.loop.run_until_complete([&]() -> Coro<int> {
        co_return co_await timeout(Duration::max(), testing::after(24h, 3));
    }());
    EXPECT_EQ(got, 3);
    EXPECT_EQ(v.elapsed(), 24h);
}

TEST(Deadline, ASleepOfDurationMaxCanStillBeCancelled) {
    VirtualLoop v;
    auto sleep_forever = []() -> Coro<void> { co_await sleep(Duration::max()); };
    Task<void> sleeper = v.loop.create_task(sleep_forever());
    v.loop.call_later(5ms, [&] { sleeper.cancel(); });
    EXPECT_THROW(v.loop.run_until_complete(Future<void>(sleeper)), CancelledError);
    EXPECT_EQ(v.elapsed(), 5ms);
}

}  // namespace
}  // namespace looplab
