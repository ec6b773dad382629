// runtime/sync/condition.cpp: Condition's wait and notify (see condition.hpp).
#include "runtime/sync/condition.hpp"

#include <exception>
#include <limits>

#include "runtime/task.hpp"

namespace looplab {

Condition::Condition() : owned_lock_(std::make_unique<Lock>()), lock_(owned_lock_.get()) {}

Coro<bool> Condition::wait() {
    if (!locked()) throw InvalidStateError("Condition::wait: the lock is not acquired");
    release();
    Future<void> waiter = waiters_.enqueue("Condition.wait");

    std::exception_ptr cancelled;
    try {
        co_await waiter;
    } catch (const CancelledError&) {
        cancelled = std::current_exception();
        waiters_.remove(waiter);
        // Notified, then cancelled before we ran: that notification was meant for some
        // waiter, and we will not act on it. Give it to the next one.
        if (waiter.done() && !waiter.cancelled()) waiters_.wake_one();
    }

    // Whatever happened, leave holding the lock: the caller's code (and its guard) assumes
    // it. A cancellation while we wait for the lock is remembered, and we wait again.
    // (A coroutine cannot co_await inside a catch block, hence the exception_ptr.)
    for (;;) {
        try {
            co_await lock_->acquire();
            break;
        } catch (const CancelledError&) {
            cancelled = std::current_exception();
        }
    }
    if (cancelled) std::rethrow_exception(cancelled);
    co_return true;
}

void Condition::notify(std::size_t n) {
    if (!locked()) throw InvalidStateError("Condition::notify: the lock is not acquired");
    waiters_.wake(n);
}

void Condition::notify_all() {
    notify(std::numeric_limits<std::size_t>::max());
}

}  // namespace looplab
