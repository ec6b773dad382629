// runtime/sync/condition.hpp: wait, with a lock held, until another task says something changed.
//
// asyncio: asyncio.Condition (locks.py).
//
//     LockGuard guard = co_await cond.scoped();
//     co_await cond.wait_for([&] { return !items.empty(); });   // consumer
//
//     LockGuard guard = co_await cond.scoped();
//     items.push_back(x);
//     cond.notify();                                             // producer
//
// A Condition is a Lock plus a FIFO of waiters. wait() releases the lock, sleeps until
// notified, and takes the lock again before returning, so the code after it runs with the
// lock held, as the code before it did. notify(n) wakes the n longest-waiting tasks; each
// must then win the lock back, so a notified task runs only after the notifier releases it.
//
// Cancellation keeps that promise too: a task cancelled in wait() still re-acquires the lock
// (waiting for it if need be) before CancelledError leaves wait(). The caller's clean-up, and
// the guard that releases the lock on the way out, can rely on holding it. And a task that was
// notified but cancelled before it ran passes its notification to the next waiter, so
// cancelling one consumer does not make a notify() disappear (asyncio 3.13 does the same).
//
// The lock is either the Condition's own or borrowed (several Conditions over one Lock is the
// classic "not empty / not full" pair over one buffer).
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>

#include "runtime/coro.hpp"
#include "runtime/sync/lock.hpp"
#include "runtime/sync/waiter_queue.hpp"

namespace looplab {

// Loop-thread only. Can be constructed outside a running loop: it needs one only when a task
// has to wait (see waiter_queue.hpp). Not copyable or movable (waiting tasks refer to it).
class Condition {
public:
    // With a lock of its own.
    Condition();
    // Sharing `lock`, which must outlive the Condition.
    explicit Condition(Lock& lock) : lock_(&lock) {}
    Condition(const Condition&) = delete;
    Condition& operator=(const Condition&) = delete;

    // The underlying lock's operations (see lock.hpp).
    Coro<bool> acquire() { return lock_->acquire(); }
    void release() { lock_->release(); }
    bool locked() const noexcept { return lock_->locked(); }
    Coro<LockGuard> scoped() { return lock_->scoped(); }

    // Releases the lock, waits until notified, re-acquires the lock, returns true (as
    // asyncio's). The caller must hold the lock: throws InvalidStateError otherwise (without
    // waiting). If the task is cancelled, the lock is still re-acquired before CancelledError
    // is thrown.
    Coro<bool> wait();

    // Waits (as wait()) until predicate() is truthy, and returns its last value (asyncio:
    // wait_for returns the predicate's result: a predicate may return what it was waiting
    // for, an optional or a pointer). The value must convert to bool (a Python list's
    // truthiness has no C++ equivalent: return an optional of it). predicate is called with the
    // lock held, first before any waiting: a truthy first value returns at once, without the lock
    // being needed.
    template <class Pred>
    Coro<std::decay_t<std::invoke_result_t<Pred&>>> wait_for(Pred predicate);

    // Wakes the n tasks that have waited longest (fewer if fewer wait). The caller must hold
    // the lock: throws InvalidStateError otherwise. Never suspends.
    void notify(std::size_t n = 1);
    // Wakes every waiting task. Same contract as notify().
    void notify_all();

private:
    std::unique_ptr<Lock> owned_lock_;  // set by Condition(); null when the lock is borrowed
    Lock* lock_;                        // the lock in use: owned_lock_ or the borrowed one
    detail::WaiterQueue waiters_{"Condition"};
};

template <class Pred>
Coro<std::decay_t<std::invoke_result_t<Pred&>>> Condition::wait_for(Pred predicate) {
    // A notify says "something changed", not "your predicate holds": check again each time.
    auto result = predicate();
    while (!result) {
        co_await wait();
        result = predicate();
    }
    co_return result;
}

}  // namespace looplab
