// tests/runtime/event_loop_test.cpp: the loop itself: the ready queue, the phases of an
// iteration, stop / run / close, the running loop of a thread, the exception handler, and
// watching file descriptors.
//
// Every loop here runs on a ManualClock, so nothing waits in real time. Tests that drive the
// loop by hand with run_once() keep a far-away timer pending on a clock that does not
// auto-advance: the selector is then polled with a zero timeout and run_once never blocks.
#include "runtime/event_loop.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/future.hpp"
#include "runtime/task.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::VirtualLoop;

// A loop driven by hand: run_once() never blocks and time only moves when the test says.
struct HandDrivenLoop : VirtualLoop {
    HandDrivenLoop() : VirtualLoop(/*auto_advance=*/false) {
        keep_polling = loop.call_later(24h, [] {});
    }
    TimerHandle keep_polling;
};

// Both ends of a pipe, closed at the end of the test.
struct Pipe {
    Pipe() {
        int fds[2];
        if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
        read_fd = fds[0];
        write_fd = fds[1];
    }
    ~Pipe() {
        ::close(read_fd);
        ::close(write_fd);
    }
    void write_byte() const { ASSERT_EQ(::write(write_fd, "x", 1), 1); }
    void read_byte() const {
        char c;
        ASSERT_EQ(::read(read_fd, &c, 1), 1);
    }
    int read_fd;
    int write_fd;
};

// ---- The ready queue ---------------------------------------------------------------------

TEST(EventLoop, CallSoonRunsCallbacksInTheOrderTheyWereScheduled) {
    HandDrivenLoop v;
    std::vector<int> order;
    for (int i = 0; i < 10; ++i) v.loop.call_soon([&order, i] { order.push_back(i); });
    v.loop.run_once();
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST(EventLoop, CallbacksScheduledWhileCallbacksRunWaitForTheNextIteration) {
    HandDrivenLoop v;
    EventLoop& loop = v.loop;
    std::vector<std::string> log;
    loop.call_soon([&] {
        log.push_back("a@" + std::to_string(loop.iteration_count()));
        loop.call_soon([&] { log.push_back("c@" + std::to_string(loop.iteration_count())); });
    });
    loop.call_soon([&] { log.push_back("b@" + std::to_string(loop.iteration_count())); });
    const auto first = loop.iteration_count() + 1;
    loop.run_once();
    EXPECT_EQ(log, (std::vector<std::string>{"a@" + std::to_string(first),
                                             "b@" + std::to_string(first)}));
    EXPECT_EQ(loop.ready_count(), 1u);
    loop.run_once();
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[2], "c@" + std::to_string(first + 1));
}

TEST(EventLoop, ACallbackThatReschedulesItselfRunsOncePerIteration) {
    HandDrivenLoop v;
    EventLoop& loop = v.loop;
    int runs = 0;
    std::function<void()> again = [&] {
        ++runs;
        loop.call_soon([&] { again(); });
    };
    loop.call_soon([&] { again(); });
    for (int i = 0; i < 5; ++i) loop.run_once();
    EXPECT_EQ(runs, 5);  // it cannot starve the rest of the iteration
}

TEST(EventLoop, EachRunOnceCountsOneIteration) {
    HandDrivenLoop v;
    const auto before = v.loop.iteration_count();
    v.loop.run_once();
    v.loop.run_once();
    EXPECT_EQ(v.loop.iteration_count(), before + 2);
}

// ---- Errors in callbacks -------------------------------------------------------------------

TEST(EventLoop, AnExceptionInACallbackReachesTheExceptionHandlerAndTheLoopGoesOn) {
    HandDrivenLoop v;
    EventLoop& loop = v.loop;
    std::vector<std::string> seen;
    EventLoop* handler_loop = nullptr;
    loop.set_exception_handler([&](EventLoop& l, const ExceptionContext& c) {
        handler_loop = &l;
        seen.push_back(c.message + "|" + describe(c.exception) + "|" + c.source);
    });
    bool after = false;
    loop.call_soon([] { throw std::runtime_error("boom"); });
    loop.call_soon([&] { after = true; });
    loop.run_once();
    EXPECT_TRUE(after);
    EXPECT_EQ(handler_loop, &loop);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_NE(seen[0].find("Exception in callback|boom|"), std::string::npos) << seen[0];
    EXPECT_NE(seen[0].find("event_loop_test.cpp"), std::string::npos) << seen[0];
}

