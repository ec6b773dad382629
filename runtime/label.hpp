// runtime/label.hpp: Label, the words for what a future stands for and what a callback does.
//
// asyncio: what Task.__repr__ and asyncio 3.14's call graph print (`<Future pending
//          cb=[Task.task_wakeup()]>`, "sleep", "Lock.acquire"); aiomonitor's `where`.
// tokio:   tokio-console's task "location" and waker info.
//
// A task waits on a future; a callback waits in the ready queue. Left alone, the observers
// (step mode, the task dump, the tracer's task_wait events, debug mode's reports) could only
// name either by its C++ type or by the file and line that scheduled it, which is what a
// compiler sees ("to_future<std::__cxx11::basic_string<char> >", "schedule_callback"), not
// what a student asked for. So whoever makes a future to await, or schedules a callback,
// says what it is, in words:
//
//     future: "sleep 100 ms (due in 42 ms)", "Lock.acquire (3rd in line)", "gather (2 of 5
//             done)", "sock_recv: read on fd 7 (127.0.0.1:8080)", "run_in_executor (queued
//             12 ms)", and a task is "Task 'fetch'";
//     callback: "timer: sleep 100 ms ends", "Task 'fetch' wakes up (sleep 100 ms done)",
//             "transport fd 7: readable".
//
// Why a Label is four words and a function pointer, and not a string. Every sleep, every
// lock wait and every ready callback would otherwise build a string that nobody reads: the
// untraced path must allocate nothing (tests/runtime/tracer_test.cpp counts). A Label is
// copied into the future or the handle as plain data (no allocation, no destructor), and its
// text is made only when an observer asks (Label::text), from what is true at that moment:
// "due in 42 ms" is computed when the dump is printed, not when the sleep began.
//
// Contract for a Label's `subject`: it must stay valid while the labelled thing is live (a
// future that is not done, a handle that still holds its callback). A describer is told
// whether it is (LabelView::live); when it is not, it may use only `what` and `number`. The
// describers are called on the loop thread only; the watchdog (observe/watchdog.hpp), which
// runs on a thread of its own, never calls one.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/clock.hpp"

namespace looplab {

// Anything that can say what it is in words (every future does: FutureStateBase::describe_self).
// Here rather than in future.hpp so that labels can name a future without knowing its type.
class Describable {
public:
    virtual std::string describe_self() const = 0;

protected:
    ~Describable() = default;
};

// When a label is read: the loop's time, and whether `subject` may be looked at.
struct LabelView {
    TimePoint now{};
    bool live = false;
};

struct Label {
    // Appends the words for `label` to `out` (which already holds `what`).
    using Describe = void (*)(const Label& label, const LabelView& view, std::string& out);

    const char* what = nullptr;     // static words: "sleep", "Lock.acquire"; nullptr: no label
    Describe describe = nullptr;    // adds what is true now ("100 ms (due in 42 ms)"); optional
    const void* subject = nullptr;  // what `describe` looks at (a timer, a waiter queue, ...)
    std::int64_t number = 0;        // a number it needs (an fd, a duration, a start time)

    explicit operator bool() const noexcept { return what != nullptr; }
    // The words: `what`, then whatever describe adds. Empty when there is no label.
    std::string text(const LabelView& view) const;
};

// ---- Labels the core makes, and the words they share ---------------------------------------
namespace labels {

// Just these words, always: "Event.wait", "Server.serve_forever".
inline Label text(const char* what) {
    return Label{what, nullptr, nullptr, 0};
}

// A duration in words: "100 ms", "1.5 s", "250 us".
std::string duration_text(Duration d);
// 1st, 2nd, 3rd, 4th, 11th, 21st, ...
std::string ordinal(std::uint64_t n);

// "<subject's describe_self()> <what>": the callback that follows from a future or a task.
// subject: a Describable (a future's state); what: "done", "starts", ... e.g. "Task 'fetch'
// starts", "sleep 100 ms done".
void describe_about(const Label& label, const LabelView& view, std::string& out);
inline Label about(const Describable& subject, const char* what) {
    return Label{what, &describe_about, &subject, 0};
}
// The label every future done callback gets (future.cpp): "<future> done". Observers that
// know which task awaits the future call it that task's wake-up (step mode, the watchdog).
Label done_callback(const Describable& future);
bool is_done_callback(const Label& label) noexcept;

// sleep(delay): "sleep 100 ms (due in 42 ms)". timer_when: the timer's deadline (the
// TimerHandle's state holds it, and outlives the wait).
Label sleep(Duration delay, const TimePoint* timer_when);
// The sleep's timer: "timer: sleep 100 ms ends".
Label sleep_timer(Duration delay);

// "<what> (2 of 5 done)": done_count points at the count of children done so far.
Label done_of(const char* what, const std::size_t* done_count, std::size_t total);
// "<what> (2 of 5 done)" from a count of those still pending.
Label remaining_of(const char* what, const std::size_t* remaining, std::size_t total);
// "<what> (queued 12 ms)": started_ns is monotonic_ns() when the wait began.
Label since(const char* what, std::int64_t started_ns);

}  // namespace labels
}  // namespace looplab
