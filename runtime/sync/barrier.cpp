// runtime/sync/barrier.cpp: Barrier's wait, abort and reset (see barrier.hpp).
#include "runtime/sync/barrier.hpp"

#include <exception>
#include <limits>

#include "runtime/exercise_not_done.hpp"
#include "runtime/task.hpp"

namespace looplab {

Barrier::Barrier(std::size_t parties) : parties_(parties) {
    if (parties == 0) throw std::invalid_argument("Barrier: parties must be at least 1");
}

Coro<std::size_t> Barrier::wait() {
    // exercise(barrier): begin
    if (broken_) throw BrokenBarrierError();
    const std::size_t index = count_++;
    if (count_ == parties_) {
        // The last arrival releases the cycle and starts the next one; it never suspends.
        count_ = 0;
        ++cycle_;
        waiters_.wake(std::numeric_limits<std::size_t>::max());
        co_return index;
    }
    const std::uint64_t my_cycle = cycle_;
    Future<void> waiter = waiters_.enqueue("Barrier.wait", /*together=*/true);
    try {
        co_await waiter;  // BrokenBarrierError here if abort() or reset() ended the cycle
    } catch (const CancelledError&) {
        waiters_.remove(waiter);
        // Leave the cycle only if it is still filling: a released, broken or reset one is over.
        if (cycle_ == my_cycle) --count_;
        throw;
    }
    co_return index;
    // exercise(barrier): end
}

void Barrier::abort() {
    // exercise(barrier): begin
    if (broken_) return;
    broken_ = true;
    count_ = 0;
    ++cycle_;
    waiters_.fail_all(std::make_exception_ptr(BrokenBarrierError()));
    // exercise(barrier): end
}

void Barrier::reset() {
    // exercise(barrier): begin
    // The cycle in progress ends broken for whoever waits in it; the barrier itself is whole
    // again (even after abort()), empty, ready for a new cycle.
    count_ = 0;
    ++cycle_;
    broken_ = false;
    waiters_.fail_all(std::make_exception_ptr(BrokenBarrierError("barrier was reset")));
    // exercise(barrier): end
}

}  // namespace looplab