TEST(EventLoop, AnExceptionHandlerThatThrowsDoesNotStopTheLoop) {
    HandDrivenLoop v;
    EventLoop& loop = v.loop;
    loop.set_exception_handler(
        [](EventLoop&, const ExceptionContext&) { throw std::logic_error("handler broke"); });
    int runs = 0;
    loop.call_soon([] { throw std::runtime_error("boom"); });
    loop.call_soon([&] { ++runs; });
    EXPECT_NO_THROW(loop.run_once());  // the default handler prints both to stderr
    EXPECT_EQ(runs, 1);
}

// ---- run_forever and stop -----------------------------------------------------------------

TEST(EventLoop, StopLetsTheCurrentIterationFinishAndThenRunForeverReturns) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    std::vector<std::string> log;
    loop.call_soon([&] {
        log.push_back("stopper");
        loop.stop();
        loop.call_soon([&] { log.push_back("next run"); });
    });
    loop.call_soon([&] { log.push_back("same iteration"); });
    loop.run_forever();
    EXPECT_EQ(log, (std::vector<std::string>{"stopper", "same iteration"}));
    EXPECT_FALSE(loop.is_running());

    // The callback scheduled after stop() waits for the next run.
    loop.call_soon([&] { loop.stop(); });
    loop.run_forever();
    EXPECT_EQ(log.back(), "next run");
}

TEST(EventLoop, StopBeforeRunForeverRunsExactlyOneIteration) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    int runs = 0;
    loop.call_soon([&] {
        ++runs;
        loop.call_soon([&] { ++runs; });
    });
    loop.stop();
    const auto before = loop.iteration_count();
    loop.run_forever();
    EXPECT_EQ(loop.iteration_count(), before + 1);
    EXPECT_EQ(runs, 1);
}

TEST(EventLoop, StopDoesNotLetAVirtualClockJumpToTheNextTimer) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    bool fired = false;
    loop.call_later(1h, [&] { fired = true; });
    loop.stop();
    loop.run_forever();
    EXPECT_FALSE(fired);
    EXPECT_EQ(v.elapsed(), Duration::zero());
}

TEST(EventLoop, IsRunningOnlyInsideRunForever) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    bool inside = false;
    loop.call_soon([&] {
        inside = loop.is_running();
        loop.stop();
    });
    EXPECT_FALSE(loop.is_running());
    loop.run_forever();
    EXPECT_TRUE(inside);
    EXPECT_FALSE(loop.is_running());
}

TEST(EventLoop, RunForeverInsideTheRunningLoopThrowsInvalidStateError) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    bool threw = false;
    loop.call_soon([&] {
        try {
            loop.run_forever();
        } catch (const InvalidStateError&) {
            threw = true;
        }
        loop.stop();
    });
    loop.run_forever();
    EXPECT_TRUE(threw);
}

TEST(EventLoop, RunningASecondLoopWhileOneRunsInThisThreadThrowsInvalidStateError) {
    VirtualLoop a;
    VirtualLoop b;
    bool threw = false;
    a.loop.call_soon([&] {
        b.loop.call_soon([&] { b.loop.stop(); });
        try {
            b.loop.run_forever();
        } catch (const InvalidStateError&) {
            threw = true;
        }
        a.loop.stop();
    });
    a.loop.run_forever();
    EXPECT_TRUE(threw);
}

// ---- run_until_complete --------------------------------------------------------------------

TEST(EventLoop, RunUntilCompleteReturnsTheFuturesResult) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    v.loop.call_later(5s, [&] { f.set_result(42); });
    EXPECT_EQ(v.loop.run_until_complete(f), 42);
    EXPECT_EQ(v.elapsed(), 5s);
}

