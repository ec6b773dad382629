// tests/runtime/step_mode_test.cpp: step mode, driven by a scripted input instead of a
// terminal: a banner per phase, one line of input per iteration, off at end of input.
#include "runtime/observe/step_mode.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "runtime/event_loop.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/executor/thread_pool_executor.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

int twice(int x) {
    return 2 * x;
}

Coro<int> sleeps_then_calls_a_thread(ThreadPoolExecutor& pool) {
    co_await sleep(1ms);
    const int value = co_await get_running_loop().run_in_executor(&pool, twice, 21);
    co_return value;
}

TEST(StepMode, PrintsEveryPhaseAndStopsSteppingAtEndOfInput) {
    ThreadPoolExecutor pool(1);
    EventLoop loop;
    std::istringstream in("\n\n\n");  // three iterations, then end of input
    std::ostringstream out;
    loop.set_step_mode(true, &in, &out);
    EXPECT_TRUE(loop.step_mode());
    EXPECT_EQ(loop.run_until_complete(sleeps_then_calls_a_thread(pool)), 42);
    EXPECT_FALSE(loop.step_mode());  // turned itself off; the run went on to the end

    const std::string text = out.str();
    EXPECT_EQ(count(text, "==== iteration"), 4u) << text;  // 3 stepped + the one that hit EOF
    EXPECT_EQ(count(text, "1. poll timeout"), 3u) << text;
    EXPECT_EQ(count(text, "2. select(timeout="), 3u) << text;
    EXPECT_EQ(count(text, "3. I/O"), 3u) << text;
    EXPECT_EQ(count(text, "4. from other threads"), 3u) << text;
    EXPECT_EQ(count(text, "5. timers due"), 3u) << text;
    EXPECT_EQ(count(text, "6. running"), 3u) << text;
    EXPECT_NE(text.find("ran a step of Task"), std::string::npos) << text;
    EXPECT_NE(text.find("end of input: step mode off"), std::string::npos) << text;
}

TEST(StepMode, ShowsTimersAndThreadResultsJoiningTheReadyQueue) {
    ThreadPoolExecutor pool(1);
    EventLoop loop;
    std::istringstream in(std::string(1000, '\n'));  // more than enough: every iteration stepped
    std::ostringstream out;
    loop.set_step_mode(true, &in, &out);
    EXPECT_EQ(loop.run_until_complete(sleeps_then_calls_a_thread(pool)), 42);
    EXPECT_TRUE(loop.step_mode());

    const std::string text = out.str();
    // The sleep's timer came due in phase 5, the executor's result came through phase 4.
    EXPECT_NE(text.find("5. timers due: 1 queued"), std::string::npos) << text;
    EXPECT_NE(text.find("4. from other threads (call_soon_threadsafe, executor results): 1 queued"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("run_in_executor.hpp"), std::string::npos) << text;
    // Every iteration that ran was announced and waited for: one banner per line of input used.
    EXPECT_EQ(count(text, "==== iteration"), loop.iteration_count()) << text;
    loop.set_step_mode(false);
}

TEST(StepMode, ALineWithCStopsStepping) {
    EventLoop loop;
    std::istringstream in("\nc\n\n\n");
    std::ostringstream out;
    loop.set_step_mode(true, &in, &out);
    auto body = []() -> Coro<int> {
        for (int i = 0; i < 5; ++i) co_await sleep(Duration::zero());
        co_return 7;
    };
    EXPECT_EQ(loop.run_until_complete(body()), 7);
    EXPECT_FALSE(loop.step_mode());
    EXPECT_EQ(count(out.str(), "==== iteration"), 2u) << out.str();
    EXPECT_NE(out.str().find("step mode off"), std::string::npos);
}

TEST(StepMode, LoopStepInTheEnvironmentTurnsItOnUnlessTheOptionsSayOtherwise) {
    ::setenv("LOOPLAB_STEP", "1", 1);
    {
        EventLoop from_env;
        EXPECT_TRUE(from_env.step_mode());
        from_env.set_step_mode(false);  // never run with std::cin here
        EventLoopOptions options;
        options.step = false;
        EventLoop overridden(options);
        EXPECT_FALSE(overridden.step_mode());
    }
    ::setenv("LOOPLAB_STEP", "0", 1);
    {
        EventLoop off;
        EXPECT_FALSE(off.step_mode());
    }
    ::unsetenv("LOOPLAB_STEP");
}

}  // namespace
}  // namespace looplab
