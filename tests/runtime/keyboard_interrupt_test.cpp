// tests/runtime/keyboard_interrupt_test.cpp: Ctrl-C in looplab::run (asyncio 3.11's Runner).
//
// asyncio: test_runners.py's test_signal_install_not_supported_ok / test_interrupt_* cases:
// the first SIGINT cancels the main task (which may clean up, or handle it and return), a
// second one kills, and a program with its own SIGINT handler keeps it. Each case runs in a
// child process (support/forked.hpp), since the interesting outcome is how the process ends.
// The deliberate difference (run() ends the process as SIGINT's default action does, where
// asyncio raises KeyboardInterrupt) is written in runtime/keyboard_interrupt.hpp.
#include "runtime/keyboard_interrupt.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

#include "runtime/errors.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "tests/runtime/support/forked.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::exited_with;
using testing::killed_by;
using testing::status_of_child;

// Ctrl-C arrives while main waits: like a user pressing it during a long request.
Coro<int> wait_for_an_hour_after_ctrl_c() {
    ::raise(SIGINT);
    co_await sleep(std::chrono::hours(1));
    co_return 0;
}

TEST(KeyboardInterrupt, CtrlCCancelsMainAndRunEndsTheProcessAsSigintWould) {
    const int status = status_of_child([] { return run(wait_for_an_hour_after_ctrl_c()); });
    EXPECT_TRUE(killed_by(status, SIGINT)) << "wait status " << status;
}

TEST(KeyboardInterrupt, MainGetsToCleanUpBeforeTheProcessEnds) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const int status = status_of_child([&] {
        auto main = [&]() -> Coro<int> {
            try {
                co_await wait_for_an_hour_after_ctrl_c();
            } catch (const CancelledError&) {
                [[maybe_unused]] auto n = ::write(pipe_fds[1], "cleaned up", 10);
                throw;
            }
            co_return 0;
        };
        return run(main());
    });
    ::close(pipe_fds[1]);
    char buffer[32] = {};
    const auto n = ::read(pipe_fds[0], buffer, sizeof buffer);
    ::close(pipe_fds[0]);
    EXPECT_TRUE(killed_by(status, SIGINT)) << "wait status " << status;
    EXPECT_EQ(std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0), "cleaned up");
}

TEST(KeyboardInterrupt, AMainThatHandlesTheCancellationMakesRunReturnNormally) {
    const int status = status_of_child([] {
        auto main = []() -> Coro<int> {
            try {
                co_await wait_for_an_hour_after_ctrl_c();
            } catch (const CancelledError&) {
                co_return 7;  // a graceful shutdown
            }
            co_return 0;
        };
        return run(main());
    });
    EXPECT_TRUE(exited_with(status, 7)) << "wait status " << status;
}

TEST(KeyboardInterrupt, ASecondCtrlCKillsWhileMainIsCleaningUp) {
    const int status = status_of_child([] {
        auto main = []() -> Coro<int> {
            try {
                co_await wait_for_an_hour_after_ctrl_c();
            } catch (const CancelledError&) {
            }
            ::raise(SIGINT);  // the user presses Ctrl-C again during a slow cleanup
            co_await sleep(std::chrono::hours(1));
            co_return 3;
        };
        return run(main());
    });
    EXPECT_TRUE(killed_by(status, SIGINT)) << "wait status " << status;
}

TEST(KeyboardInterrupt, ASecondCtrlCKillsEvenWhenTheLoopIsStuck) {
    const int status = status_of_child([] {
        auto main = []() -> Coro<int> {
            // Never awaits: the loop cannot take the first SIGINT, so only the C handler can
            // act on the second one.
            ::raise(SIGINT);
            ::raise(SIGINT);
            std::this_thread::sleep_for(2s);
            co_return 5;
        };
        return run(main());
    });
    EXPECT_TRUE(killed_by(status, SIGINT)) << "wait status " << status;
}

TEST(KeyboardInterrupt, AProgramsOwnSigintDispositionIsKept) {
    const int status = status_of_child([] {
        ::signal(SIGINT, SIG_IGN);
        auto main = []() -> Coro<int> {
            ::raise(SIGINT);  // ignored, as the program asked
            co_await sleep(1ms);
            co_return 4;
        };
        return run(main());
    });
    EXPECT_TRUE(exited_with(status, 4)) << "wait status " << status;
}

TEST(KeyboardInterrupt, RunOnAnotherThreadLeavesSigintAlone) {
    void (*seen)(int) = nullptr;
    std::thread worker([&] {
        auto main = [&]() -> Coro<void> {
            struct sigaction current {};
            ::sigaction(SIGINT, nullptr, &current);
            seen = current.sa_handler;
            co_return;
        };
        run(main());
    });
    worker.join();
    EXPECT_EQ(seen, SIG_DFL);
}

TEST(KeyboardInterrupt, RunOnTheMainThreadRestoresTheDefaultAfterwards) {
    ASSERT_TRUE(detail::is_main_thread()) << "gtest runs tests on the main thread";
    void (*during)(int) = nullptr;
    auto main = [&]() -> Coro<void> {
        struct sigaction current {};
        ::sigaction(SIGINT, nullptr, &current);
        during = current.sa_handler;
        co_return;
    };
    run(main());
    struct sigaction after {};
    ::sigaction(SIGINT, nullptr, &after);
    EXPECT_NE(during, SIG_DFL) << "run() catches SIGINT while it runs";
    EXPECT_EQ(after.sa_handler, SIG_DFL);
}

}  // namespace
}  // namespace looplab