TEST(EventLoop, RunUntilCompleteRethrowsTheFuturesException) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    v.loop.call_soon([&] { f.set_exception(std::runtime_error("failed")); });
    EXPECT_THROW(v.loop.run_until_complete(f), std::runtime_error);
    EXPECT_EQ(v.log.size(), 0u);  // retrieved: nothing to report
}

TEST(EventLoop, RunUntilCompleteThrowsCancelledErrorForACancelledFuture) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    v.loop.call_soon([&] { f.cancel("bye"); });
    try {
        v.loop.run_until_complete(f);
        ADD_FAILURE() << "no exception";
    } catch (const CancelledError& e) {
        EXPECT_EQ(e.message(), "bye");
    }
}

TEST(EventLoop, RunUntilCompleteOfACoroRunsItAsATask) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::string> {
        EXPECT_NE(current_task(), nullptr);
        co_await sleep(1s);
        co_return "done";
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), "done");
}

TEST(EventLoop, RunUntilCompleteOfAFinishedFutureReturnsAtOnce) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    f.set_result(7);
    EXPECT_EQ(v.loop.run_until_complete(f), 7);
}

TEST(EventLoop, RunUntilCompleteStoppedEarlyThrowsInvalidStateError) {
    VirtualLoop v;
    Future<int> f = v.loop.create_future<int>();
    v.loop.call_soon([&] { v.loop.stop(); });
    EXPECT_THROW(v.loop.run_until_complete(f), InvalidStateError);
}

TEST(EventLoop, RunUntilCompleteStoppedEarlyDoesNotStopALaterRunWhenTheFutureCompletes) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    Future<int> f = loop.create_future<int>();
    loop.call_soon([&] { loop.stop(); });
    EXPECT_THROW(loop.run_until_complete(f), InvalidStateError);

    // asyncio removes its stop callback when run_until_complete returns: completing the
    // future later must not stop an unrelated run.
    bool reached = false;
    loop.call_later(1s, [&] { f.set_result(1); });
    loop.call_later(2s, [&] {
        reached = true;
        loop.stop();
    });
    loop.run_forever();
    EXPECT_TRUE(reached);
    EXPECT_EQ(v.elapsed(), 2s);
}

TEST(EventLoop, RunUntilCompleteInsideTheRunningLoopThrowsAndLeavesTheLoopAlone) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    Future<int> f = loop.create_future<int>();
    bool threw = false;
    loop.call_soon([&] {
        try {
            loop.run_until_complete(f);
        } catch (const InvalidStateError&) {
            threw = true;
        }
    });
    bool reached = false;
    loop.call_later(1s, [&] { f.set_result(1); });
    loop.call_later(2s, [&] {
        reached = true;
        loop.stop();
    });
    loop.run_forever();
    EXPECT_TRUE(threw);
    EXPECT_TRUE(reached);  // completing f did not stop the loop at 1 s
}

TEST(EventLoop, RunUntilCompleteOfACoroInsideTheRunningLoopDoesNotStartIt) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    bool body_ran = false;
    auto body = [&]() -> Coro<void> {
        body_ran = true;
        co_return;
    };
    loop.call_soon([&] {
        EXPECT_THROW(loop.run_until_complete(body()), InvalidStateError);
        loop.call_later(1s, [&] { loop.stop(); });
    });
    loop.run_forever();
    EXPECT_FALSE(body_ran);
    EXPECT_TRUE(loop.all_tasks().empty());
}

// ---- close ---------------------------------------------------------------------------------

