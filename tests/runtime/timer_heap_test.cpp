// tests/runtime/timer_heap_test.cpp: the timer heap, alone and inside the loop.
//
// Deadline order, ties in scheduling order, lazy removal of cancelled timers, and the
// compaction that keeps the heap proportional to its live timers (timer_heap.hpp).
#include "runtime/timer_heap.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/event_loop.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

// A timer that is not in any loop (for the heap alone).
TimerHandle make_timer(Duration at, std::vector<std::string>* log = nullptr,
                       std::string name = {}) {
    TimerHandle h(detail::make_handle_state(
        [log, name] {
            if (log) log->push_back(name);
        },
        SourceLocation::current()));
    h.state()->when = TimePoint{} + at;
    return h;
}

// Pops and runs everything due at `now`.
void pop_all(TimerHeap& heap, TimePoint now) {
    while (std::optional<Handle> h = heap.pop_expired(now)) h->state()->run();
}

// A loop driven by hand on a clock that only the test moves.
struct HandDriven : testing::VirtualLoop {
    HandDriven() : VirtualLoop(/*auto_advance=*/false) {}
    // Runs one iteration that cannot block (the loop's own queue may be empty).
    void tick() {
        loop.call_soon([] {});
        loop.run_once();
    }
};

// ---- The heap alone ------------------------------------------------------------------------

TEST(TimerHeap, PopsTimersInDeadlineOrderWhateverThePushOrder) {
    TimerHeap heap;
    std::vector<std::string> log;
    for (int at : {5, 1, 4, 2, 3}) heap.push(make_timer(at * 1s, &log, std::to_string(at)));
    EXPECT_EQ(heap.next_deadline(), TimePoint{} + 1s);
    pop_all(heap, TimePoint{} + 10s);
    EXPECT_EQ(log, (std::vector<std::string>{"1", "2", "3", "4", "5"}));
    EXPECT_TRUE(heap.empty());
}

TEST(TimerHeap, TimersWithEqualDeadlinesPopInThePushOrder) {
    TimerHeap heap;
    std::vector<std::string> log;
    for (int i = 0; i < 50; ++i) heap.push(make_timer(1s, &log, std::to_string(i)));
    pop_all(heap, TimePoint{} + 1s);
    ASSERT_EQ(log.size(), 50u);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(log[i], std::to_string(i));
}

TEST(TimerHeap, PopExpiredGivesNothingBeforeTheDeadline) {
    TimerHeap heap;
    heap.push(make_timer(2s));
    EXPECT_FALSE(heap.pop_expired(TimePoint{} + 1s));
    EXPECT_EQ(heap.size(), 1u);
    EXPECT_TRUE(heap.pop_expired(TimePoint{} + 2s));  // due exactly at its deadline
    EXPECT_FALSE(heap.pop_expired(TimePoint{} + 2s));
}

TEST(TimerHeap, AnEmptyHeapHasNoNextDeadline) {
    TimerHeap heap;
    EXPECT_EQ(heap.next_deadline(), std::nullopt);
    EXPECT_FALSE(heap.pop_expired(TimePoint::max()));
}

TEST(TimerHeap, DropCancelledTopMakesNextDeadlineNameALiveTimer) {
    TimerHeap heap;
    TimerHandle first = make_timer(1s);
    TimerHandle second = make_timer(2s);
    heap.push(first);
    heap.push(second);
    heap.push(make_timer(3s));
    first.cancel();  // a timer in a heap tells it (the heap counts, and deletes lazily)
    second.cancel();
    EXPECT_EQ(heap.cancelled_count(), 2u);
    heap.drop_cancelled_top();
    EXPECT_EQ(heap.next_deadline(), TimePoint{} + 3s);
    EXPECT_EQ(heap.size(), 1u);
    EXPECT_EQ(heap.cancelled_count(), 0u);
}

TEST(TimerHeap, ClearForgetsEveryTimer) {
    TimerHeap heap;
    TimerHandle h = make_timer(1s);
    heap.push(h);
    EXPECT_EQ(h.state()->owner, &heap);
    heap.clear();
    EXPECT_TRUE(heap.empty());
    EXPECT_EQ(h.state()->owner, nullptr);  // cancelling it later must not touch the heap
    h.cancel();
    EXPECT_EQ(heap.cancelled_count(), 0u);
}

// ---- Timers in the loop -------------------------------------------------------------------

TEST(LoopTimers, FireInDeadlineOrderNotSchedulingOrder) {
    HandDriven v;
    std::vector<int> order;
    for (int at : {30, 10, 20}) {
        v.loop.call_later(at * 1ms, [&order, at] { order.push_back(at); });
    }
    v.clock.advance(1s);
    v.tick();
    EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
}

