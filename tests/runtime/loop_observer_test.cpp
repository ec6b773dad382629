// tests/runtime/loop_observer_test.cpp: the observer door (runtime/loop_observer.hpp): what an
// observer hears and in which order, several at once, and observers that come and go inside a
// hook.
#include "runtime/loop_observer.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <algorithm>

#include "runtime/event_loop.hpp"
#include "runtime/observe/trace_recorder.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

// Writes one word per hook into a shared log, prefixed with its own name.
class Recorder : public LoopObserver {
public:
    Recorder(std::string name, std::vector<std::string>& log) : name_(std::move(name)), log_(log) {}
    void before_iteration(EventLoop&) override { note("iteration"); }
    void before_poll(EventLoop&, std::optional<Duration> t) override {
        note(t ? "poll-timeout" : "poll-forever");
    }
    void after_poll(EventLoop&, const PollRecord& r) override {
        EXPECT_LE(r.start_ns, r.end_ns);
        note("polled");
    }
    void after_phase(EventLoop&, LoopPhase p) override {
        note(p == LoopPhase::io ? "io" : p == LoopPhase::threadsafe ? "threadsafe" : "timers");
    }
    void before_callbacks(EventLoop&, std::span<const Handle> h) override {
        note("run " + std::to_string(h.size()));
    }
    void callback_ran(EventLoop&, const CallbackRecord& r) override {
        note(r.task ? "ran step of " + r.task->get_name() : "ran callback");
    }
    void after_iteration(EventLoop&, const IterationRecord& r) override {
        note("end " + std::to_string(r.callbacks));
    }
    void task_created(TaskBase& t) override { note("created " + t.get_name()); }
    void task_stepped(TaskBase& t, const StepRecord& r) override {
        const char* how = r.end == StepEnd::finished        ? "finished"
                          : r.end == StepEnd::awaits_future ? "awaits"
                          : r.end == StepEnd::yielded       ? "yielded"
                                                            : "lost";
        note("stepped " + t.get_name() + " " + how);
    }
    void task_done(TaskBase& t) override { note("done " + t.get_name()); }

protected:
    void note(const std::string& what) { log_.push_back(name_ + ": " + what); }

private:
    std::string name_;
    std::vector<std::string>& log_;
};

Coro<void> nap() {
    co_await sleep(0s);
    co_await sleep(1ms);
}

TEST(LoopObserver, HearsTheSixPhasesOfAnIterationInOrder) {
    EventLoop loop;
    std::vector<std::string> log;
    Recorder r("r", log);
    loop.add_observer(&r);
    loop.call_soon([] {});
    loop.run_once();
    loop.remove_observer(&r);
    const std::vector<std::string> expected = {"r: iteration", "r: poll-timeout", "r: polled",
                                               "r: io",        "r: threadsafe",   "r: timers",
                                               "r: run 1",     "r: ran callback", "r: end 1"};
    EXPECT_EQ(log, expected);
}

TEST(LoopObserver, HearsATaskFromCreationToDoneWithHowEachStepEnded) {
    EventLoop loop;
    std::vector<std::string> log;
    Recorder r("r", log);
    loop.add_observer(&r);
    loop.run_until_complete(loop.create_task(nap(), "napper"));
    loop.remove_observer(&r);
    std::vector<std::string> task_lines;
    for (const std::string& line : log) {
        if (line.find("napper") != std::string::npos) task_lines.push_back(line);
    }
    const std::vector<std::string> expected = {
        "r: created napper",        "r: stepped napper yielded", "r: ran step of napper",
        "r: stepped napper awaits", "r: ran step of napper",     "r: stepped napper finished",
        "r: done napper",           "r: ran step of napper"};
    EXPECT_EQ(task_lines, expected);
}