TEST(EventLoop, CloseReleasesEveryCallbackTimerReaderAndTask) {
    auto token = std::make_shared<int>(0);
    Pipe pipe;
    ManualClock clock;
    EventLoopOptions options;
    options.clock = &clock;
    EventLoop loop(options);
    testing::ReportLog log(loop);
    auto holder = [](std::shared_ptr<int> t) -> Coro<void> {
        co_await sleep(1h);
        (void)t;
    };
    loop.call_soon([token] {});
    loop.call_later(1h, [token] {});
    loop.add_reader(pipe.read_fd, [token] {});
    loop.add_writer(pipe.write_fd, [token] {});
    loop.call_soon_threadsafe([token] {});
    Task<void> never_started = loop.create_task(holder(token));
    EXPECT_EQ(token.use_count(), 7);

    loop.close();
    EXPECT_TRUE(loop.is_closed());
    EXPECT_EQ(token.use_count(), 1);
    EXPECT_EQ(loop.timer_count(), 0u);
    EXPECT_EQ(loop.ready_count(), 0u);
    EXPECT_TRUE(loop.all_tasks().empty());
    EXPECT_TRUE(never_started.cancelled());
    EXPECT_EQ(log.count("Task was destroyed but it is pending"), 1u);
}

TEST(EventLoop, CloseDestroysThePendingTasksFramesRunningTheirDestructors) {
    VirtualLoop v;
    bool destroyed = false;
    struct Flag {
        bool* flag;
        ~Flag() { *flag = true; }
    };
    auto body = [&]() -> Coro<void> {
        Flag f{&destroyed};
        co_await sleep(1h);
    };
    v.loop.call_later(1s, [&] { v.loop.stop(); });
    Task<void> t = v.loop.create_task(body());
    v.loop.run_forever();
    EXPECT_FALSE(destroyed);
    v.loop.close();
    EXPECT_TRUE(destroyed);
    EXPECT_TRUE(t.done());
}

TEST(EventLoop, CloseIsIdempotent) {
    VirtualLoop v;
    v.loop.close();
    EXPECT_NO_THROW(v.loop.close());
    EXPECT_TRUE(v.loop.is_closed());
}

TEST(EventLoop, CloseWhileRunningThrowsInvalidStateError) {
    VirtualLoop v;
    bool threw = false;
    v.loop.call_soon([&] {
        try {
            v.loop.close();
        } catch (const InvalidStateError&) {
            threw = true;
        }
        v.loop.stop();
    });
    v.loop.run_forever();
    EXPECT_TRUE(threw);
    EXPECT_FALSE(v.loop.is_closed());
}

TEST(EventLoop, AClosedLoopRefusesNewWork) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    Pipe pipe;
    loop.close();
    EXPECT_THROW(loop.call_soon([] {}), InvalidStateError);
    EXPECT_THROW(loop.call_later(1s, [] {}), InvalidStateError);
    EXPECT_THROW(loop.call_at(TimePoint{}, [] {}), InvalidStateError);
    EXPECT_THROW(loop.add_reader(pipe.read_fd, [] {}), InvalidStateError);
    EXPECT_THROW(loop.add_writer(pipe.write_fd, [] {}), InvalidStateError);
    EXPECT_THROW(loop.run_forever(), InvalidStateError);
    auto body = []() -> Coro<int> { co_return 1; };
    EXPECT_THROW(loop.create_task(body()), InvalidStateError);
    EXPECT_THROW(loop.run_until_complete(body()), InvalidStateError);
    EXPECT_FALSE(loop.remove_reader(pipe.read_fd));
}

TEST(EventLoop, CallSoonThreadsafeOnAClosedLoopThrowsInvalidStateError) {
    VirtualLoop v;
    v.loop.close();
    EXPECT_THROW(v.loop.call_soon_threadsafe([] {}), InvalidStateError);
    std::thread other([&] { EXPECT_THROW(v.loop.call_soon_threadsafe([] {}), InvalidStateError); });
    other.join();
}

// ---- The running loop of a thread ---------------------------------------------------------

TEST(EventLoop, GetRunningLoopThrowsWhenNoLoopIsRunning) {
    VirtualLoop v;
    EXPECT_EQ(try_get_running_loop(), nullptr);
    EXPECT_THROW(get_running_loop(), std::runtime_error);
}

