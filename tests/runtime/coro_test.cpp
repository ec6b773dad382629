// tests/runtime/coro_test.cpp: Coro<T>, the lazy coroutine that runs inside its awaiter's task.
//
// Laziness, values and exceptions through chains of awaits, and the reason for symmetric
// transfer: a million awaits that complete without suspending, and a hundred thousand nested
// awaits, must not grow the stack (coro.hpp). Those two run on a thread with a deliberately
// small stack, so the test fails the same way on every machine if a tail call goes missing,
// instead of depending on how big the main thread's stack happens to be.
#include "runtime/coro.hpp"

#include <gtest/gtest.h>
#include <pthread.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/event_loop.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::VirtualLoop;

// Runs fn on a new thread whose stack is `bytes` big, and waits for it.
template <class F>
void run_on_stack_of(std::size_t bytes, F fn) {
    pthread_attr_t attr;
    ASSERT_EQ(pthread_attr_init(&attr), 0);
    ASSERT_EQ(pthread_attr_setstacksize(&attr, bytes), 0);
    pthread_t thread;
    auto entry = [](void* arg) -> void* {
        (*static_cast<F*>(arg))();
        return nullptr;
    };
    ASSERT_EQ(pthread_create(&thread, &attr, entry, &fn), 0);
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
}

// The stack for the overflow tests. Without symmetric transfer every await that completes
// synchronously nests one more resume() call (some 50 bytes at least): 100,000 of them need
// about 5 MB, ten times this stack, which is still far more than the loop itself needs.
constexpr std::size_t kSmallStack = 512 * 1024;

// How many synchronous completions, and how deep a nesting, the overflow tests use.
//
// GCC's -fsanitize=thread turns symmetric transfer back into recursion:
// TSan instruments every function's exit with a call to __tsan_func_exit, which must run after
// the callee returns, so the transfer that is a tail call everywhere else (`jmp *%rax` in the
// plain GCC build of this file, `jmp *(%rdi)` in the clang ASan build) becomes `call *(%rbx)`
// followed by `jmp __tsan_func_exit` (seen with objdump -dr on coro_test.cpp.o of each build).
// Each synchronous completion then nests one more frame, and a million overflow any stack.
// GCC's -fsanitize=address does the same: its epilogue unpoisons the frame's redzones after
// the callee returns, and the final transfer of `immediately` below is `call *(%rsi)` in that
// build (objdump -dr of coro_test.cpp.o in CI's g++ ASan build) where the plain build has a
// jmp. clang keeps the tail call under both sanitizers (its coroutine lowering emits a musttail
// call, and the sanitizers' exit hooks go before it); clang 14 does not define
// __SANITIZE_THREAD__ / __SANITIZE_ADDRESS__ anyway. So under GCC with TSan or ASan only, the
// counts shrink to what nested frames fit in kSmallStack: the tests still check the values
// there, and every other build (the plain g++ one, clang with TSan) checks the real thing.
#if (defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)) && !defined(__clang__)
// (ASan's frames, with their redzones, are several hundred bytes each: 100 nested completions
// already take a good part of kSmallStack there.)
constexpr int kSynchronousCompletions = 100;
constexpr int kNestingDepth = 20;  // each level nests several instrumented frames there
#else
constexpr int kSynchronousCompletions = 1'000'000;
constexpr int kNestingDepth = 100'000;
#endif

Coro<int> immediately(int value) {
    co_return value;
}

Coro<long> sum_of_a_million_immediate_awaits() {
    long sum = 0;
    for (int i = 0; i < kSynchronousCompletions; ++i) sum += co_await immediately(1);
    co_return sum;
}

Coro<int> nested(int depth) {
    if (depth == 0) co_return 0;
    co_return 1 + co_await nested(depth - 1);
}

Coro<int> throws_at(int depth) {
    if (depth == 0) throw std::runtime_error("from the bottom");
    co_return co_await throws_at(depth - 1);
}

TEST(Coro, IsLazyItsBodyDoesNotRunUntilAwaited) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto child = [&]() -> Coro<int> {
        log.push_back("child body");
        co_return 1;
    };
    auto parent = [&]() -> Coro<int> {
        Coro<int> c = child();
        log.push_back("child created");
        int value = co_await std::move(c);
        log.push_back("child awaited");
        co_return value;
    };
    EXPECT_EQ(v.loop.run_until_complete(parent()), 1);
    EXPECT_EQ(log, (std::vector<std::string>{"child created", "child body", "child awaited"}));
}

TEST(Coro, DestroyingAnUnawaitedCoroNeverRunsItsBodyButDestroysItsArguments) {
    bool ran = false;
    auto token = std::make_shared<int>(0);
    {
        auto body = [&ran](std::shared_ptr<int> t) -> Coro<void> {
            ran = true;
            (void)t;
            co_return;
        };
        Coro<void> c = body(token);
        EXPECT_EQ(token.use_count(), 2);  // the frame holds its argument
    }
    EXPECT_FALSE(ran);
    EXPECT_EQ(token.use_count(), 1);
}

