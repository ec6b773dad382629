// tests/runtime/handle_test.cpp: Handle and TimerHandle: what cancel() promises.
//
// The contract (handle.hpp): a callback runs at most once; cancel() before it runs means it
// never runs; cancel() is idempotent and drops the callback's captures at once, unless the
// callback is running, in which case they go when it returns. Handle states are recycled
// through a free list, so a few tests check that a recycled state starts clean.
#include "runtime/handle.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/event_loop.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

// A loop driven by hand whose run_once() never blocks (see event_loop_test.cpp).
struct HandDriven : testing::VirtualLoop {
    HandDriven() : VirtualLoop(/*auto_advance=*/false) {
        keep_polling = loop.call_later(24h, [] {});
    }
    TimerHandle keep_polling;
};

TEST(Handle, ACancelledHandleNeverRuns) {
    HandDriven v;
    bool ran = false;
    Handle h = v.loop.call_soon([&] { ran = true; });
    h.cancel();
    EXPECT_TRUE(h.cancelled());
    v.loop.run_once();
    v.loop.run_once();
    EXPECT_FALSE(ran);
}

TEST(Handle, ACancelledTimerNeverRuns) {
    HandDriven v;
    bool ran = false;
    TimerHandle h = v.loop.call_later(1s, [&] { ran = true; });
    h.cancel();
    v.clock.advance(2s);
    v.loop.run_once();
    EXPECT_FALSE(ran);
}

TEST(Handle, CancellingAHandleCancelledByAnEarlierCallbackOfTheSameBatchSkipsIt) {
    HandDriven v;
    std::vector<std::string> log;
    Handle second;
    v.loop.call_soon([&] {
        log.push_back("first");
        second.cancel();
    });
    second = v.loop.call_soon([&] { log.push_back("second"); });
    v.loop.call_soon([&] { log.push_back("third"); });
    v.loop.run_once();
    EXPECT_EQ(log, (std::vector<std::string>{"first", "third"}));
}

TEST(Handle, CancelIsIdempotentAndHarmlessAfterTheCallbackRan) {
    HandDriven v;
    int runs = 0;
    Handle h = v.loop.call_soon([&] { ++runs; });
    v.loop.run_once();
    EXPECT_EQ(runs, 1);
    EXPECT_NO_THROW(h.cancel());
    EXPECT_NO_THROW(h.cancel());
    v.loop.run_once();
    EXPECT_EQ(runs, 1);
}

TEST(Handle, AnEmptyHandleCanBeCancelledAndIsNotCancelled) {
    Handle h;
    EXPECT_FALSE(h);
    EXPECT_FALSE(h.cancelled());
    EXPECT_NO_THROW(h.cancel());
    TimerHandle t;
    EXPECT_EQ(t.when(), TimePoint{});
}

TEST(Handle, CancelReleasesTheCallbacksCapturesAtOnce) {
    HandDriven v;
    auto token = std::make_shared<int>(0);
    Handle h = v.loop.call_soon([token] {});
    TimerHandle t = v.loop.call_later(1h, [token] {});
    EXPECT_EQ(token.use_count(), 3);
    h.cancel();
    t.cancel();
    // The loop still holds both handles (ready queue, timer heap), but not what they capture:
    // a cancelled timeout must not keep its future alive until the deadline.
    EXPECT_EQ(token.use_count(), 1);
}

TEST(Handle, AHandleCancellingItselfWhileRunningFinishesSafely) {
    HandDriven v;
    auto token = std::make_shared<std::string>("alive");
    Handle self;
    std::string seen_after_cancel;
    self = v.loop.call_soon([&, token] {
        self.cancel();
        EXPECT_TRUE(self.cancelled());
        seen_after_cancel = *token;  // captures survive until the callback returns
    });
    v.loop.run_once();
    EXPECT_EQ(seen_after_cancel, "alive");
    EXPECT_EQ(token.use_count(), 1);  // and are released right after
}

TEST(Handle, ATimerCancellingItselfWhileRunningFinishesSafely) {
    HandDriven v;
    TimerHandle self;
    int runs = 0;
    self = v.loop.call_later(1s, [&] {
        ++runs;
        self.cancel();
    });
    const std::size_t timers = v.loop.timer_count();
    v.clock.advance(1s);
    v.loop.run_once();
    v.loop.run_once();
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(v.loop.timer_count(), timers - 1);
}