TEST(EventLoop, GetRunningLoopIsTheLoopRunningInThisThread) {
    VirtualLoop v;
    EventLoop* seen = nullptr;
    v.loop.call_soon([&] {
        seen = &get_running_loop();
        v.loop.stop();
    });
    v.loop.run_forever();
    EXPECT_EQ(seen, &v.loop);
    EXPECT_EQ(try_get_running_loop(), nullptr);  // reset when run_forever returns
}

TEST(EventLoop, EachThreadHasItsOwnRunningLoop) {
    VirtualLoop mine;
    EventLoop* seen_here_before = nullptr;
    EventLoop* seen_here_after = nullptr;
    EventLoop* seen_there_before_running = &mine.loop;
    EventLoop* seen_there = nullptr;
    EventLoop* theirs_address = nullptr;
    mine.loop.call_soon([&] {
        seen_here_before = &get_running_loop();
        std::thread other([&] {
            seen_there_before_running = try_get_running_loop();  // not this thread's loop
            VirtualLoop theirs;
            theirs_address = &theirs.loop;
            theirs.loop.call_soon([&] {
                seen_there = &get_running_loop();
                theirs.loop.stop();
            });
            theirs.loop.run_forever();
        });
        other.join();
        seen_here_after = &get_running_loop();
        mine.loop.stop();
    });
    mine.loop.run_forever();
    EXPECT_EQ(seen_here_before, &mine.loop);
    EXPECT_EQ(seen_here_after, &mine.loop);
    EXPECT_EQ(seen_there_before_running, nullptr);
    EXPECT_EQ(seen_there, theirs_address);
}

TEST(EventLoop, CallSoonThreadsafeWakesALoopBlockedInTheSelector) {
    // No timer and nothing ready: the loop blocks in the selector with no timeout. Only the
    // other thread's post can wake it.
    EventLoop loop;
    std::atomic<bool> started{false};
    loop.call_soon([&] { started = true; });
    std::thread poster([&] {
        while (!started) std::this_thread::yield();
        loop.call_soon_threadsafe([&] { loop.stop(); });
    });
    loop.run_forever();
    poster.join();
    EXPECT_TRUE(started);
}

