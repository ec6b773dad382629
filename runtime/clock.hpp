// runtime/clock.hpp: where the loop reads the time.
//
// asyncio: BaseEventLoop.time() (time.monotonic()).
// libuv:   uv_now / uv_update_time (the loop caches "now" once per iteration).
// Tokio:   tokio::time::pause, which asyncio lacks: virtual time for tests.
//
// The loop never calls steady_clock directly: it asks a Clock. The real one is the monotonic
// clock. A ManualClock only moves when told to, so timer logic can be tested deterministically
// and instantly, and a demo can "wait" 100 ms without waiting. With auto-advance on, the loop
// itself jumps the clock to the next timer deadline whenever it has nothing else to do (no
// ready callbacks, no I/O, no outstanding work in other threads): a program that only sleeps
// then runs in zero real time but in exactly the same order.
//
// A clock can also be paused (pause / resume): step mode stops the loop's clock while it waits
// for the student to press Enter, so the seconds spent reading the banner do not count. Without
// that, both timers of README's example (100 ms and 200 ms) are due at once after a slow
// Enter, and it prints "after about 1514 ms": the clock measured the reader, not the program.
// With it, loop.time() and every timer run as in an uninterrupted run (tests/runtime/
// step_mode_test.cpp, StepMode.TheTimeSpentWaitingForEnterIsNotCounted).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace looplab {

using Duration = std::chrono::nanoseconds;
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    // Virtual clocks return true; the loop then never blocks in the selector waiting for a
    // timer, since real time passing would not bring the deadline closer.
    virtual bool is_virtual() const { return false; }
    // For virtual clocks with auto-advance: move to `deadline` (never backwards). Returns
    // whether the clock agreed to jump. The loop calls this only when it is idle.
    virtual bool auto_advance_to(TimePoint /*deadline*/) { return false; }
    // Stops the clock until resume(): now() stands still meanwhile and then goes on from where
    // it stopped, as if the pause had not happened. Pauses do not nest. A clock that moves only
    // when told to (ManualClock) has nothing to stop. Loop thread only, like now().
    virtual void pause() {}
    virtual void resume() {}
};

// ---- Deadlines that saturate ------------------------------------------------------------------
// "Forever" is a real argument: call_later(Duration::max(), ...), wait_for(x, Duration::max()),
// timeout(Duration::max(), ...). now + delay would then overflow the 64-bit count (undefined
// behaviour; in practice a deadline far in the past, so "never" fired at once). Every deadline the
// runtime computes goes through these two instead: a sum past the end of time is the end of time
// (TimePoint::max(), which no clock reaches in 292 years), and the distance to a deadline is
// clamped the same way. ConcurrentFuture::result and BlockingSocket make the same choice.
constexpr TimePoint deadline_after(TimePoint now, Duration delay) noexcept {
    const Duration::rep n = now.time_since_epoch().count();
    const Duration::rep d = delay.count();
    Duration::rep sum = 0;
    if (__builtin_add_overflow(n, d, &sum)) return d > 0 ? TimePoint::max() : TimePoint::min();
    return TimePoint(Duration(sum));
}

// deadline - now, clamped to Duration::max() / min() instead of overflowing.
constexpr Duration time_until(TimePoint deadline, TimePoint now) noexcept {
    const Duration::rep a = deadline.time_since_epoch().count();
    const Duration::rep b = now.time_since_epoch().count();
    Duration::rep difference = 0;
    if (__builtin_sub_overflow(a, b, &difference)) return a > b ? Duration::max() : Duration::min();
    return Duration(difference);
}

// Nanoseconds on the steady clock, whatever the loop's Clock says: what the loop's observers
// time callbacks, polls and task steps with (a trace shows what the machine did, even on a
// ManualClock).
inline std::int64_t monotonic_ns() noexcept {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

// std::chrono::steady_clock (never jumps when the wall clock is changed), minus the time it
// spent paused. The two counters are atomics only so that a stray read from another thread is
// not a data race; with relaxed order a load is a plain load, so now() costs what
// steady_clock::now() costs.
class MonotonicClock final : public Clock {
public:
    TimePoint now() const override {
        const std::int64_t paused_at = paused_at_.load(std::memory_order_relaxed);
        const Duration raw = paused_at != 0 ? Duration(paused_at) : steady();
        return TimePoint(raw - Duration(offset_.load(std::memory_order_relaxed)));
    }
    void pause() override {
        if (paused_at_.load(std::memory_order_relaxed) == 0) {
            paused_at_.store(steady().count(), std::memory_order_relaxed);
        }
    }
    void resume() override {
        const std::int64_t paused_at = paused_at_.exchange(0, std::memory_order_relaxed);
        if (paused_at != 0)
            offset_.fetch_add(steady().count() - paused_at, std::memory_order_relaxed);
    }

private:
    static Duration steady() {
        return std::chrono::duration_cast<Duration>(
            std::chrono::steady_clock::now().time_since_epoch());
    }
    std::atomic<std::int64_t> offset_{0};     // ns spent paused, in all
    std::atomic<std::int64_t> paused_at_{0};  // steady ns when paused; 0 while running
};

// A clock that moves only when advanced, by the test or (auto-advance) by an idle loop.
// Loop-thread only, like the loop itself.
class ManualClock final : public Clock {
public:
    explicit ManualClock(bool auto_advance = true, TimePoint start = TimePoint{})
        : now_(start), auto_advance_(auto_advance) {}

    TimePoint now() const override { return now_; }
    bool is_virtual() const override { return true; }
    bool auto_advance_to(TimePoint deadline) override {
        if (!auto_advance_) return false;
        if (deadline > now_) now_ = deadline;
        return true;
    }

    void advance(Duration d) { now_ = deadline_after(now_, d); }
    void set_auto_advance(bool on) { auto_advance_ = on; }
    bool auto_advance() const { return auto_advance_; }

private:
    TimePoint now_;
    bool auto_advance_;
};

}  // namespace looplab
