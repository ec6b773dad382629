// runtime/sync/waiter_queue.hpp: the FIFO of futures that tasks blocked on a primitive await.
//
// asyncio: the `_waiters` / `_getters` / `_putters` deques of Lock, Event, Condition,
//          Semaphore (locks.py) and Queue (queues.py), and _LoopBoundMixin (mixins.py), which
//          binds a primitive to the running loop the first time it needs one.
//
// Every synchronization primitive blocks a task the same way: it creates a future, appends it
// here, and awaits it. Waking a task is set_result on its future; the task's step then runs on
// a later iteration (done callbacks go through call_soon), so waking never runs the woken task
// inside the waker's call stack. Cancelling a blocked task cancels its future: that future
// stays queued, done, until wake_one skips it or its task removes it while cleaning up.
//
// Why futures and not a list of coroutine handles: a future is what a Task already knows how
// to wait on and how to cancel, so the primitives need no machinery of their own. That is
// exactly how asyncio builds them, and why they compose with cancellation for free.
//
// Why bind lazily: a primitive is often built before any loop runs (a member, a global, a
// test fixture). Like asyncio 3.10+, it looks up the running loop only when a task first has
// to wait; a primitive that never makes anyone wait never binds at all. Unlike asyncio, the
// binding lasts only while futures are queued: an idle primitive may be used by the next loop
// (tests do that), and only mixing two loops' futures in one queue is refused. asyncio's rule
// (bound for life) compares loop identity, which C++ can only do by address, and a new loop
// can live at a dead one's address: the rule would then pass or fail depending on where the
// loop was allocated. Queued futures are what actually tie a primitive to a loop.
//
// Lifetime: a waiter removes its future when its wait is cancelled, so with looplab::run
// (which cancels leftover tasks and lets them finish) the queue is empty when the loop ends.
// Closing a loop with tasks still blocked here destroys their frames without that clean-up:
// such a primitive must not be used again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <utility>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::detail {

// Loop-thread only, like the futures it holds.
class WaiterQueue {
public:
    // `owner` names the primitive in error messages ("Lock", "Queue", ...).
    explicit WaiterQueue(const char* owner) : owner_(owner) {}
    WaiterQueue(const WaiterQueue&) = delete;
    WaiterQueue& operator=(const WaiterQueue&) = delete;

    // A new pending future at the back of the queue, for the calling task to await, created
    // on the running loop. Throws std::runtime_error if no loop is running, and
    // InvalidStateError if futures of another loop are still queued (one wake-up could then
    // have to resume tasks of two loops).
    // `what` labels the future (label.hpp): "Lock.acquire (3rd in line)"; with `together`,
    // for waiters all woken at once: "Event.wait (3 waiting)".
    Future<void> enqueue(const char* what = nullptr, bool together = false) {
        EventLoop& running = get_running_loop();
        if (waiters_.empty()) loop_ = &running;
        if (loop_ != &running) {
            throw InvalidStateError(std::string(owner_) + " is in use by another event loop");
        }
        waiters_.push_back(running.create_future<void>());
        waiters_.back().state()->set_label({what ? what : owner_,
                                            together ? &describe_together : &describe_in_line, this,
                                            static_cast<std::int64_t>(++tickets_)});
        return waiters_.back();
    }

    // Wakes the first waiter that is still pending: removes it, and any done (cancelled)
    // waiters ahead of it, and completes its future. Returns false if no waiter was pending;
    // the queue is then empty.
    bool wake_one() {
        while (!waiters_.empty()) {
            Future<void> waiter = std::move(waiters_.front());
            waiters_.pop_front();
            if (!waiter.done()) {
                waiter.set_result();
                return true;
            }
        }
        return false;
    }

    // wake_one() up to n times; returns how many waiters were woken.
    std::size_t wake(std::size_t n) {
        std::size_t woken = 0;
        while (woken < n && wake_one()) ++woken;
        return woken;
    }

    // Completes every pending waiter with `error` (thrown at each waiter's co_await) and empties
    // the queue; returns how many were failed. For a primitive that breaks (Barrier::abort).
    std::size_t fail_all(const std::exception_ptr& error) {
        std::size_t failed = 0;
        while (!waiters_.empty()) {
            Future<void> waiter = std::move(waiters_.front());
            waiters_.pop_front();
            if (!waiter.done()) {
                waiter.set_exception(error);
                ++failed;
            }
        }
        return failed;
    }

    // Removes `waiter` if it is still queued: a task cleaning up after its wait was cancelled.
    // (It may already be gone: wake_one drops done waiters it passes.)
    void remove(const Future<void>& waiter) {
        std::erase_if(waiters_, [&](const Future<void>& w) { return w.state() == waiter.state(); });
    }

    // Whether any queued waiter is still pending (neither woken nor cancelled).
    bool has_pending() const {
        for (const Future<void>& w : waiters_) {
            if (!w.done()) return true;
        }
        return false;
    }

private:
    // The label's live words: the waiter's place among the pending ones (its ticket orders it).
    static void describe_in_line(const Label& label, const LabelView& view, std::string& out) {
        if (!view.live) return;
        std::uint64_t ahead = 0;
        for (const Future<void>& w : static_cast<const WaiterQueue*>(label.subject)->waiters_) {
            if (!w.done() && w.state()->label().number < label.number) ++ahead;
        }
        out += " (" + labels::ordinal(ahead + 1) + " in line)";
    }
    static void describe_together(const Label& label, const LabelView& view, std::string& out) {
        if (!view.live) return;
        std::size_t pending = 0;
        for (const Future<void>& w : static_cast<const WaiterQueue*>(label.subject)->waiters_) {
            pending += w.done() ? 0 : 1;
        }
        out += " (" + std::to_string(pending) + (pending == 1 ? " task" : " tasks") + " waiting)";
    }

    const char* owner_;
    std::uint64_t tickets_ = 0;         // waiters ever queued: each one's place in line
    EventLoop* loop_ = nullptr;         // the loop of every queued future (if any are queued)
    std::deque<Future<void>> waiters_;  // oldest first; may hold done (cancelled) entries
};

}  // namespace looplab::detail
