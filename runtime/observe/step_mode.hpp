// runtime/observe/step_mode.hpp: run the loop one iteration at a time, narrating each phase.
//
// asyncio: none; the nearest are pdb inside a callback and PYTHONASYNCIODEBUG's logging.
// libuv:   none; its design doc draws the same phases as a diagram, this prints them live.
//
//     LOOPLAB_STEP=1 ./build/demos/looplab-demo compare    (or loop.set_step_mode(true))
//
//     ==== iteration 3 ====  [Enter: run it | c: stop stepping]
//     1. poll timeout: 100 ms (until the nearest timer); ready queue: empty
//     2. select(timeout=100 ms) ...
//        -> 1 ready fd: fd 7 read
//     3. I/O: 1 callback queued: socket_transport.cpp:88 (add_reader)
//     4. from other threads: nothing
//     5. timers due: nothing
//     6. running 1 callback
//        ran socket_transport.cpp:88 (add_reader) in 0.021 ms
//
// Why it exists: the six phases of run_once are the one thing every asyncio explanation
// draws and no program shows. Here a student presses Enter and watches a callback wait for
// the next iteration, a timer come due, a worker's result arrive through the inbox.
//
// Contract. The loop pauses before each iteration until a line is read from the input. A
// line "c" turns step mode off; so does the end of the input, so that a run with stdin
// closed or redirected from /dev/null never hangs. Input and output are injectable (tests
// pass a std::istringstream and a std::ostringstream). Loop thread only.
//
// Step mode is a LoopObserver (loop_observer.hpp): loop.set_step_mode(true) installs one, and
// its banners come from the observer hooks, one per phase; it reads only what the loop exposes
// publicly (ready_handles, polled_events, timer_count). Turning itself off at the end of the
// input is set_step_mode(false) from inside its own hook, which the observer list allows.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <span>

#include "runtime/clock.hpp"
#include "runtime/handle.hpp"
#include "runtime/loop_observer.hpp"

namespace looplab {

class StepMode final : public LoopObserver {
public:
    StepMode(std::istream& in, std::ostream& out) : in_(in), out_(out) {}

    // Prints the iteration's heading and waits for a line. At the end of input, or on "c",
    // switches step mode off (loop.set_step_mode(false)) and the loop runs on.
    void before_iteration(EventLoop& loop) override;
    // Phase 1's answer and the selector call about to be made (phase 2), with the ready queue.
    void before_poll(EventLoop& loop, std::optional<Duration> timeout) override;
    // After phase 3 (with the fds the poll returned), 4 and 5: what joined the ready queue.
    void after_phase(EventLoop& loop, LoopPhase phase) override;
    // Phase 6 begins, with exactly these callbacks.
    void before_callbacks(EventLoop& loop, std::span<const Handle> running) override;
    // One callback of phase 6 returned, with the task it stepped, if any.
    void callback_ran(EventLoop& loop, const CallbackRecord& record) override;

private:
    // Names handles[from..] on one line, at most a few, "and N more" after.
    void list(std::span<const Handle> handles, std::size_t from);

    std::istream& in_;
    std::ostream& out_;
    std::size_t ready_seen_ = 0;  // ready queue length at the previous banner
};

}  // namespace looplab
