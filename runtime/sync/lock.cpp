// runtime/sync/lock.cpp: Lock's acquire and release (see the hand-off rule in lock.hpp).
#include "runtime/sync/lock.hpp"

#include <cassert>

#include "runtime/task.hpp"

namespace looplab {

Coro<bool> Lock::acquire() {
    if (!locked_) {
        assert(!waiters_.has_pending());
        locked_ = true;
        co_return true;
    }
    Future<void> waiter = waiters_.enqueue("Lock.acquire");
    try {
        co_await waiter;
    } catch (const CancelledError&) {
        waiters_.remove(waiter);
        // Handed the lock (future completed) but cancelled before we ran: the lock is ours,
        // and we are about to leave without it. Pass it on rather than leak it.
        if (waiter.done() && !waiter.cancelled()) release();
        throw;
    }
    // release() kept locked_ true and handed the lock to us: nothing left to do.
    co_return true;
}

void Lock::release() {
    if (!locked_) throw InvalidStateError("Lock::release: the lock is not acquired");
    if (waiters_.wake_one()) return;  // handed over: stays locked, now for the woken task
    locked_ = false;
}

Coro<LockGuard> Lock::scoped() {
    co_await acquire();
    co_return LockGuard(*this);
}

}  // namespace looplab
