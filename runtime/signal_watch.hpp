// runtime/signal_watch.hpp: how a POSIX signal reaches a loop: a C handler that sets a flag and
// writes to the loop's wake-up fd, and the loop that turns the flag into a callback.
//
// asyncio: loop.add_signal_handler / remove_signal_handler (unix_events.py) on
//          signal.set_wakeup_fd (the C handler writes the signal number to the self-pipe, and
//          _read_from_self / _handle_signal make it a callback).
// libuv:   uv_signal_t (src/unix/signal.c), which does the same with a process-wide pipe.
//
// Why a signal handler may not touch the loop. A signal interrupts a thread between any two
// instructions, and the handler runs on that thread's stack before the interrupted code goes
// on. Suppose the handler called call_soon_threadsafe: that takes the inbox's mutex. If the
// signal interrupted the loop thread inside take_all, which holds that very mutex, the handler
// waits for a lock its own thread holds and will never release: a deadlock. malloc, iostreams
// and the ready queue have the same problem (they lock, or they are half-updated at the moment
// of the interruption). POSIX lists the few functions a handler may call
// (async-signal-safe: write, sigaction, raise, ...); lock-free atomics are safe too. So the
// handler here does exactly three things, none of which can block or observe a half-done
// update:
//     raised[sig] = true;             a lock-free atomic store
//     write(wake_fd, 1);              async-signal-safe
//     (keep errno as it was)          the interrupted code may be about to read it
// and everything else happens on the loop thread, in an ordinary iteration.
//
// Why the loop's own wake-up fd (the self-pipe trick), not signalfd. signalfd(2) only reports
// signals that are blocked in every thread, which a library cannot promise: any thread it did
// not create (a program's own, a library's worker) with the signal unblocked takes the
// default action instead, and for SIGINT or SIGTERM that kills the process. A handler installed
// with sigaction works whichever thread the kernel picks. And the loop already has an fd that
// wakes it from epoll_wait, the call_soon_threadsafe inbox's eventfd (threadsafe_inbox.hpp), so
// the handler writes to that one: no extra fd, no extra selector registration (asyncio, too,
// points set_wakeup_fd at the self-pipe that call_soon_threadsafe uses).
//
// Why no raise is lost, and why a storm coalesces. The handler sets the flag BEFORE it writes
// the fd; the loop (EventLoop::queue_signal_callbacks, in phase 4, after phase 3 has drained the
// fd) exchanges the flag with false and queues the callback if it was true. Any raise either
// set its flag before that exchange (the exchange sees it: this iteration queues the callback)
// or after it, and then its write comes after the drain as well, so the fd is readable and the
// next epoll_wait returns at once (the next iteration sees the flag). A thousand raises before
// the loop looks set one flag: one callback. That is the contract ("at least one call after
// each raise; several raises may be one call"), the same as the kernel's own for a pending
// standard signal, and what asyncio documents for a full self-pipe. (The kernel's write to an
// eventfd and the loop's epoll_wait are system calls, each a full memory barrier, which is what
// lets the loop see the flag the handler stored before its write.)
//
// Why a removed signal's fd is never written after it closed. A handler running on another
// thread may have loaded the wake-up fd just before the loop released the signal; if the loop
// then closed the fd and the number was reused, the handler would write into someone else's
// file. So every handler counts itself in (handlers_running) before it loads the fd and out
// after its write, and ~SignalWatch, after storing -1 into each slot it held, waits until the
// count is zero before it lets go of the inbox (whose destruction closes the fd). All of these
// are seq_cst, one total order: a handler that loaded the old fd had counted itself in before
// the store of -1, so the wait sees it; a handler that counts itself in after the wait read
// zero loads the fd after the store, and finds -1.
//
// One loop per signal. Each signal number has one slot in the process, owned by at most one
// loop (any thread's). asyncio only allows handlers on the main thread's loop, because Python
// runs its signal handlers on the main thread between bytecodes; here the C handler runs on
// whichever thread the kernel chose and only writes to the owning loop's fd, so the callback
// always runs on the owning loop's thread, whichever loop that is. A second loop asking for a
// signal another loop holds gets InvalidStateError (asyncio would silently move the wake-up fd
// to the newer loop, and the first would stop hearing its signals).
#pragma once

#include <memory>
#include <vector>

#include "runtime/handle.hpp"
#include "runtime/threadsafe_inbox.hpp"

namespace looplab::detail {

class SignalWatch {
public:
    // Signals wake the loop through inbox's fd (kept open while this watch exists).
    explicit SignalWatch(std::shared_ptr<ThreadsafeInbox> inbox);
    // Releases every signal still held (their default disposition comes back) and waits for any
    // handler still running on another thread to finish its write (see the header).
    ~SignalWatch();
    SignalWatch(const SignalWatch&) = delete;
    SignalWatch& operator=(const SignalWatch&) = delete;

    // 1 .. NSIG-1.
    static bool is_signal(int sig) noexcept;

    // Holds sig for this watch, with `callback` to queue when it arrives, and installs the C
    // handler (SA_RESTART, as asyncio's siginterrupt(sig, False)). A second add for a signal
    // this watch holds replaces the callback. Throws std::invalid_argument if sig is not a
    // signal number, InvalidStateError if another loop holds it, std::system_error if the
    // signal cannot be caught (SIGKILL, SIGSTOP).
    void add(int sig, Handle callback);
    // Releases sig: the callback is cancelled and SIG_DFL is installed again (asyncio restores
    // the default too). False if this watch did not hold it.
    bool remove(int sig);
    [[nodiscard]] bool holds(int sig) const noexcept;

    // Loop thread: the callbacks of the signals raised since the last call, each once,
    // appended to `ready` (phase 4 of run_once; see the header).
    void queue_raised(std::vector<Handle>& ready);

    // For looplab::run's SIGINT (keyboard_interrupt.hpp): while set, a second raise of sig that
    // arrives before the loop has taken the first kills the process the way the default action
    // does, from the handler itself: a loop stuck in a callback can still be stopped. Cleared by
    // remove().
    static void set_repeat_kills(int sig, bool on) noexcept;

private:
    struct Held {
        int sig;
        Handle callback;
    };
    std::shared_ptr<ThreadsafeInbox> inbox_;  // its write fd is what the handler writes to
    std::vector<Held> held_;                  // few entries: a linear scan is the fastest map
};

}  // namespace looplab::detail
