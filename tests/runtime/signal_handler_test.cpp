// tests/runtime/signal_handler_test.cpp: loop.add_signal_handler / remove_signal_handler.
//
// asyncio: test_unix_events.py's SelectorEventLoopSignalTests, ported behaviour by behaviour
// (asyncio's mock of the signal module is replaced by real signals: raise(3) delivers a
// signal to the calling thread before it returns, so each test knows exactly what is pending).
// Deliberate differences are written in runtime/signal_watch.hpp: any thread's loop may hold a
// signal (one loop per signal), and a second loop asking for a held signal is refused.
//
// The properties of signal_watch.hpp's proofs: a raise is delivered once, raises before the
// loop looks coalesce into one call, the callback runs on the loop's thread whichever thread
// took the signal, nothing is lost under a storm from another thread, and removal restores the
// default disposition (checked with sigaction and, in a child process, by dying of it).
// SIGUSR1 is left alone: debug mode catches it for the task dump (runtime/observe/debug.hpp),
// once per process, and a test that reset it would make that test's SIGUSR1 kill the binary.
#include <gtest/gtest.h>
#include <pthread.h>

#include <atomic>
#include <csignal>
#include <future>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "tests/runtime/support/forked.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using testing::killed_by;
using testing::status_of_child;

// What the process does with sig right now.
void (*disposition(int sig))(int) {
    struct sigaction current {};
    ::sigaction(sig, nullptr, &current);
    return current.sa_handler;
}

// Runs iterations until fn has been called `calls` times (the callback stops the loop), then
// one more iteration, so that a spurious extra call would be seen.
void run_one_more_iteration(EventLoop& loop) {
    loop.call_soon([&loop] { loop.stop(); });
    loop.run_forever();
}

TEST(SignalHandler, RunsOnceForEachRaiseOnTheNextIteration) {
    EventLoop loop;
    int calls = 0;
    loop.add_signal_handler(SIGUSR2, [&] {
        ++calls;
        loop.stop();
    });
    EXPECT_EQ(calls, 0);
    ::raise(SIGUSR2);
    EXPECT_EQ(calls, 0) << "the C handler only sets a flag: the callback waits for the loop";
    loop.run_forever();
    EXPECT_EQ(calls, 1);
    run_one_more_iteration(loop);
    EXPECT_EQ(calls, 1);
    ::raise(SIGUSR2);
    loop.run_forever();
    EXPECT_EQ(calls, 2);
}

TEST(SignalHandler, RaisesBeforeTheLoopLooksCoalesceIntoOneCall) {
    EventLoop loop;
    int calls = 0;
    loop.add_signal_handler(SIGUSR2, [&] { ++calls; });
    for (int i = 0; i < 1000; ++i) ::raise(SIGUSR2);
    run_one_more_iteration(loop);
    run_one_more_iteration(loop);
    EXPECT_EQ(calls, 1);
}

TEST(SignalHandler, RunsOnTheLoopThreadWhenAnotherThreadTakesTheSignal) {
    std::promise<void> ready;
    std::atomic<bool> called_on_loop_thread{false};
    std::thread::id loop_thread;
    std::thread runner([&] {
        EventLoop loop;
        loop_thread = std::this_thread::get_id();
        loop.add_signal_handler(SIGWINCH, [&] {
            called_on_loop_thread = std::this_thread::get_id() == loop_thread;
            loop.stop();
        });
        loop.call_soon([&] { ready.set_value(); });
        loop.run_forever();
    });
    ready.get_future().wait();
    ::raise(SIGWINCH);  // taken by this (the main) thread, which the loop does not run on
    runner.join();
    EXPECT_TRUE(called_on_loop_thread);
}

TEST(SignalHandler, AStormFromAnotherThreadLosesNothingAndCoalesces) {
    EventLoop loop;
    constexpr int kRaises = 5000;
    int calls = 0;
    loop.add_signal_handler(SIGUSR2, [&] { ++calls; });
    std::thread storm([&] {
        for (int i = 0; i < kRaises; ++i) ::raise(SIGUSR2);  // each taken by the storm thread
        loop.call_soon_threadsafe([&] { loop.stop(); });
    });
    loop.run_forever();
    storm.join();
    run_one_more_iteration(loop);  // a raise whose flag the stop's iteration missed
    EXPECT_GE(calls, 1);
    EXPECT_LE(calls, kRaises);
    // The machinery is still whole: one more raise, exactly one more call.
    const int before = calls;
    ::raise(SIGUSR2);
    run_one_more_iteration(loop);
    EXPECT_EQ(calls, before + 1);
}

TEST(SignalHandler, AddingAgainReplacesTheCallback) {
    EventLoop loop;
    int first = 0;
    int second = 0;
    loop.add_signal_handler(SIGUSR2, [&] { ++first; });
    loop.add_signal_handler(SIGUSR2, [&] { ++second; });
    ::raise(SIGUSR2);
    run_one_more_iteration(loop);
    EXPECT_EQ(first, 0);
    EXPECT_EQ(second, 1);
}

