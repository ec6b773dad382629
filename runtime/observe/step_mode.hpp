// runtime/observe/step_mode.hpp: run the loop one iteration at a time, narrating each phase.
//
// asyncio: none; the nearest are pdb inside a callback and PYTHONASYNCIODEBUG's logging.
// libuv:   none; its design doc draws the same phases as a diagram, this prints them live.
//
//     LOOPLAB_STEP=1 ./build/demos/looplab-demo compare    (or loop.set_step_mode(true))
//
//     ==== iteration 3 ====  [Enter: run it | c: stop stepping]
//     1. poll timeout: 100.000 ms (until the nearest of 1 timers); ready queue: empty
//     2. select(timeout=100.000 ms) ...
//        -> 1 ready fd: fd 7 read
//     3. I/O: 1 queued: transport fd 7: readable
//     4. from other threads (call_soon_threadsafe, executor results): nothing
//     5. timers due: nothing
//     6. running 1 callback
//        ran transport fd 7: readable (0.021 ms)
//
// Callbacks and waits are named in words (runtime/observe/words.hpp: "Task 'fetch' wakes up
// (sleep 100 ms done)", "timer: sleep 100 ms ends"), and after a task's step the line says
// what the task awaits now ("-> awaits sleep 100 ms (due in 100 ms)") or that it finished.
//
// The loop's clock stands still while step mode waits for Enter (Clock::pause, clock.hpp): the
// time a student spends reading does not count, so timers come due as in an uninterrupted run
// and a program that measures itself with loop.time() measures the program, not the reader.
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
// publicly (ready_handles, polled_events, timer_count, clock). Turning itself off at the end
// of the input is set_step_mode(false) from inside its own hook, which the observer list
// allows.
#pragma once

#include <cstddef>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>

#include "runtime/clock.hpp"
#include "runtime/handle.hpp"
#include "runtime/loop_observer.hpp"
#include "runtime/observe/words.hpp"

namespace looplab {

class StepMode final : public LoopObserver {
public:
    StepMode(std::istream& in, std::ostream& out) : in_(in), out_(out) {}

    // Prints the iteration's heading and waits for a line, with the loop's clock paused. At the
    // end of input, or on "c", switches step mode off (loop.set_step_mode(false)) and the loop
    // runs on.
    void before_iteration(EventLoop& loop) override;
    // Phase 1's answer and the selector call about to be made (phase 2), with the ready queue.
    void before_poll(EventLoop& loop, std::optional<Duration> timeout) override;
    // After phase 3 (with the fds the poll returned), 4 and 5: what joined the ready queue.
    void after_phase(EventLoop& loop, LoopPhase phase) override;
    // Phase 6 begins, with exactly these callbacks.
    void before_callbacks(EventLoop& loop, std::span<const Handle> running) override;
    // One callback of phase 6 returned, with the task it stepped, if any.
    void callback_ran(EventLoop& loop, const CallbackRecord& record) override;
    // Which task awaits which future: a done callback is then named as that task's wake-up.
    void task_stepped(TaskBase& task, const StepRecord& record) override;
    void task_done(TaskBase& task) override;

private:
    // Names handles[from..] on one line, at most a few, "and N more" after.
    void list(const EventLoop& loop, std::span<const Handle> handles, std::size_t from);
    // Reads one line with the loop's clock paused; false at the end of the input.
    bool read_line(EventLoop& loop, std::string& line);

    std::istream& in_;
    std::ostream& out_;
    std::size_t ready_seen_ = 0;  // ready queue length at the previous banner
    observe::AwaitedBy awaited_;
};

}  // namespace looplab
