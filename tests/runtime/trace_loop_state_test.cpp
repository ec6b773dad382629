// tests/runtime/trace_loop_state_test.cpp: what the tracer records for the loop explorer: the
// loop's state at phase 1, what phases 2 to 5 moved, the selector's interest changes, and the
// task each callback stepped (tracer.hpp: loop_state, loop_phase, interest, callback's c).
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "runtime/event_loop.hpp"
#include "runtime/observe/trace_recorder.hpp"
#include "runtime/observe/tracer.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "tests/net/support/fd_leak_check.hpp"

namespace looplab {
namespace {

std::vector<TraceEvent> of_kind(const std::vector<TraceEvent>& events, TraceKind kind) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : events)
        if (e.kind == kind) out.push_back(e);
    return out;
}

// The loop_phase events of phase `number`, in order.
std::vector<TraceEvent> phase(const std::vector<TraceEvent>& events, int number) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : of_kind(events, TraceKind::loop_phase))
        if (e.a == number) out.push_back(e);
    return out;
}

Coro<int> nap() {
    co_await sleep(std::chrono::milliseconds(1));
    co_return 1;
}

class TraceLoopState : public net::testing::NoFdLeaks {};

TEST_F(TraceLoopState, EveryIterationRecordsItsStateAndItsPhasesTwoToFive) {
    TraceRecorder recorder;
    EventLoop loop;
    loop.set_tracer(&recorder);
    loop.call_later(std::chrono::milliseconds(50), [] {});
    loop.call_soon([] {});
    loop.call_soon([] {});
    loop.run_once();
    loop.run_once();
    loop.set_tracer(nullptr);

    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> states = of_kind(all, TraceKind::loop_state);
    ASSERT_EQ(of_kind(all, TraceKind::iteration).size(), 2u);
    ASSERT_EQ(states.size(), 2u);
    EXPECT_EQ(states[0].a, 2);  // two callbacks ready
    EXPECT_EQ(states[0].b, 1);  // one timer
    EXPECT_GT(states[0].c, 0);
    EXPECT_LE(states[0].c, std::chrono::nanoseconds(std::chrono::milliseconds(50)).count());
    EXPECT_EQ(states[1].a, 0);
    for (int n : {2, 3, 4, 5}) EXPECT_EQ(phase(all, n).size(), 2u) << "phase " << n;
}

TEST_F(TraceLoopState, AnExpiredTimerIsNamedInPhaseFive) {
    TraceRecorder recorder;
    EventLoop loop;
    loop.set_tracer(&recorder);
    loop.run_until_complete(loop.create_task(nap(), "napper"));
    loop.set_tracer(nullptr);

    std::string timers;
    for (const TraceEvent& e : phase(recorder.events(), 5)) {
        if (e.b > 0) timers += e.detail + "\n";
    }
    EXPECT_NE(timers.find("sleep 1 ms"), std::string::npos) << timers;
}

TEST_F(TraceLoopState, InterestChangesAndReadyFdsAreRecorded) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    TraceRecorder recorder;
    {
        EventLoop loop;
        loop.set_tracer(&recorder);
        int reads = 0;
        loop.add_reader(fds[0], [&reads] { ++reads; });
        ASSERT_EQ(::write(fds[1], "x", 1), 1);
        loop.run_once();
        loop.remove_reader(fds[0]);
        loop.set_tracer(nullptr);
        EXPECT_EQ(reads, 1);
        loop.close();
    }
    ::close(fds[0]);
    ::close(fds[1]);

    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> changes = of_kind(all, TraceKind::interest);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].a, fds[0]);
    EXPECT_EQ(changes[0].c, 0);  // before: not registered
    EXPECT_EQ(changes[0].b, 1);  // now: read
    EXPECT_EQ(changes[1].c, 1);
    EXPECT_EQ(changes[1].b, 0);
    const std::vector<TraceEvent> polled = phase(all, 2);
    ASSERT_EQ(polled.size(), 1u);
    EXPECT_EQ(polled[0].b, 1);
    EXPECT_EQ(polled[0].detail, "fd " + std::to_string(fds[0]) + " read");
    const std::vector<TraceEvent> states = of_kind(all, TraceKind::loop_state);
    ASSERT_EQ(states.size(), 1u);
    EXPECT_EQ(states[0].d, 1);  // one fd registered
}

TEST_F(TraceLoopState, ACallbackThatSteppedATaskNamesItAndAPlainOneNone) {
    TraceRecorder recorder;
    EventLoop loop;
    loop.set_tracer(&recorder);
    loop.call_soon([] {});
    Task<int> napper = loop.create_task(nap(), "napper");  // kept: alive for every callback_ran
    loop.run_until_complete(Future<int>(napper));
    loop.set_tracer(nullptr);

    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> created = of_kind(all, TraceKind::task_created);
    ASSERT_EQ(created.size(), 1u);
    int stepped = 0;
    int plain = 0;
    for (const TraceEvent& e : of_kind(all, TraceKind::callback)) {
        EXPECT_EQ(e.id, 0u);  // a callback is not one of the task's own events
        if (e.c == static_cast<std::int64_t>(created[0].id)) ++stepped;
        if (e.c == 0) ++plain;
    }
    // Each of the task's steps ran inside a callback that names it.
    EXPECT_EQ(stepped, static_cast<int>(of_kind(all, TraceKind::task_step).size()));
    EXPECT_GE(stepped, 1);
    EXPECT_GE(plain, 1);  // the call_soon
}

TEST_F(TraceLoopState, APhaseThatMovesManyNamesTheFirstFewAndCountsTheRest) {
    TraceRecorder recorder;
    EventLoop loop;
    for (int i = 0; i < 20; ++i) loop.call_later(std::chrono::seconds(0), [] {});
    loop.set_tracer(&recorder);
    loop.run_once();
    loop.set_tracer(nullptr);

    const std::vector<TraceEvent> timers = phase(recorder.events(), 5);
    ASSERT_EQ(timers.size(), 1u);
    EXPECT_EQ(timers[0].b, 20);
    const std::string& text = timers[0].detail;
    EXPECT_NE(text.find("and 12 more"), std::string::npos) << text;
}

}  // namespace
}  // namespace looplab
