// runtime/sync/event.hpp: a flag that tasks can wait for.
//
// asyncio: asyncio.Event (locks.py).
//
//     co_await ready.wait();   // in the consumers
//     ready.set();             // in the producer: every waiter wakes
//
// The flag starts clear. wait() returns at once while it is set, and otherwise suspends until
// set() is called. set() wakes every waiter (in the order they started waiting) and leaves
// the flag set until clear(). A waiter woken by set() returns from wait() even if clear() is
// called before it gets to run: it was woken by that set(), and asyncio behaves the same.
//
// Built on the same FIFO of futures as Lock: set() completes them all and forgets them. An
// Event has no counting and no ownership, so cancelling a waiter needs no hand-off fix-up:
// the cancelled waiter just leaves the queue.
#pragma once

#include "runtime/coro.hpp"
#include "runtime/sync/waiter_queue.hpp"

namespace looplab {

// Loop-thread only. Can be constructed outside a running loop: it needs one only when a task
// has to wait (see waiter_queue.hpp). Not copyable or movable (waiting tasks refer to it).
class Event {
public:
    Event() = default;
    Event(const Event&) = delete;
    Event& operator=(const Event&) = delete;

    // Returns true once the flag is set (asyncio returns True): at once, without suspending,
    // if it is set already. Throws CancelledError if the task is cancelled while waiting.
    Coro<bool> wait();

    // Sets the flag and wakes every waiting task. Never suspends; a no-op if already set.
    void set();

    // Clears the flag: later wait() calls block until the next set().
    void clear() noexcept { set_ = false; }

    bool is_set() const noexcept { return set_; }

private:
    detail::WaiterQueue waiters_{"Event"};  // empty whenever set_ is true
    bool set_ = false;
};

}  // namespace looplab