TEST(LoopObserver, SeveralObserversEachHearEveryHookInTheOrderTheyWereAdded) {
    EventLoop loop;
    std::vector<std::string> log;
    Recorder a("a", log);
    Recorder b("b", log);
    loop.add_observer(&a);
    loop.add_observer(&b);
    loop.call_soon([] {});
    loop.run_once();
    loop.remove_observer(&a);
    loop.remove_observer(&b);
    ASSERT_EQ(log.size(), 18u);
    for (std::size_t i = 0; i < log.size(); i += 2) {
        EXPECT_EQ(log[i].substr(0, 3), "a: ");
        EXPECT_EQ(log[i + 1].substr(0, 3), "b: ");
        EXPECT_EQ(log[i].substr(3), log[i + 1].substr(3));
    }
}

// Removes itself (and, optionally, another observer) in its first before_iteration.
class Quitter : public Recorder {
public:
    Quitter(std::string name, std::vector<std::string>& log, LoopObserver* also = nullptr)
        : Recorder(std::move(name), log), also_(also) {}
    void before_iteration(EventLoop& loop) override {
        Recorder::before_iteration(loop);
        loop.remove_observer(this);
        if (also_) loop.remove_observer(also_);
    }

private:
    LoopObserver* also_;
};

TEST(LoopObserver, AnObserverRemovedInsideAHookHearsNothingMoreAndTheOthersGoOn) {
    EventLoop loop;
    std::vector<std::string> log;
    Recorder later("later", log);
    Quitter quitter("quitter", log, &later);
    Recorder stays("stays", log);
    loop.add_observer(&quitter);
    loop.add_observer(&later);
    loop.add_observer(&stays);
    loop.call_soon([] {});
    loop.run_once();
    loop.call_soon([] {});
    loop.run_once();
    loop.remove_observer(&stays);
    std::size_t quitter_lines = 0, later_lines = 0, stays_lines = 0;
    for (const std::string& line : log) {
        if (line.rfind("quitter: ", 0) == 0) ++quitter_lines;
        if (line.rfind("later: ", 0) == 0) ++later_lines;
        if (line.rfind("stays: ", 0) == 0) ++stays_lines;
    }
    EXPECT_EQ(quitter_lines, 1u);  // its own before_iteration, nothing after
    EXPECT_EQ(later_lines, 0u);    // removed before its turn in the first hook
    EXPECT_EQ(stays_lines, 18u);   // both iterations, whole
    EXPECT_EQ(loop.observer(), nullptr);
}

TEST(LoopObserver, WithNoObserverTheLoopHasNothingToTell) {
    EventLoop loop;
    EXPECT_EQ(loop.observer(), nullptr);
    std::vector<std::string> log;
    Recorder r("r", log);
    loop.add_observer(&r);
    EXPECT_NE(loop.observer(), nullptr);
    loop.add_observer(&r);  // twice is once
    loop.call_soon([] {});
    loop.run_once();
    EXPECT_EQ(log.size(), 9u);
    loop.remove_observer(&r);
    EXPECT_EQ(loop.observer(), nullptr);
}

TEST(LoopObserver, DebugStepModeAndATracerCanAllWatchAtOnce) {
    EventLoop loop;
    std::vector<std::string> log;
    Recorder r("r", log);
    loop.add_observer(&r);
    loop.set_debug(true);
    std::istringstream in("\n");
    std::ostringstream out;
    loop.set_step_mode(true, &in, &out);
    TraceRecorder recorder;
    loop.set_tracer(&recorder);
    loop.run_until_complete(loop.create_task(nap(), "napper"));
    loop.set_tracer(nullptr);
    bool traced_done = false;
    for (const TraceEvent& e : recorder.events()) {
        traced_done = traced_done || (e.kind == TraceKind::task_done && e.name == "napper");
    }
    EXPECT_TRUE(traced_done);
    EXPECT_FALSE(loop.step_mode());  // input ended: it removed itself
    EXPECT_NE(out.str().find("==== iteration"), std::string::npos);
    EXPECT_NE(std::find(log.begin(), log.end(), "r: done napper"), log.end());
    loop.set_debug(false);
    loop.remove_observer(&r);
    EXPECT_EQ(loop.observer(), nullptr);
}

}  // namespace
}  // namespace looplab
