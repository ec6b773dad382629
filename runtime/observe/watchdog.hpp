// runtime/observe/watchdog.hpp: a thread that says what the loop is stuck in, while it is stuck.
//
// asyncio: nothing built in. loop.slow_callback_duration reports a slow callback after it
//          returns; faulthandler.dump_traceback_later is the nearest thing that speaks during
//          the stall (it dumps every thread's stack from a watchdog thread).
// Go:      the runtime's sysmon thread, which notices a goroutine that has run too long.
//
//     LOOPLAB_DEBUG=1 LOOPLAB_DEBUG_WATCHDOG=200ms ./build/demos/looplab-demo blocking-loop
//
//     looplab watchdog: the loop is stuck: for 200 ms (iteration 12) it has been inside Task
//     'fetch' wakes up (sleep 250 ms done); Task 'fetch' was created at blocking_loop.cpp:230
//     in mode_main
//
// Why a thread. A loop stuck inside one callback (a blocking call in a coroutine, a long
// computation) runs nothing else: not a timer, not a signal's dump (debug.hpp), not a report.
// Whatever speaks while it is stuck must run elsewhere. The watchdog is that thread: it
// sleeps, wakes every quarter of its threshold (or when poked: SIGUSR1 in debug mode does),
// and if the loop has been inside the same callback for the threshold or more, it reports
// once for that callback, naming it in words (observe/words.hpp), since when, and where the
// task was created or the callback scheduled.
//
// How it is switched on: debug mode (debug.hpp) owns one per loop. Its threshold comes from
// LOOPLAB_DEBUG_WATCHDOG ("200ms", "1s", "500us"; unset, "0" or "off": none), or from
// debug::set_watchdog; without a threshold it only answers SIGUSR1. A program or a test may
// also install one itself: `Watchdog w(100ms, sink); loop.add_observer(&w);`.
//
// What the loop thread does (before_callback / callback_ran, a LoopObserver): before each
// callback it writes the callback's words, where it comes from, the time and a count into a
// Slot; after it, it marks the slot idle. That costs formatting the words once per callback
// (a few hundred nanoseconds), which is why only debug mode, or a program that asks, pays it.
//
// Why the watchdog thread reads only what it may: a small proof. The watchdog must not touch
// a task, a handle or a label: the loop thread changes those without a lock, and while the
// loop is stuck the stuck callback itself may be changing them. So the loop thread copies,
// into the Slot, everything a report needs, and the Slot is made only of atomics: the words
// and the origin as arrays of std::atomic<char>, the numbers as atomic integers. No byte the
// watchdog reads is ever written non-atomically, so there is no data race (and ThreadSanitizer
// agrees). What remains is consistency: a report must not mix one callback's words with the
// next one's time. That is a seqlock. The loop thread makes `seq` odd (relaxed), issues a
// release fence, writes the fields (relaxed), and makes `seq` even again with a release store.
// The watchdog loads `seq` (acquire), reads the fields (relaxed), issues an acquire fence and
// loads `seq` again: if both loads saw the same even value, no write overlapped the reads
// (any field store the reads saw is ordered after the first seq store by the release fence,
// so seeing it with the fence forces the second load to see that odd value or later), and the
// copy is one callback's. Otherwise it simply tries again at its next wake-up: the loop
// thread, the one that matters, never waits for the watchdog. Only one report per callback:
// each callback gets a number (`callback`), and the watchdog remembers the last one reported.
//
// States (of the Slot, as the watchdog sees them):
//
//     idle --before_callback--> inside(n, since) --callback_ran--> idle
//                                  |
//                                  +-- now - since >= threshold, n not reported yet --> report
//
// The thread is started by the constructor and joined by the destructor (loop thread).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "runtime/clock.hpp"
#include "runtime/loop_observer.hpp"
#include "runtime/observe/words.hpp"

namespace looplab {

class Watchdog final : public LoopObserver {
public:
    // One report, made on the watchdog's thread.
    struct Report {
        std::string inside;       // the callback, in words: "Task 'fetch' wakes up (...)"
        std::string origin;       // "Task 'fetch' was created at app.cpp:12 in main" or
                                  // "scheduled at app.cpp:40 in start"
        std::int64_t since_ns;    // monotonic_ns() when the callback began
        std::int64_t at_ns;       // monotonic_ns() when this report was made
        std::uint64_t iteration;  // the loop iteration the callback runs in
        bool signalled;           // made because the watchdog was poked (SIGUSR1)
        // "looplab watchdog: the loop is stuck: for 203 ms (iteration 12) it has been inside
        // ...; ...". With signalled: "looplab watchdog (SIGUSR1): the loop is busy: ...".
        std::string text() const;
    };
    // Called on the watchdog's thread; must be thread-safe with whatever it touches. The
    // default writes report.text() to stderr.
    using Sink = std::function<void(const Report&)>;

    // threshold: report a callback that runs this long or longer; nullopt: only when poked.
    explicit Watchdog(std::optional<Duration> threshold, Sink sink = {});
    ~Watchdog() override;
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

    // ---- loop thread (the observer hooks) ----
    void before_callback(EventLoop& loop, const Handle& handle) override;
    void callback_ran(EventLoop& loop, const CallbackRecord& record) override;
    void task_stepped(TaskBase& task, const StepRecord& record) override;
    void task_done(TaskBase& task) override;

    // ---- any thread ----
    // Asks for a report now, if the loop is inside a callback (marked signalled).
    void poke() noexcept;
    // The fd whose being written to is a poke: a signal handler writes 8 bytes to it (write(2)
    // is async-signal-safe; this object's methods are not). Open until the destructor.
    int poke_fd() const noexcept { return pipe_write_; }
    std::optional<Duration> threshold() const noexcept { return threshold_; }

private:
    static constexpr std::size_t kInside = 200;  // bytes of words kept (longer is cut)
    static constexpr std::size_t kOrigin = 160;

    // Written by the loop thread only; read by the watchdog thread (see the proof above).
    struct Slot {
        std::atomic<std::uint64_t> seq{0};       // odd while the loop thread writes
        std::atomic<std::int64_t> since_ns{0};   // 0: not inside a callback
        std::atomic<std::uint64_t> callback{0};  // callbacks begun so far
        std::atomic<std::uint64_t> iteration{0};
        std::atomic<char> inside[kInside];
        std::atomic<char> origin[kOrigin];
    };
    // What the watchdog thread copied out of the slot.
    struct Seen {
        std::int64_t since_ns = 0;
        std::uint64_t callback = 0;
        std::uint64_t iteration = 0;
        std::string inside;
        std::string origin;
    };

    void publish(std::uint64_t iteration, const std::string& inside, const std::string& origin);
    void publish_idle();
    bool read_slot(Seen& seen) const;  // false: the loop thread was writing; try later
    void run();                        // the watchdog thread
    void check(bool poked);
    void stop() noexcept;

    std::optional<Duration> threshold_;
    Sink sink_;
    Slot slot_;
    observe::AwaitedBy awaited_;         // loop thread only
    std::uint64_t callbacks_begun_ = 0;  // loop thread only
    std::uint64_t last_reported_ = 0;    // watchdog thread only
    std::atomic<bool> stopping_{false};
    int pipe_read_ = -1;
    int pipe_write_ = -1;
    std::thread thread_;
};

namespace debug {
// LOOPLAB_DEBUG_WATCHDOG's syntax: a number and a unit (ns, us, ms, s), "0" or "off" for none.
// Throws std::invalid_argument, naming the text, if it is neither.
std::optional<Duration> parse_watchdog_threshold(std::string_view text);
}  // namespace debug

}  // namespace looplab
