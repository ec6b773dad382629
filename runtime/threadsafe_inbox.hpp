// runtime/threadsafe_inbox.hpp: how other threads hand callbacks to a loop and wake it.
//
// asyncio: loop.call_soon_threadsafe + the self-pipe (_write_to_self / _read_from_self).
// libuv:   uv_async_t (src/unix/async.c), with the same eventfd / pipe trick.
//
// The problem. The loop thread spends its idle time blocked in the selector (epoll_wait),
// and only a ready fd, a timer deadline or a signal ends that wait. A worker thread that
// finished a job cannot touch the ready queue (it is not locked: only the loop thread uses
// it), and even if it could, the loop would not look at it until something woke it.
//
// The mechanism. The inbox is a mutex-protected queue plus one fd that other threads can
// make readable: an eventfd on Linux (one fd holding an 8-byte counter; write adds, read
// empties it), a pipe elsewhere (write a byte, read them all). The loop registers the read end
// with its selector like any socket. post(fn), on any thread:
//     lock; push fn; unlock; write 1 to the fd        -> epoll_wait returns, the fd readable
// and on the loop thread, in run_once:
//     phase 3: drain the fd (so it is not reported readable again)
//     phase 4: lock; take every queued fn; unlock; append them to the ready queue
//     phase 6: run them, like any other callback
//
// Why wake-ups coalesce. A write is a system call, and so is the read that undoes it. The
// loop needs one wake-up per *batch*, not per callback: once it is awake it takes the whole
// queue anyway. So wakeup_pending_ says "a wake-up is already on its way": a thread that
// posts while it is set only queues. 100,000 posts in a burst cost one write and one read,
// not 100,000 of each (wakeup_writes() counts the writes; the tests check it).
//
// Why no wake-up is ever lost. The flag is set by the poster and cleared by the loop, both
// under the queue's mutex, and the loop clears it in the same critical section in which it
// empties the queue (take_all). So every callback is in one of two places: in a batch the
// loop has taken, or in the queue with the flag set by the post that set it (or by an
// earlier post, whose write has happened or is about to). That write makes the fd readable,
// and a readable fd ends the next epoll_wait. The worst case is a spare wake-up: a write
// that lands after the loop already took the batch (the next select returns at once, finds
// nothing, and the loop goes back to sleep).
//
// Lifetime. The inbox is shared (std::shared_ptr) between the loop and whoever may post
// later (run_in_executor's done callback holds the inbox, not the loop). When the loop
// closes, the inbox is closed: post() then refuses, and the fd stays open until the last
// holder lets go, so a late poster never writes to a closed, or reused, fd number.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "runtime/context.hpp"
#include "runtime/label.hpp"
#include "runtime/source_location.hpp"
#include "runtime/unique_function.hpp"

namespace looplab::detail {

class ThreadsafeInbox {
public:
    // A callback handed over by another thread, with where it was posted (debug mode names
    // a slow one by that site).
    struct Posted {
        Callback fn;
        SourceLocation where;
        ContextMapPtr context;  // the poster's context (context.hpp); null: none set
        Label label;            // what it does, in words (label.hpp); built on the posting thread
    };

    ThreadsafeInbox();  // throws std::system_error if no eventfd / pipe can be made
    ~ThreadsafeInbox();
    ThreadsafeInbox(const ThreadsafeInbox&) = delete;
    ThreadsafeInbox& operator=(const ThreadsafeInbox&) = delete;

    // Any thread. Queues fn and, unless a wake-up is already pending, makes the fd readable.
    // Returns false, leaving fn untouched, if the inbox is closed. Never blocks for long (the
    // mutex is only held to push or swap a vector) and never throws for a full fd (a full
    // counter or pipe means the loop is certain to wake anyway).
    // `context` is the poster's current map, run with fn on the loop (null: none set); `label`
    // says what fn does, in words (label.hpp), built on the posting thread.
    bool post(Callback& fn, SourceLocation where = SourceLocation::current(),
              ContextMapPtr context = nullptr, Label label = {});

    // Loop thread. Might anything be queued? Cheap and lock-free. A stale `false` is
    // harmless: the post that queued the callback also writes the fd, so the selector
    // reports it and the next iteration looks again.
    bool maybe_pending() const {
        return fd_was_readable_ || wakeup_pending_.load(std::memory_order_relaxed);
    }
    // Loop thread. Empties the fd (after the selector reported it readable).
    void drain_fd();
    // Loop thread. Moves every queued callback into `out` (appending) and clears the flag.
    void take_all(std::vector<Posted>& out);
    // Loop thread. Refuses further posts and drops what is queued.
    void close();

    // For a poster whose post() was refused because the loop closed: keeps fn for the rest
    // of the process, neither run nor destroyed. For callbacks holding loop objects (a loop
    // future's reference) that must not be released off the loop thread: a small deliberate
    // leak at shutdown instead of a data race. Kept reachable from a global, so that leak
    // checkers (LeakSanitizer) do not report it. Any thread.
    static void abandon(Callback fn);

    int read_fd() const { return read_fd_; }
    // The fd post() writes to (the same as read_fd() for an eventfd). Debug mode's SIGUSR1
    // handler writes to it too, to wake the loop for the task dump (debug.hpp).
    int write_fd() const { return write_fd_; }
    // How many times a post wrote to the fd (one per wake-up, not one per post). Any thread.
    std::uint64_t wakeup_writes() const { return wakeup_writes_.load(std::memory_order_relaxed); }

private:
    std::mutex mutex_;
    std::vector<Posted> queue_;  // guarded by mutex_
    bool closed_ = false;        // guarded by mutex_
    // Set by the post that finds it clear (that post writes the fd); cleared by take_all.
    // Written only under mutex_; atomic so maybe_pending can peek without it.
    std::atomic<bool> wakeup_pending_{false};
    // Loop thread only: drain_fd saw the fd readable, so take_all must look even if the flag
    // read false (the write is our evidence that something was posted; see maybe_pending).
    bool fd_was_readable_ = false;
    std::atomic<std::uint64_t> wakeup_writes_{0};
    int read_fd_ = -1;
    int write_fd_ = -1;  // the same fd as read_fd_ for an eventfd
};

}  // namespace looplab::detail
