// runtime/sync/semaphore.cpp: Semaphore's acquire and release (see the hand-off rule in
// semaphore.hpp).
#include "runtime/sync/semaphore.hpp"

#include <cassert>
#include <stdexcept>

#include "runtime/task.hpp"

namespace looplab {

Semaphore::Semaphore(std::int64_t value, std::optional<std::int64_t> bound)
    : value_(value), bound_(bound) {
    if (value < 0) throw std::invalid_argument("Semaphore initial value must be >= 0");
}

Coro<bool> Semaphore::acquire() {
    if (value_ > 0) {
        assert(!waiters_.has_pending());
        --value_;
        co_return true;
    }
    Future<void> waiter = waiters_.enqueue("Semaphore.acquire");
    try {
        co_await waiter;
    } catch (const CancelledError&) {
        waiters_.remove(waiter);
        // Handed a unit, then cancelled before we ran: give it back rather than lose it.
        if (waiter.done() && !waiter.cancelled()) release();
        throw;
    }
    // release() handed us the unit without touching value_: nothing to take.
    co_return true;
}

void Semaphore::release() {
    if (bound_ && value_ >= *bound_) {
        throw InvalidStateError("BoundedSemaphore released too many times");
    }
    if (waiters_.wake_one()) return;  // the unit goes straight to the woken task
    ++value_;
}

Coro<SemaphoreGuard> Semaphore::scoped() {
    co_await acquire();
    co_return SemaphoreGuard(*this);
}

}  // namespace looplab