TEST(Coro, ReturnsItsValueToTheAwaiter) {
    VirtualLoop v;
    auto parent = []() -> Coro<int> {
        co_return co_await immediately(20) + co_await immediately(22);
    };
    EXPECT_EQ(v.loop.run_until_complete(parent()), 42);
}

TEST(Coro, CarriesMoveOnlyValues) {
    VirtualLoop v;
    auto make = []() -> Coro<std::unique_ptr<int>> { co_return std::make_unique<int>(7); };
    auto parent = [&]() -> Coro<int> {
        std::unique_ptr<int> p = co_await make();
        co_return *p;
    };
    EXPECT_EQ(v.loop.run_until_complete(parent()), 7);
}

TEST(Coro, RunsInlineInItsAwaitersTaskWithoutATripThroughTheLoop) {
    VirtualLoop v;
    TaskBase* inner_task = nullptr;
    auto child = [&]() -> Coro<void> {
        inner_task = current_task();
        co_return;
    };
    auto parent = [&]() -> Coro<std::uint64_t> {
        const auto before = v.loop.iteration_count();
        co_await child();
        co_return v.loop.iteration_count() - before;
    };
    Task<std::uint64_t> t = v.loop.create_task(parent());
    EXPECT_EQ(v.loop.run_until_complete(t), 0u);
    EXPECT_EQ(inner_task, &t.base());
}

TEST(Coro, ANestedCoroThatSuspendsSuspendsTheWholeTask) {
    VirtualLoop v;
    std::vector<std::string> log;
    auto child = [&]() -> Coro<int> {
        log.push_back("child sleeps");
        co_await sleep(1s);
        log.push_back("child wakes");
        co_return 3;
    };
    auto parent = [&]() -> Coro<int> {
        int x = co_await child();
        log.push_back("parent resumes");
        co_return x;
    };
    auto other = [&]() -> Coro<void> {
        log.push_back("other runs meanwhile");
        co_return;
    };
    Task<int> t = v.loop.create_task(parent());
    Task<void> o = v.loop.create_task(other());
    EXPECT_EQ(v.loop.run_until_complete(t), 3);
    EXPECT_EQ(log, (std::vector<std::string>{"child sleeps", "other runs meanwhile", "child wakes",
                                             "parent resumes"}));
    EXPECT_EQ(v.elapsed(), 1s);
}

TEST(Coro, ExceptionsPropagateThroughAChainOfAwaits) {
    VirtualLoop v;
    auto top = []() -> Coro<std::string> {
        try {
            co_await throws_at(10);
        } catch (const std::runtime_error& e) {
            co_return e.what();
        }
        co_return "nothing thrown";
    };
    EXPECT_EQ(v.loop.run_until_complete(top()), "from the bottom");
}

TEST(Coro, AnExceptionThatEscapesEveryCoroFailsTheTask) {
    VirtualLoop v;
    EXPECT_THROW(v.loop.run_until_complete(throws_at(5)), std::runtime_error);
}

TEST(Coro, AnExceptionAfterASuspensionPropagatesToo) {
    VirtualLoop v;
    auto child = []() -> Coro<void> {
        co_await sleep(1s);
        throw std::logic_error("late");
    };
    auto middle = [&]() -> Coro<void> { co_await child(); };
    auto top = [&]() -> Coro<std::string> {
        try {
            co_await middle();
        } catch (const std::logic_error& e) {
            co_return e.what();
        }
        co_return "nothing thrown";
    };
    EXPECT_EQ(v.loop.run_until_complete(top()), "late");
}

TEST(Coro, LocalsAreDestroyedBeforeTheAwaiterContinues) {
    VirtualLoop v;
    std::vector<std::string> log;
    struct Noisy {
        std::vector<std::string>* log;
        ~Noisy() { log->push_back("child local destroyed"); }
    };
    auto child = [&]() -> Coro<void> {
        Noisy n{&log};
        co_return;
    };
    auto parent = [&]() -> Coro<void> {
        co_await child();
        log.push_back("parent continues");
    };
    v.loop.run_until_complete(parent());
    EXPECT_EQ(log, (std::vector<std::string>{"child local destroyed", "parent continues"}));
}

TEST(Coro, AMillionSynchronousCompletionsDoNotOverflowTheStack) {
    long sum = 0;
    run_on_stack_of(kSmallStack, [&] {
        VirtualLoop v;
        sum = v.loop.run_until_complete(sum_of_a_million_immediate_awaits());
    });
    EXPECT_EQ(sum, kSynchronousCompletions);
}

TEST(Coro, AHundredThousandNestedAwaitsDoNotOverflowTheStack) {
    int depth = 0;
    run_on_stack_of(kSmallStack, [&] {
        VirtualLoop v;
        depth = v.loop.run_until_complete(nested(kNestingDepth));
    });
    EXPECT_EQ(depth, kNestingDepth);
}

TEST(Coro, AnExceptionThroughAHundredThousandFramesDoesNotOverflowTheStack) {
    std::string what;
    run_on_stack_of(kSmallStack, [&] {
        VirtualLoop v;
        try {
            v.loop.run_until_complete(throws_at(kNestingDepth));
        } catch (const std::runtime_error& e) {
            what = e.what();
        }
    });
    EXPECT_EQ(what, "from the bottom");
}

}  // namespace
}  // namespace looplab