TEST(LoopTimers, TiesFireInSchedulingOrder) {
    HandDriven v;
    std::vector<int> order;
    for (int i = 0; i < 20; ++i)
        v.loop.call_at(TimePoint{} + 1s, [&order, i] { order.push_back(i); });
    v.clock.advance(1s);
    v.tick();
    ASSERT_EQ(order.size(), 20u);
    for (int i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
}

TEST(LoopTimers, ATimerDoesNotFireBeforeItsDeadline) {
    HandDriven v;
    bool fired = false;
    v.loop.call_later(100ms, [&] { fired = true; });
    v.clock.advance(99ms);
    v.tick();
    EXPECT_FALSE(fired);
    v.clock.advance(1ms);
    v.tick();
    EXPECT_TRUE(fired);
}

TEST(LoopTimers, ATimerInThePastRunsOnTheNextIterationAfterTheCallbacksAlreadyReady) {
    HandDriven v;
    v.clock.advance(10s);
    std::vector<std::string> order;
    v.loop.call_at(TimePoint{} + 1s, [&] { order.push_back("timer"); });
    v.loop.call_soon([&] { order.push_back("soon"); });
    v.loop.run_once();
    EXPECT_EQ(order, (std::vector<std::string>{"soon", "timer"}));
}

TEST(LoopTimers, ATimerScheduledByATimerWithZeroDelayRunsOnALaterIteration) {
    HandDriven v;
    std::vector<std::uint64_t> iterations;
    v.loop.call_later(1s, [&] {
        iterations.push_back(v.loop.iteration_count());
        v.loop.call_later(0s, [&] { iterations.push_back(v.loop.iteration_count()); });
    });
    v.clock.advance(1s);
    v.tick();
    v.tick();
    ASSERT_EQ(iterations.size(), 2u);
    EXPECT_EQ(iterations[1], iterations[0] + 1);
}

TEST(LoopTimers, CancelledTimersAreCompactedAwayWhenTheyOutnumberLiveOnes) {
    HandDriven v;
    std::vector<TimerHandle> timers;
    for (int i = 0; i < 1000; ++i) timers.push_back(v.loop.call_later(1h + i * 1ms, [] {}));
    EXPECT_EQ(v.loop.timer_count(), 1000u);
    // Up to half cancelled: only marked (removing from the middle of a heap costs a search).
    for (int i = 0; i < 500; ++i) timers[i * 2].cancel();
    EXPECT_EQ(v.loop.timer_count(), 1000u);
    // One more and cancelled timers are the majority: the heap is rebuilt without them.
    timers[1].cancel();
    EXPECT_EQ(v.loop.timer_count(), 499u);
}

TEST(LoopTimers, SmallHeapsAreNotCompacted) {
    HandDriven v;
    std::vector<TimerHandle> timers;
    for (int i = 0; i < 50; ++i) timers.push_back(v.loop.call_later(1h, [] {}));
    for (int i = 0; i < 49; ++i) timers[i].cancel();
    EXPECT_EQ(v.loop.timer_count(), 50u);
}

TEST(LoopTimers, OrderIsKeptAfterCompactionTiesIncluded) {
    HandDriven v;
    std::vector<std::string> order;
    std::vector<TimerHandle> doomed;
    std::vector<std::string> expected;
    // 300 timers in three deadline groups of 100, scheduled interleaved; in each group the
    // odd ones survive, and must fire by deadline, then in scheduling order.
    for (int i = 0; i < 100; ++i) {
        for (int group : {3, 1, 2}) {
            std::string name = std::to_string(group) + ":" + std::to_string(i);
            TimerHandle h =
                v.loop.call_later(group * 1s, [&order, name] { order.push_back(name); });
            if (i % 2 == 0) doomed.push_back(h);
        }
    }
    for (int group : {1, 2, 3}) {
        for (int i = 1; i < 100; i += 2)
            expected.push_back(std::to_string(group) + ":" + std::to_string(i));
    }
    // Exactly half cancelled; ten more timers, cancelled too, tip the balance past half.
    for (auto& h : doomed) h.cancel();
    std::vector<TimerHandle> extra;
    for (int i = 0; i < 10; ++i) extra.push_back(v.loop.call_later(1h, [] {}));
    for (auto& h : extra) h.cancel();
    EXPECT_LT(v.loop.timer_count(), 300u);  // compaction happened
    v.clock.advance(3s);
    v.tick();
    EXPECT_EQ(order, expected);
}

TEST(LoopTimers, CancellingATimerThatAlreadyFiredDoesNotDisturbTheHeapsCount) {
    HandDriven v;
    TimerHandle fired = v.loop.call_later(1s, [] {});
    std::vector<TimerHandle> live;
    for (int i = 0; i < 150; ++i) live.push_back(v.loop.call_later(1h, [] {}));
    v.clock.advance(1s);
    v.tick();
    EXPECT_EQ(v.loop.timer_count(), 150u);
    fired.cancel();  // no longer in the heap: must not count as a cancelled entry
    for (int i = 0; i < 75; ++i) live[i].cancel();
    EXPECT_EQ(v.loop.timer_count(), 150u);  // exactly half: not compacted yet
    live[75].cancel();
    EXPECT_EQ(v.loop.timer_count(), 74u);
}

TEST(LoopTimers, ACancelledTimerAtTheTopDoesNotMakeTheLoopWaitForIt) {
    testing::VirtualLoop v;  // auto-advance on
    TimerHandle early = v.loop.call_later(1s, [] {});
    bool fired = false;
    v.loop.call_later(5s, [&] {
        fired = true;
        v.loop.stop();
    });
    early.cancel();
    v.loop.run_forever();
    EXPECT_TRUE(fired);
    EXPECT_EQ(v.elapsed(), 5s);
}

}  // namespace
}  // namespace looplab
