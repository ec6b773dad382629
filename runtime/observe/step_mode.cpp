// runtime/observe/step_mode.cpp: see step_mode.hpp.
#include "runtime/observe/step_mode.hpp"

#include <chrono>
#include <iomanip>
#include <istream>
#include <memory>
#include <ostream>
#include <string>

#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace {

constexpr std::size_t kListed = 6;  // handles named per banner line before "and N more"

std::string duration_text(Duration d) {
    const double ms = std::chrono::duration<double, std::milli>(d).count();
    std::string text = std::to_string(ms);
    text.erase(text.find('.') + 4);  // three decimals: microseconds
    return text + " ms";
}

std::string timeout_text(std::optional<Duration> timeout) {
    return timeout ? duration_text(*timeout) : "forever";
}

const char* phase_heading(LoopPhase phase) {
    switch (phase) {
        case LoopPhase::io:
            return "3. I/O: ";
        case LoopPhase::threadsafe:
            return "4. from other threads (call_soon_threadsafe, executor results): ";
        case LoopPhase::timers:
            return "5. timers due: ";
    }
    return "";
}

}  // namespace

void StepMode::before_iteration(EventLoop& loop) {
    out_ << "==== iteration " << loop.iteration_count()
         << " ====  [Enter: run it | c: stop stepping]" << std::endl;
    std::string line;
    if (!read_line(loop, line)) {
        out_ << "(end of input: step mode off, the loop runs on)" << std::endl;
        loop.set_step_mode(false);  // frees this observer once the hook has returned
    } else if (line == "c") {
        out_ << "(step mode off, the loop runs on)" << std::endl;
        loop.set_step_mode(false);
    }
}

// The clock is paused for the whole read, and resumed however the read ends.
bool StepMode::read_line(EventLoop& loop, std::string& line) {
    struct Paused {
        Clock& clock;
        explicit Paused(Clock& c) : clock(c) { clock.pause(); }
        ~Paused() { clock.resume(); }
    } paused(loop.clock());
    return static_cast<bool>(std::getline(in_, line));
}

void StepMode::before_poll(EventLoop& loop, std::optional<Duration> timeout) {
    const std::vector<Handle>& ready = loop.ready_handles();
    out_ << "1. poll timeout: " << timeout_text(timeout);
    if (!ready.empty()) {
        out_ << " (callbacks are ready: do not block)";
    } else if (timeout) {
        out_ << " (until the nearest of " << loop.timer_count() << " timers)";
    } else {
        out_ << " (nothing ready, no timer: only I/O or another thread can wake us)";
    }
    out_ << "; ready queue: ";
    list(loop, ready, 0);
    out_ << "2. select(timeout=" << timeout_text(timeout) << ") ..." << std::endl;
    ready_seen_ = ready.size();
}

void StepMode::after_phase(EventLoop& loop, LoopPhase phase) {
    if (phase == LoopPhase::io) {
        const std::vector<SelectorEvent>& events = loop.polled_events();
        out_ << "   -> " << events.size() << (events.size() == 1 ? " ready fd" : " ready fds");
        for (std::size_t i = 0; i < events.size() && i < kListed; ++i) {
            out_ << (i == 0 ? ": " : ", ") << "fd " << events[i].fd
                 << ((events[i].events & kRead) ? " read" : "")
                 << ((events[i].events & kWrite) ? " write" : "");
        }
        out_ << "\n";
    }
    const std::vector<Handle>& ready = loop.ready_handles();
    out_ << phase_heading(phase);
    if (ready.size() <= ready_seen_) {
        out_ << "nothing" << std::endl;
    } else {
        out_ << ready.size() - ready_seen_ << " queued: ";
        list(loop, ready, ready_seen_);
    }
    ready_seen_ = ready.size();
}

void StepMode::before_callbacks(EventLoop&, std::span<const Handle> running) {
    out_ << "6. running " << running.size()
         << (running.size() == 1 ? " callback" : " callbacks (in this order)") << std::endl;
}

// "ran <what> (0.019 ms)", and after a task's step what it does next.
void StepMode::callback_ran(EventLoop& loop, const CallbackRecord& record) {
    out_ << "   ran " << observe::ran_text(loop, record) << " ("
         << duration_text(Duration(record.end_ns - record.start_ns)) << ")";
    if (record.task) {
        const detail::FutureStateBase* waited = record.task->waiting_on();
        if (record.task->done()) {
            out_ << " -> finished";
        } else if (waited && !waited->done()) {
            out_ << " -> awaits " << observe::awaited_text(*waited);
        } else {
            out_ << " -> scheduled again";
        }
    }
    out_ << std::endl;
}

void StepMode::task_stepped(TaskBase& task, const StepRecord& record) {
    awaited_.task_stepped(task, record);
}

void StepMode::task_done(TaskBase& task) {
    awaited_.task_done(task);
}

void StepMode::list(const EventLoop& loop, std::span<const Handle> handles, std::size_t from) {
    if (from >= handles.size()) {
        out_ << "empty" << std::endl;
        return;
    }
    for (std::size_t i = from; i < handles.size() && i < from + kListed; ++i) {
        out_ << (i == from ? "" : ", ") << observe::callback_text(loop, handles[i], &awaited_);
    }
    if (handles.size() - from > kListed)
        out_ << " and " << handles.size() - from - kListed << " more";
    out_ << std::endl;
}

namespace detail {

std::unique_ptr<LoopObserver> make_step_observer(std::istream& in, std::ostream& out) {
    return std::make_unique<StepMode>(in, out);
}

}  // namespace detail
}  // namespace looplab
