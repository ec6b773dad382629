// runtime/timer_heap.hpp: the loop's pending timers, earliest first.
//
// asyncio: BaseEventLoop._scheduled (a heapq of TimerHandle) with _timer_cancelled_count.
// libuv:   the timer min-heap in src/timer.c.
//
// A binary min-heap ordered by (deadline, sequence number): the sequence number makes timers
// with equal deadlines fire in the order they were scheduled. Push and pop are O(log n).
//
// Cancelling a timer only marks its handle: removing from the middle of a heap needs the
// entry's position, and most timers are cancelled (timeouts that did not fire), so marking
// is O(1) and the entry is dropped when it reaches the top. When cancelled entries are more
// than half of a heap of at least 100, the heap is rebuilt without them (asyncio's rule), so
// memory stays proportional to the live timers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/handle.hpp"

namespace looplab {

class TimerHeap final : public detail::TimerOwner {
public:
    TimerHeap() = default;
    TimerHeap(const TimerHeap&) = delete;  // timers point at their heap
    TimerHeap& operator=(const TimerHeap&) = delete;

    // Adds a timer; `handle` must have `when` set. The heap keeps a reference to it.
    void push(const TimerHandle& handle);

    // Earliest deadline among the entries (cancelled ones included; the loop drops those
    // first with drop_cancelled_top()). nullopt when empty.
    std::optional<TimePoint> next_deadline() const;

    // Pops cancelled entries off the top, so next_deadline() names a live timer.
    void drop_cancelled_top();

    // Removes and returns the earliest timer if its deadline is <= now.
    std::optional<Handle> pop_expired(TimePoint now);

    // A timer in the heap was cancelled (its handle tells us); may rebuild the heap.
    void timer_cancelled() noexcept override;

    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }
    std::size_t cancelled_count() const { return cancelled_; }

    // Forgets every timer (loop close). Their handles become unscheduled.
    void clear();

private:
    struct Entry {
        TimePoint when;
        std::uint64_t seq;
        Handle handle;
    };
    // std heap algorithms build a max-heap; this comparator makes the earliest the "largest".
    static bool later(const Entry& a, const Entry& b) {
        return a.when != b.when ? a.when > b.when : a.seq > b.seq;
    }
    void pop_top();
    void rebuild_without_cancelled();

    static constexpr std::size_t kMinSizeToCompact = 100;

    std::vector<Entry> entries_;
    std::uint64_t next_seq_ = 0;
    std::size_t cancelled_ = 0;
};

}  // namespace looplab
