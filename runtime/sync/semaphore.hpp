// runtime/sync/semaphore.hpp: at most N tasks at a time.
//
// asyncio: asyncio.Semaphore and asyncio.BoundedSemaphore (locks.py).
//
//     Semaphore slots(3);
//     SemaphoreGuard guard = co_await slots.scoped();   // at most 3 tasks get past here
//
// A counter of free units: acquire() takes one, waiting while there are none; release() gives
// one back. A Semaphore(1) is a Lock.
//
// FIFO by hand-off, as Lock (lock.hpp explains why): when tasks wait, release() gives the unit
// straight to the first pending waiter instead of incrementing the counter, so a task calling
// acquire() in between cannot take it. Hence value() > 0 only when nobody waits. If a waiter
// is handed a unit and cancelled before it runs, acquire() releases that unit again (to the
// next waiter, or back to the counter) before rethrowing CancelledError: no unit is lost.
// asyncio reaches FIFO order without hand-off, at the price of a subtler acquire().
//
// BoundedSemaphore refuses a release() that would take the counter above its initial value,
// catching "released more than acquired" bugs. It throws InvalidStateError (a
// std::logic_error), not asyncio's ValueError: nothing is wrong with an argument, the
// semaphore is in the wrong state for the call, the same category as Lock::release() on an
// unlocked lock.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "runtime/coro.hpp"
#include "runtime/sync/waiter_queue.hpp"

namespace looplab {

class SemaphoreGuard;

// Loop-thread only. Can be constructed outside a running loop: it needs one only when a task
// has to wait (see waiter_queue.hpp). Not copyable or movable (waiting tasks refer to it).
class Semaphore {
public:
    // `value` free units. Throws std::invalid_argument if negative.
    explicit Semaphore(std::int64_t value = 1) : Semaphore(value, std::nullopt) {}
    Semaphore(const Semaphore&) = delete;
    Semaphore& operator=(const Semaphore&) = delete;

    // Takes a unit, waiting (FIFO) while there is none. Does not suspend if one is free.
    // Throws CancelledError if the task is cancelled while waiting; it then holds no unit.
    // Returns true, as asyncio's does (there is no way to fail but by an exception).
    Coro<bool> acquire();

    // Gives a unit to the first waiting task, or back to the counter if none waits. Never
    // suspends. On a BoundedSemaphore, throws InvalidStateError if the counter is already at
    // its initial value.
    void release();

    // True if acquire() would have to wait.
    bool locked() const noexcept { return value_ == 0; }
    // The free units.
    std::int64_t value() const noexcept { return value_; }

    // acquire(), then a guard that releases the unit when it goes out of scope.
    Coro<SemaphoreGuard> scoped();

protected:
    // `bound`: the largest value release() may reach (BoundedSemaphore); none if unbounded.
    Semaphore(std::int64_t value, std::optional<std::int64_t> bound);

private:
    // Invariant: value_ > 0 implies no waiter is pending (hand-off).
    detail::WaiterQueue waiters_{"Semaphore"};
    std::int64_t value_;
    std::optional<std::int64_t> bound_;
};

// A Semaphore whose release() beyond the initial value throws InvalidStateError.
class BoundedSemaphore : public Semaphore {
public:
    explicit BoundedSemaphore(std::int64_t value = 1) : Semaphore(value, value) {}
};

// Releases one unit of a Semaphore when destroyed (asyncio: `async with sem`). Move-only; a
// moved-from guard releases nothing.
class [[nodiscard]] SemaphoreGuard {
public:
    SemaphoreGuard() = default;
    // Adopts one unit of `sem`, which the caller has acquired.
    explicit SemaphoreGuard(Semaphore& sem) noexcept : sem_(&sem) {}
    SemaphoreGuard(SemaphoreGuard&& other) noexcept : sem_(std::exchange(other.sem_, nullptr)) {}
    SemaphoreGuard& operator=(SemaphoreGuard&& other) noexcept {
        if (this != &other) {
            release();
            sem_ = std::exchange(other.sem_, nullptr);
        }
        return *this;
    }
    ~SemaphoreGuard() { release(); }

    // Releases the unit now instead of at destruction (once; later calls do nothing).
    void release() {
        if (sem_) std::exchange(sem_, nullptr)->release();
    }
    bool owns_unit() const noexcept { return sem_ != nullptr; }

private:
    Semaphore* sem_ = nullptr;
};

}  // namespace looplab