TEST(SignalHandler, RemovalRestoresTheDefaultDisposition) {
    EventLoop loop;
    loop.add_signal_handler(SIGUSR2, [] {});
    EXPECT_NE(disposition(SIGUSR2), SIG_DFL);
    EXPECT_TRUE(loop.remove_signal_handler(SIGUSR2));
    EXPECT_EQ(disposition(SIGUSR2), SIG_DFL);
    EXPECT_FALSE(loop.remove_signal_handler(SIGUSR2)) << "nothing left to remove";
}

TEST(SignalHandler, AfterRemovalTheSignalTakesItsDefaultActionAgain) {
    const int status = status_of_child([] {
        EventLoop loop;
        loop.add_signal_handler(SIGTERM, [] {});
        ::raise(SIGTERM);  // caught: the process lives
        loop.remove_signal_handler(SIGTERM);
        ::raise(SIGTERM);  // the default action: the process dies here
        return 0;
    });
    EXPECT_TRUE(killed_by(status, SIGTERM)) << "wait status " << status;
}

TEST(SignalHandler, ARemovedHandlerThatWasAlreadyRaisedDoesNotRun) {
    EventLoop loop;
    int calls = 0;
    loop.add_signal_handler(SIGUSR2, [&] { ++calls; });
    ::raise(SIGUSR2);
    loop.remove_signal_handler(SIGUSR2);
    run_one_more_iteration(loop);
    EXPECT_EQ(calls, 0);
}

TEST(SignalHandler, CloseRemovesEveryHandler) {
    EventLoop loop;
    loop.add_signal_handler(SIGUSR2, [] {});
    loop.add_signal_handler(SIGWINCH, [] {});
    loop.close();
    EXPECT_EQ(disposition(SIGUSR2), SIG_DFL);
    EXPECT_EQ(disposition(SIGWINCH), SIG_DFL);
    EXPECT_THROW(loop.add_signal_handler(SIGUSR2, [] {}), InvalidStateError);
}

TEST(SignalHandler, ASignalHeldByOneLoopIsRefusedToAnother) {
    EventLoop first;
    EventLoop second;
    first.add_signal_handler(SIGUSR2, [] {});
    EXPECT_THROW(second.add_signal_handler(SIGUSR2, [] {}), InvalidStateError);
    first.remove_signal_handler(SIGUSR2);
    int calls = 0;
    second.add_signal_handler(SIGUSR2, [&] { ++calls; });
    ::raise(SIGUSR2);
    run_one_more_iteration(second);
    EXPECT_EQ(calls, 1);
}

TEST(SignalHandler, NumbersThatAreNotSignalsAreRefused) {
    EventLoop loop;
    EXPECT_THROW(loop.add_signal_handler(0, [] {}), std::invalid_argument);
    EXPECT_THROW(loop.add_signal_handler(NSIG, [] {}), std::invalid_argument);
    EXPECT_THROW(loop.add_signal_handler(-1, [] {}), std::invalid_argument);
    EXPECT_THROW(loop.remove_signal_handler(NSIG), std::invalid_argument);
}

TEST(SignalHandler, SignalsThatCannotBeCaughtAreRefusedAndLeaveNothingBehind) {
    EventLoop loop;
    EXPECT_THROW(loop.add_signal_handler(SIGKILL, [] {}), std::system_error);
    EXPECT_THROW(loop.add_signal_handler(SIGSTOP, [] {}), std::system_error);
    EXPECT_FALSE(loop.remove_signal_handler(SIGKILL));
    // The slot was given back: another loop may try again (and fail the same way).
    EventLoop other;
    EXPECT_THROW(other.add_signal_handler(SIGKILL, [] {}), std::system_error);
}

TEST(SignalHandler, AnExceptionFromTheCallbackGoesToTheExceptionHandler) {
    EventLoop loop;
    testing::ReportLog log(loop);
    int calls = 0;
    loop.add_signal_handler(SIGUSR2, [&] {
        ++calls;
        throw std::runtime_error("handler failed");
    });
    ::raise(SIGUSR2);
    run_one_more_iteration(loop);
    ::raise(SIGUSR2);
    run_one_more_iteration(loop);
    EXPECT_EQ(calls, 2) << "the loop and the handler go on";
    EXPECT_EQ(log.count("Exception in callback"), 2u);
}

TEST(SignalHandler, DebugModeRefusesAddingFromAnotherThread) {
    EventLoopOptions options;
    options.debug = true;
    EventLoop loop(options);
    std::exception_ptr error;
    std::thread other([&] {
        try {
            loop.add_signal_handler(SIGWINCH, [] {});
        } catch (...) {
            error = std::current_exception();
        }
    });
    other.join();
    EXPECT_TRUE(holds<InvalidStateError>(error));
    EXPECT_EQ(disposition(SIGWINCH), SIG_DFL);  // (debug mode itself catches SIGUSR2)
}

}  // namespace
}  // namespace looplab
