// runtime/threadsafe_inbox.hpp: how other threads hand callbacks to a loop and wake it.
//
// asyncio: loop.call_soon_threadsafe + the self-pipe (_write_to_self / _read_from_self).
// libuv:   uv_async_t (src/unix/async.c), with the same eventfd / pipe trick.
//
// A loop blocked in epoll_wait only wakes for an fd, a timer or a signal. So the inbox owns an
// fd that other threads can make readable: an eventfd on Linux (one fd holding an 8-byte
// counter), a pipe elsewhere. The loop registers its read end with the selector like any fd.
//
// Wake-ups coalesce: wakeup_pending_ says "a wake-up is already on its way", so a thread that
// posts while it is set does not write again. 100,000 posts in a burst cost one write and one
// read, not 100,000 of each. The loop clears the flag *before* taking the queue (take_all),
// under the same mutex the posters use, so a callback posted after the loop took its batch
// always sees the flag clear and writes: no callback is ever left without a wake-up.
//
// The inbox is shared (std::shared_ptr) between the loop and whoever may post later (an
// executor's done callback). When the loop closes, the inbox is closed: post() then refuses,
// and the fd stays open until the last holder lets go, so a late poster never writes to a
// closed (or reused) fd number.
#pragma once

#include <atomic>
#include <mutex>
#include <vector>

#include "runtime/unique_function.hpp"

namespace looplab::detail {

class ThreadsafeInbox {
public:
    ThreadsafeInbox();  // throws std::system_error if no eventfd / pipe can be made
    ~ThreadsafeInbox();
    ThreadsafeInbox(const ThreadsafeInbox&) = delete;
    ThreadsafeInbox& operator=(const ThreadsafeInbox&) = delete;

    // Any thread. Queues fn and wakes the loop unless a wake-up is pending. Returns false,
    // leaving fn untouched, if the inbox is closed.
    bool post(Callback& fn);

    // Loop thread. Is anything (possibly) waiting? A relaxed peek, no lock.
    bool maybe_pending() const { return wakeup_pending_.load(std::memory_order_acquire); }
    // Loop thread. Empties the fd's counter (after the selector reported it readable).
    void drain_fd();
    // Loop thread. Moves every queued callback into `out` (appending).
    void take_all(std::vector<Callback>& out);
    // Loop thread. Refuses further posts and drops what is queued.
    void close();

    int read_fd() const { return read_fd_; }

private:
    std::mutex mutex_;
    std::vector<Callback> queue_;
    std::atomic<bool> wakeup_pending_{false};
    bool closed_ = false;
    int read_fd_ = -1;
    int write_fd_ = -1;  // the same fd as read_fd_ for an eventfd
};

}  // namespace looplab::detail