TEST(EventLoop, CallbacksFromOtherThreadsRunOnTheLoopThreadInPostingOrder) {
    VirtualLoop v;
    EventLoop& loop = v.loop;
    std::vector<int> order;
    std::vector<std::thread::id> threads;
    std::thread poster([&] {
        for (int i = 0; i < 100; ++i) {
            loop.call_soon_threadsafe([&, i] {
                order.push_back(i);
                threads.push_back(std::this_thread::get_id());
            });
        }
        loop.call_soon_threadsafe([&] { loop.stop(); });
    });
    poster.join();
    loop.run_forever();
    ASSERT_EQ(order.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
    for (auto id : threads) EXPECT_EQ(id, std::this_thread::get_id());
}

// ---- File descriptors ------------------------------------------------------------------------

TEST(EventLoop, AReaderRunsOnEveryIterationWhileItsFdIsReadable) {
    HandDrivenLoop v;
    Pipe pipe;
    int calls = 0;
    v.loop.add_reader(pipe.read_fd, [&] { ++calls; });
    v.loop.run_once();
    EXPECT_EQ(calls, 0);  // nothing to read yet
    pipe.write_byte();
    v.loop.run_once();
    v.loop.run_once();
    EXPECT_EQ(calls, 2);  // level-triggered: still readable
    pipe.read_byte();
    v.loop.run_once();
    EXPECT_EQ(calls, 2);
}

TEST(EventLoop, RemoveReaderStopsTheCallbacksAndReportsWhetherThereWasOne) {
    HandDrivenLoop v;
    Pipe pipe;
    int calls = 0;
    EXPECT_FALSE(v.loop.remove_reader(pipe.read_fd));
    v.loop.add_reader(pipe.read_fd, [&] { ++calls; });
    pipe.write_byte();
    v.loop.run_once();
    EXPECT_TRUE(v.loop.remove_reader(pipe.read_fd));
    EXPECT_FALSE(v.loop.remove_reader(pipe.read_fd));
    v.loop.run_once();
    EXPECT_EQ(calls, 1);
}

TEST(EventLoop, AddingAReaderAgainReplacesTheFirstAndKeepsWorking) {
    HandDrivenLoop v;
    Pipe pipe;
    std::vector<std::string> log;
    v.loop.add_reader(pipe.read_fd, [&] { log.push_back("first"); });
    v.loop.add_reader(pipe.read_fd, [&] { log.push_back("second"); });
    v.loop.add_reader(pipe.read_fd, [&] { log.push_back("third"); });
    pipe.write_byte();
    v.loop.run_once();
    EXPECT_EQ(log, (std::vector<std::string>{"third"}));
    EXPECT_TRUE(v.loop.remove_reader(pipe.read_fd));
    v.loop.add_reader(pipe.read_fd, [&] { log.push_back("fourth"); });
    v.loop.run_once();
    EXPECT_EQ(log, (std::vector<std::string>{"third", "fourth"}));
}

TEST(EventLoop, AReaderReplacedByAnEarlierCallbackOfTheSameIterationDoesNotRun) {
    HandDrivenLoop v;
    Pipe pipe;
    std::vector<std::string> log;
    pipe.write_byte();
    v.loop.add_reader(pipe.read_fd, [&] { log.push_back("old"); });
    v.loop.run_once();
    // In the next iteration phase 3 queues "old" behind this callback (ready already), which
    // replaces it: "old" must not run again, and "new" runs from the iteration after.
    v.loop.call_soon([&] { v.loop.add_reader(pipe.read_fd, [&] { log.push_back("new"); }); });
    v.loop.run_once();
    v.loop.run_once();
    EXPECT_EQ(log, (std::vector<std::string>{"old", "new"}));
}

TEST(EventLoop, AReaderCanRemoveItselfWhileRunning) {
    HandDrivenLoop v;
    Pipe pipe;
    auto token = std::make_shared<int>(0);
    int calls = 0;
    v.loop.add_reader(pipe.read_fd, [&, token] {
        ++calls;
        EXPECT_TRUE(v.loop.remove_reader(pipe.read_fd));
        EXPECT_EQ(*token, 0);  // its captures are still alive while it runs
    });
    pipe.write_byte();
    v.loop.run_once();
    v.loop.run_once();
    EXPECT_EQ(calls, 1);
    EXPECT_EQ(token.use_count(), 1);  // released once it returned
}

TEST(EventLoop, AReaderAndAWriterOnOneSocketAreIndependent) {
    HandDrivenLoop v;
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    int reads = 0;
    int writes = 0;
    v.loop.add_writer(sv[0], [&] { ++writes; });  // a fresh socket is writable at once
    v.loop.add_reader(sv[0], [&] { ++reads; });
    v.loop.run_once();
    EXPECT_EQ(writes, 1);
    EXPECT_EQ(reads, 0);
    ASSERT_EQ(::write(sv[1], "x", 1), 1);
    v.loop.run_once();
    EXPECT_EQ(writes, 2);
    EXPECT_EQ(reads, 1);
    EXPECT_TRUE(v.loop.remove_writer(sv[0]));
    v.loop.run_once();
    EXPECT_EQ(writes, 2);
    EXPECT_EQ(reads, 2);  // the reader survived the writer's removal
    EXPECT_TRUE(v.loop.remove_reader(sv[0]));
    v.loop.run_once();
    EXPECT_EQ(reads, 2);
    ::close(sv[0]);
    ::close(sv[1]);
}

TEST(EventLoop, AddReaderRejectsANegativeFd) {
    VirtualLoop v;
    EXPECT_THROW(v.loop.add_reader(-1, [] {}), std::invalid_argument);
    EXPECT_THROW(v.loop.add_writer(-1, [] {}), std::invalid_argument);
}

}  // namespace
}  // namespace looplab