TEST(Handle, TheLoopReleasesACallbacksCapturesAsSoonAsItHasRun) {
    HandDriven v;
    std::weak_ptr<int> weak;
    {
        auto token = std::make_shared<int>(0);
        weak = token;
        v.loop.call_soon([token] {});
    }
    bool expired_for_the_next_callback = false;
    v.loop.call_soon([&] { expired_for_the_next_callback = weak.expired(); });
    v.loop.run_once();
    EXPECT_TRUE(expired_for_the_next_callback);
}

TEST(Handle, ARecycledHandleStartsUncancelled) {
    HandDriven v;
    // Cancel and drop many handles so that their states go back to the free list...
    for (int i = 0; i < 100; ++i) v.loop.call_soon([] {}).cancel();
    v.loop.run_once();
    // ... then new handles (recycled states) must run normally.
    int runs = 0;
    for (int i = 0; i < 100; ++i) v.loop.call_soon([&] { ++runs; });
    v.loop.run_once();
    EXPECT_EQ(runs, 100);
}

TEST(Handle, ARecycledTimerIsNotLeftScheduledOrCancelled) {
    HandDriven v;
    for (int i = 0; i < 200; ++i) v.loop.call_later(1s, [] {}).cancel();
    v.loop.run_once();
    int runs = 0;
    std::vector<TimerHandle> timers;
    for (int i = 0; i < 200; ++i) timers.push_back(v.loop.call_later(2s, [&] { ++runs; }));
    for (auto& t : timers) EXPECT_FALSE(t.cancelled());
    v.clock.advance(2s);
    v.loop.run_once();
    EXPECT_EQ(runs, 200);
}

TEST(Handle, KnowsWhereItWasScheduledFrom) {
    HandDriven v;
    const unsigned line = __LINE__ + 1;
    Handle h = v.loop.call_soon([] {});
    EXPECT_EQ(h.where().line(), line);
    EXPECT_NE(std::string(h.where().file_name()).find("handle_test.cpp"), std::string::npos);
}

TEST(Handle, TimerHandleKnowsItsDeadline) {
    HandDriven v;
    v.clock.advance(10s);
    TimerHandle h = v.loop.call_later(5s, [] {});
    EXPECT_EQ(h.when(), TimePoint{} + 15s);
    TimerHandle at = v.loop.call_at(TimePoint{} + 1h, [] {});
    EXPECT_EQ(at.when(), TimePoint{} + 1h);
}

TEST(Handle, CancellingATimerAfterTheLoopClosedIsHarmless) {
    TimerHandle h;
    {
        testing::VirtualLoop v;
        h = v.loop.call_later(1s, [] {});
    }
    EXPECT_NO_THROW(h.cancel());
    EXPECT_TRUE(h.cancelled());
}

// handle.cpp: states live in per-thread slabs; a busy loop keeps a burst's slabs (the next
// burst reuses them), and the first time the loop is about to block the empty ones beyond a
// few are freed. Counts are relative: other tests on this thread share the slabs.
TEST(Handle, ABurstsSlabsAreReusedWhileBusyAndFreedWhenTheLoopGoesIdle) {
    EventLoop loop;  // the real clock: a timer 1 ms away makes the loop block
    int ran = 0;
    const auto burst = [&] {
        for (int i = 0; i < 100'000; ++i) loop.call_soon([&ran] { ++ran; });
        loop.run_once();  // callbacks ready: a zero-timeout iteration, nothing freed
    };
    burst();
    const detail::HandleMemory after_first = detail::handle_memory();
    EXPECT_GE(after_first.empty_slabs, 20u);  // 100,000 states are 70-odd slabs
    burst();
    EXPECT_EQ(detail::handle_memory().slabs, after_first.slabs);  // reused, none new
    const unsigned kept_line = __LINE__ + 1;
    Handle kept = loop.call_soon([] {});  // a live state pins its slab
    kept.cancel();
    loop.run_once();  // `kept` was ready: a zero-timeout iteration again, nothing freed
    EXPECT_EQ(detail::handle_memory().slabs, after_first.slabs);
    loop.call_later(1ms, [] {});
    loop.run_once();  // blocks in the selector for the timer: the idle moment
    const detail::HandleMemory idle = detail::handle_memory();
    EXPECT_EQ(ran, 200'000);
    EXPECT_LE(idle.empty_slabs, 12u);
    EXPECT_LT(idle.slabs, after_first.slabs);
    EXPECT_TRUE(kept.cancelled());
    EXPECT_EQ(kept.where().line(), kept_line);  // and its state is intact
    loop.close();
}

}  // namespace
}  // namespace looplab
