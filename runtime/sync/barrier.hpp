// runtime/sync/barrier.hpp: N tasks wait for each other, then all go on together.
//
// asyncio: asyncio.Barrier (locks.py, Python 3.11), and asyncio.BrokenBarrierError.
//
//     Barrier barrier(3);
//     std::size_t index = co_await barrier.wait();   // in each of 3 tasks: the 3rd releases all
//
// A cycle fills up: each wait() suspends its task until `parties` tasks are waiting; the task
// that arrives last does not suspend, it wakes the others and returns at once. The barrier is
// then empty again and the next wait() starts a new cycle (it is cyclic, like asyncio's and
// threading's). wait() returns the task's arrival index in its cycle, 0 for the first.
//
// abort() breaks the barrier: every waiting task and every later wait() throws
// BrokenBarrierError, so tasks stuck at a barrier whose partner died do not wait forever.
// reset() ends the cycle in progress the same way for the tasks waiting in it, but leaves the
// barrier whole: empty, not broken (even if it was), ready for a new cycle. A task cancelled
// while waiting leaves the cycle (the count drops by one), so the cycle then needs one more
// arrival, as in asyncio.
//
//     filling --last arrival--> (released) filling, next cycle
//        |  \--reset()--> (waiters: BrokenBarrierError) filling, next cycle
//        \--abort()--> broken --reset()--> filling
//
// Built on the same FIFO of futures as Event (waiter_queue.hpp): a released waiter's future
// gets a result, an aborted or reset one's gets BrokenBarrierError, thrown at its co_await.
// Each waiter remembers the cycle number it arrived in, so that one cancelled after its cycle
// ended does not take itself out of the next cycle's count.
//
// DIFFERENCE: asyncio's Barrier has a "draining" state: the tasks a cycle released must all
// have left wait() before the next cycle may begin to fill, and an early arrival waits for that.
// Here the next cycle begins the moment the last arrival releases the current one, so an early
// arrival counts in the new cycle at once (tests/exercises/barrier_test.cpp shows it). Both
// keep cycles apart; hand-off makes draining unnecessary, since no released task still has to
// take anything from the barrier. reset() and abort() are plain functions here (asyncio's are
// coroutines, which await the barrier's internal condition lock).
//
// This file is graded exercise "barrier" (docs/course.md, lesson 6): the bodies of wait(),
// abort() and reset() in barrier.cpp are the regions a starter copy leaves for the student.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>

#include "runtime/coro.hpp"
#include "runtime/sync/waiter_queue.hpp"

namespace looplab {

// A wait() on an aborted barrier (asyncio.BrokenBarrierError).
class BrokenBarrierError : public std::runtime_error {
public:
    explicit BrokenBarrierError(const char* why = "barrier is broken (aborted)")
        : std::runtime_error(why) {}
};

// Loop-thread only. Not copyable or movable (waiting tasks refer to it).
class Barrier {
public:
    // std::invalid_argument if parties is 0.
    explicit Barrier(std::size_t parties);
    Barrier(const Barrier&) = delete;
    Barrier& operator=(const Barrier&) = delete;

    // Suspends until `parties` tasks have called wait() in this cycle, then returns this task's
    // arrival index (0 .. parties-1). The last arrival returns without suspending. Throws
    // BrokenBarrierError if the barrier is or becomes aborted, CancelledError if the task is
    // cancelled while waiting.
    Coro<std::size_t> wait();

    // Breaks the barrier: waiting tasks and every later wait() throw BrokenBarrierError.
    // Idempotent; never suspends.
    void abort();

    // Back to empty and not broken: the tasks waiting in the current cycle throw
    // BrokenBarrierError ("barrier was reset"); later wait() calls start a new cycle.
    // Never suspends.
    void reset();

    std::size_t parties() const noexcept { return parties_; }
    // How many tasks are waiting in the current cycle.
    std::size_t n_waiting() const noexcept { return count_; }
    bool broken() const noexcept { return broken_; }

private:
    std::size_t parties_;
    std::size_t count_ = 0;    // arrivals in the current cycle, minus cancelled ones
    std::uint64_t cycle_ = 0;  // how many cycles have ended (released, aborted or reset)
    bool broken_ = false;      // set by abort(), cleared by reset()
    detail::WaiterQueue waiters_{"Barrier"};
};

}  // namespace looplab
