// tests/runtime/cpython_base_events_test.cpp: CPython's Lib/test/test_asyncio/test_base_events.py,
// ported behaviour by behaviour: timers with negative delays, the exception handler's
// get / set / default semantics and their diagnostics, run_until_complete's refusals,
// call_soon_threadsafe's handle, run_once by hand, and the task factory.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::VirtualLoop;

TEST(CpythonBaseEvents, TimersWithNegativeDelaysRunInDeadlineOrderNotSchedulingOrder) {
    VirtualLoop v;
    std::vector<int> calls;
    v.loop.call_later(-1s, [&] { calls.push_back(1); });
    v.loop.call_later(-2s, [&] { calls.push_back(2); });
    v.loop.call_soon([&] { v.loop.stop(); });
    v.loop.run_forever();
    EXPECT_EQ(calls, (std::vector<int>{2, 1}));
}

TEST(CpythonBaseEvents, CallLaterAndCallAtSayWhenTheyAreDue) {
    VirtualLoop v;
    const TimePoint now = v.loop.time();
    TimerHandle later = v.loop.call_later(10s, [] {});
    TimerHandle at = v.loop.call_at(now + 5s, [] {});
    EXPECT_EQ(later.when(), now + 10s);
    EXPECT_EQ(at.when(), now + 5s);
    later.cancel();
    at.cancel();
}

TEST(CpythonBaseEvents, RunUntilCompleteOfAFutureOfAnotherLoopIsRefused) {
    VirtualLoop a;
    VirtualLoop b;
    Future<int> of_b = b.loop.create_future<int>();
    EXPECT_THROW(a.loop.run_until_complete(of_b), std::invalid_argument);
    EXPECT_FALSE(a.loop.is_running());
}

TEST(CpythonBaseEvents, WithNoHandlerSetGetExceptionHandlerIsEmpty) {
    EventLoop loop;
    EXPECT_FALSE(loop.get_exception_handler());
    loop.set_exception_handler([](EventLoop&, const ExceptionContext&) {});
    EXPECT_TRUE(loop.get_exception_handler());
    loop.set_exception_handler(nullptr);
    EXPECT_FALSE(loop.get_exception_handler());
    loop.close();
}

TEST(CpythonBaseEvents, TheDefaultHandlerPrintsTheMessageTheSourceAndTheException) {
    EventLoop loop;
    ::testing::internal::CaptureStderr();
    loop.call_soon([] { throw std::runtime_error("boom in a callback"); });
    loop.call_soon([&] { loop.stop(); });
    loop.run_forever();
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("looplab: Exception in callback ("), std::string::npos) << err;
    EXPECT_NE(err.find("cpython_base_events_test.cpp:"), std::string::npos) << err;
    EXPECT_NE(err.find("exception: boom in a callback"), std::string::npos) << err;
    loop.close();
}

TEST(CpythonBaseEvents, TheDefaultHandlerGivesAContextWithoutAMessageAsUnhandledException) {
    ::testing::internal::CaptureStderr();
    EventLoop::default_exception_handler({"", nullptr, ""});
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_EQ(err, "looplab: Unhandled exception in event loop\n");
}

TEST(CpythonBaseEvents, ACustomHandlerGetsTheContextAndNothingIsPrinted) {
    EventLoop loop;
    std::vector<std::string> messages;
    std::string what;
    loop.set_exception_handler([&](EventLoop& l, const ExceptionContext& c) {
        EXPECT_EQ(&l, &loop);
        messages.push_back(c.message);
        what = describe(c.exception);
    });
    ::testing::internal::CaptureStderr();
    loop.call_soon([] { throw std::runtime_error("custom"); });
    loop.call_soon([&] { loop.stop(); });
    loop.run_forever();
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    EXPECT_EQ(messages, (std::vector<std::string>{"Exception in callback"}));
    EXPECT_EQ(what, "custom");
    loop.close();
}

TEST(CpythonBaseEvents, AHandlerMayCallTheDefaultOneToLogAsUsual) {
    EventLoop loop;
    int calls = 0;
    loop.set_exception_handler([&](EventLoop&, const ExceptionContext& c) {
        ++calls;
        EventLoop::default_exception_handler(c);
    });
    ::testing::internal::CaptureStderr();
    loop.call_exception_handler({"told by hand", nullptr, "here"});
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "looplab: told by hand (here)\n");
    EXPECT_EQ(calls, 1);
    loop.close();
}

