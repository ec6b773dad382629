// runtime/sync/lock.hpp: mutual exclusion between the tasks of one loop.
//
// asyncio: asyncio.Lock (locks.py).
//
//     co_await lock.acquire();  ...  lock.release();
//     { LockGuard guard = co_await lock.scoped();  ... }   // asyncio: async with lock:
//
// Not a thread mutex: acquire() never blocks the thread, it suspends the task and the loop
// runs others meanwhile. Everything happens on the loop's thread, so there are no atomics.
// Like asyncio's, a Lock has no owner: any task may release it.
//
// FIFO by hand-off. When tasks are waiting, release() does not unlock: it passes the lock
// straight to the first waiter still pending (completes its future), and locked() stays true.
// A task that calls acquire() before that waiter has run finds the lock held and queues
// behind it, so the lock goes to tasks exactly in the order they asked for it. asyncio
// instead unlocks, wakes the first waiter, and keeps newcomers off its fast path while a
// waiter that is not cancelled is still queued; the woken waiter locks again when it runs.
// Hand-off says the same thing in one place, and locked() tells the truth meanwhile. The
// cost: until the next iteration, the lock is held by a task that has not run yet.
//
// The race hand-off creates: a waiter is handed the lock and then cancelled before its step
// runs. Its future is already done, so the cancellation arrives as CancelledError at its
// co_await anyway, and nobody would ever release the lock it was given. acquire() catches that
// case and passes the lock on (to the next waiter, or unlocks) before rethrowing: a
// cancellation never leaks the lock.
#pragma once

#include <utility>

#include "runtime/coro.hpp"
#include "runtime/sync/waiter_queue.hpp"

namespace looplab {

class LockGuard;

// Loop-thread only. Can be constructed outside a running loop: it needs one only when a task
// has to wait (see waiter_queue.hpp). Not copyable or movable (waiting tasks refer to it).
class Lock {
public:
    Lock() = default;
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

    // Returns true once the calling task holds the lock (asyncio's acquire returns True too:
    // `if await lock.acquire():`); tasks get it in the order they called acquire(). Does not
    // suspend at all if the lock is free. Throws CancelledError if the task is cancelled while
    // waiting, and the task then does not hold the lock.
    Coro<bool> acquire();

    // Gives the lock to the first waiting task, or unlocks it if none waits. Never suspends.
    // Throws InvalidStateError if the lock is not locked.
    void release();

    // Held, or handed to a waiter that has not run yet.
    bool locked() const noexcept { return locked_; }

    // acquire(), then a guard that releases the lock when it goes out of scope.
    Coro<LockGuard> scoped();

private:
    // Invariant: !locked_ implies no waiter is pending (release() only unlocks when it found
    // no one to hand the lock to, and tasks only queue while it is locked).
    detail::WaiterQueue waiters_{"Lock"};
    bool locked_ = false;
};

// Releases a held Lock when destroyed (asyncio: the __aexit__ of `async with lock`).
// Move-only; a moved-from guard releases nothing. Releasing the lock by hand while a guard
// still holds it is a bug: the guard's destructor would then throw InvalidStateError, which
// terminates. Use guard.release() to let go early.
class [[nodiscard]] LockGuard {
public:
    LockGuard() = default;
    // Adopts `lock`, which the caller must hold.
    explicit LockGuard(Lock& lock) noexcept : lock_(&lock) {}
    LockGuard(LockGuard&& other) noexcept : lock_(std::exchange(other.lock_, nullptr)) {}
    LockGuard& operator=(LockGuard&& other) noexcept {
        if (this != &other) {
            release();
            lock_ = std::exchange(other.lock_, nullptr);
        }
        return *this;
    }
    ~LockGuard() { release(); }

    // Releases the lock now instead of at destruction (once; later calls do nothing).
    void release() {
        if (lock_) std::exchange(lock_, nullptr)->release();
    }
    bool owns_lock() const noexcept { return lock_ != nullptr; }

private:
    Lock* lock_ = nullptr;
};

}  // namespace looplab
