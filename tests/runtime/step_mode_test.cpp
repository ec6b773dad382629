// tests/runtime/step_mode_test.cpp: step mode, driven by a scripted input instead of a
// terminal: a banner per phase, one line of input per iteration, off at end of input; labels in
// words; the loop's clock paused while it waits for a line.
#include "runtime/observe/step_mode.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>

#include "runtime/event_loop.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/executor/thread_pool_executor.hpp"
#include "runtime/gather.hpp"
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
    EXPECT_NE(text.find("ran Task 'Task-"), std::string::npos) << text;
    EXPECT_NE(text.find("starts ("), std::string::npos) << text;
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
    EXPECT_NE(text.find("1 queued: run_in_executor (returned after "), std::string::npos) << text;
    EXPECT_NE(text.find(") result arrives on the loop"), std::string::npos) << text;
    // Every iteration that ran was announced and waited for: one banner per line of input used.
    EXPECT_EQ(count(text, "==== iteration"), loop.iteration_count()) << text;
    loop.set_step_mode(false);
}

// README's example, stepped: every callback and every wait in words.
Coro<std::string> say_after(std::chrono::milliseconds delay, std::string what) {
    co_await sleep(delay);
    co_return what;
}

Coro<int> readme_example() {
    EventLoop& loop = get_running_loop();
    Task<std::string> a = loop.create_task(say_after(100ms, "hello"), "hello");
    Task<std::string> b = loop.create_task(say_after(200ms, "world"), "world");
    auto [first, second] = co_await gather(a, b);
    co_return static_cast<int>(first.size() + second.size());
}

TEST(StepMode, NamesCallbacksAndWaitsInWordsNeverCompilerTypeNames) {
    ManualClock clock;  // virtual: "due in 100 ms" exactly
    EventLoopOptions options;
    options.clock = &clock;
    EventLoop loop(options);
    std::istringstream in(std::string(1000, '\n'));
    std::ostringstream out;
    loop.set_step_mode(true, &in, &out);
    EXPECT_EQ(loop.run_until_complete(loop.create_task(readme_example(), "main")), 10);
    loop.set_step_mode(false);

    const std::string text = out.str();
    for (const char* words : {
             "ready queue: Task 'main' starts",
             "ran Task 'main' starts (",
             ") -> awaits gather (0 of 2 done)",
             "Task 'hello' starts, Task 'world' starts",
             ") -> awaits sleep 100 ms (due in 100 ms)",
             ") -> awaits sleep 200 ms (due in 200 ms)",
             "5. timers due: 1 queued: timer: sleep 100 ms ends",
             "ready queue: Task 'hello' wakes up (sleep 100 ms done)",
             ") -> finished",
             "Task 'main' wakes up (gather done)",
         }) {
        EXPECT_NE(text.find(words), std::string::npos) << words << "\n" << text;
    }
    // What the loop used to print: scheduling sites and template arguments.
    for (const char* compiler :
         {"std::", "<", "schedule_callback", "to_future", ".hpp:", ".cpp:"}) {
        EXPECT_EQ(text.find(compiler), std::string::npos) << compiler << "\n" << text;
    }
}

// A stream whose every line takes `per_line` of real time to arrive, as a person at a
// terminal does; it counts the time it spent.
class SlowLines : public std::streambuf {
public:
    SlowLines(int lines, std::chrono::milliseconds per_line) : left_(lines), per_line_(per_line) {}
    std::chrono::nanoseconds waited() const { return waited_; }

protected:
    int_type underflow() override {
        if (left_ == 0) return traits_type::eof();
        const auto start = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(per_line_);
        waited_ += std::chrono::steady_clock::now() - start;
        --left_;
        setg(&newline_, &newline_, &newline_ + 1);
        return traits_type::to_int_type(newline_);
    }

private:
    int left_;
    std::chrono::milliseconds per_line_;
    std::chrono::nanoseconds waited_{0};
    char newline_ = '\n';
};

Coro<void> sleep_for_50ms() {
    co_await sleep(50ms);
}

TEST(StepMode, TheTimeSpentWaitingForEnterIsNotCounted) {
    // Every iteration waits 100 ms for its line; the program sleeps 50 ms. On the real clock
    // (MonotonicClock), the loop's time must count the sleep and not the waits: it advances by
    // at least 50 ms, and by no more than the real time minus what the reader took. Both are
    // certain, however slow the machine: the waits are measured where they happen, inside the
    // stream, and the clock is paused around every read.
    SlowLines slow(6, 100ms);
    std::istream in(&slow);
    std::ostringstream out;
    EventLoop loop;
    loop.set_step_mode(true, &in, &out);
    const auto real_start = std::chrono::steady_clock::now();
    const TimePoint loop_start = loop.time();
    loop.run_until_complete(sleep_for_50ms());
    const TimePoint loop_end = loop.time();
    const auto real = std::chrono::steady_clock::now() - real_start;
    loop.set_step_mode(false);

    const Duration counted = loop_end - loop_start;
    EXPECT_GE(slow.waited(), 300ms) << out.str();  // the reader really took its time
    EXPECT_GE(counted, 50ms);
    EXPECT_LE(counted, real - slow.waited()) << out.str();
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