TEST(CpythonBaseEvents, AHandlerThatThrowsIsReportedAndTheOriginalContextStillPrinted) {
    EventLoop loop;
    loop.set_exception_handler(
        [](EventLoop&, const ExceptionContext&) { throw std::runtime_error("broken handler"); });
    ::testing::internal::CaptureStderr();
    loop.call_soon([] { throw std::runtime_error("original"); });
    loop.call_soon([&] { loop.stop(); });
    loop.run_forever();
    const std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("Unhandled error in exception handler"), std::string::npos) << err;
    EXPECT_NE(err.find("broken handler"), std::string::npos) << err;
    EXPECT_NE(err.find("original"), std::string::npos) << err;
    loop.close();
}

TEST(CpythonBaseEvents, CallSoonThreadsafeGivesAHandleThatAnotherThreadCanCancel) {
    EventLoop loop;
    std::atomic<bool> ran{false};
    ThreadsafeHandle handle;
    std::thread poster([&] {
        handle = loop.call_soon_threadsafe([&] { ran = true; });
        handle.cancel();  // before the loop has even looked
        loop.call_soon_threadsafe([&] { loop.stop(); });
    });
    poster.join();
    loop.run_forever();
    EXPECT_TRUE(handle.cancelled());
    EXPECT_FALSE(ran);
    loop.close();
}

TEST(CpythonBaseEvents, ACallSoonThreadsafeHandleCancelledAfterItRanChangesNothing) {
    EventLoop loop;
    int ran = 0;
    ThreadsafeHandle handle = loop.call_soon_threadsafe([&] { ++ran; });
    loop.call_soon_threadsafe([&] { loop.stop(); });
    loop.run_forever();
    handle.cancel();
    EXPECT_EQ(ran, 1);
    loop.close();
}

TEST(CpythonBaseEvents, ACancelledThreadsafeCallbacksCapturesAreReleasedOnTheLoopThread) {
    EventLoop loop;
    std::thread::id released_on;
    struct Probe {
        std::thread::id* where;
        explicit Probe(std::thread::id* w) : where(w) {}
        Probe(Probe&& o) noexcept : where(std::exchange(o.where, nullptr)) {}
        ~Probe() {
            if (where) *where = std::this_thread::get_id();
        }
    };
    std::thread poster([&] {
        ThreadsafeHandle h = loop.call_soon_threadsafe([p = Probe(&released_on)] { (void)p; });
        h.cancel();
        loop.call_soon_threadsafe([&] { loop.stop(); });
    });
    poster.join();
    loop.run_forever();
    EXPECT_EQ(released_on, std::this_thread::get_id());
    loop.close();
}

TEST(CpythonBaseEvents, RunOnceByHandMakesTheLoopTheRunningLoopForThatIteration) {
    VirtualLoop v;
    EventLoop* seen = nullptr;
    bool running_inside = false;
    v.loop.call_soon([&] {
        seen = try_get_running_loop();
        running_inside = v.loop.is_running();
    });
    v.loop.run_once();
    EXPECT_EQ(seen, &v.loop);
    EXPECT_TRUE(running_inside);
    EXPECT_FALSE(v.loop.is_running());
    EXPECT_EQ(try_get_running_loop(), nullptr);
}

TEST(CpythonBaseEvents, TasksCanBeDrivenByRunOnceByHand) {
    VirtualLoop v;
    Task<int> t = v.loop.create_task(testing::after(0ms, 4));
    for (int i = 0; i < 10 && !t.done(); ++i) v.loop.run_once();
    ASSERT_TRUE(t.done());
    EXPECT_EQ(t.result(), 4);
}

TEST(CpythonBaseEvents, RunOnceByHandWhileAnotherLoopRunsIsRefused) {
    VirtualLoop outer;
    VirtualLoop inner;
    bool refused = false;
    outer.loop.call_soon([&] {
        try {
            inner.loop.run_once();
        } catch (const InvalidStateError&) {
            refused = true;
        }
        outer.loop.stop();
    });
    outer.loop.run_forever();
    EXPECT_TRUE(refused);
}

TEST(CpythonBaseEvents, RunOnceOnAClosedLoopIsRefused) {
    EventLoop loop;
    loop.close();
    EXPECT_THROW(loop.run_once(), InvalidStateError);
}

TEST(CpythonBaseEvents, ATaskFactoryThatThrowsLeavesNoTaskAndTheCoroutineNeverRuns) {
    VirtualLoop v;
    bool ran = false;
    v.loop.set_task_factory([](EventLoop&, TaskBase&) { throw std::runtime_error("factory"); });
    auto body = [&]() -> Coro<void> {
        ran = true;
        co_return;
    };
    EXPECT_THROW((void)v.loop.create_task(body()), std::runtime_error);
    EXPECT_TRUE(v.loop.all_tasks().empty());
    v.loop.set_task_factory(nullptr);
    v.loop.call_soon([&] { v.loop.stop(); });
    v.loop.run_forever();
    EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace looplab
