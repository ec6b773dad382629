// tests/runtime/call_soon_threadsafe_test.cpp: other threads handing callbacks to a loop.
//
// What is checked: every posted callback runs exactly once and on the loop thread (also under
// TSan, with 8 threads posting at once); a loop blocked in the selector wakes for a post;
// wake-ups coalesce (observed through the inbox's count of fd writes, which is exact); posts
// are refused once the loop is closed, and what was still queued is destroyed, not run.
//
// A test that waits for a wake-up cannot assert "within N ms" without being flaky, and must
// not hang if the wake-up is broken. So the loop also watches a pipe of the test's own (a
// Watchdog): if the test's way of stopping the loop has not worked after a generous limit,
// the watchdog writes to its pipe, which wakes the loop through plain I/O and stops it, and
// the test fails on `fired()` instead of hanging.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <latch>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;

// Stops `loop` through a pipe of its own if disarm() has not been called within `limit`.
class Watchdog {
public:
    Watchdog(EventLoop& loop, std::chrono::seconds limit) : loop_(loop) {
        if (::pipe(fds_) != 0) throw std::runtime_error("pipe");
        loop_.add_reader(fds_[0], [this] {
            fired_ = true;
            loop_.stop();
        });
        thread_ = std::thread([this, limit] {
            std::unique_lock lock(mutex_);
            if (!cv_.wait_for(lock, limit, [this] { return disarmed_; })) {
                [[maybe_unused]] auto n = ::write(fds_[1], "!", 1);
            }
        });
    }
    ~Watchdog() {
        disarm();
        if (!loop_.is_closed()) loop_.remove_reader(fds_[0]);
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    void disarm() {
        {
            std::lock_guard lock(mutex_);
            disarmed_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) thread_.join();
    }
    // Did the watchdog have to stop the loop? (Loop thread, or after the loop returned.)
    bool fired() const { return fired_; }

private:
    EventLoop& loop_;
    int fds_[2] = {-1, -1};
    bool fired_ = false;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool disarmed_ = false;
    std::thread thread_;
};

TEST(CallSoonThreadsafe, EightThreadsTimesAHundredThousandCallsEachRunOnceOnTheLoopThread) {
    constexpr int kThreads = 8;
    constexpr int kCallsEach = 100'000;
    constexpr int kTotal = kThreads * kCallsEach;
    EventLoop loop;
    Watchdog watchdog(loop, 120s);
    const std::thread::id loop_thread = std::this_thread::get_id();
    // Touched by the callbacks only, so only on the loop thread: TSan would report a callback
    // that ran anywhere else as a race on these.
    std::vector<std::uint8_t> runs(kTotal, 0);
    int ran = 0;
    int ran_elsewhere = 0;

    std::vector<std::thread> posters;
    for (int t = 0; t < kThreads; ++t) {
        posters.emplace_back([&, t] {
            for (int i = 0; i < kCallsEach; ++i) {
                loop.call_soon_threadsafe([&, index = t * kCallsEach + i] {
                    ++runs[index];
                    if (std::this_thread::get_id() != loop_thread) ++ran_elsewhere;
                    if (++ran == kTotal) loop.stop();
                });
            }
        });
    }
    loop.run_forever();
    for (auto& p : posters) p.join();
    watchdog.disarm();

    EXPECT_FALSE(watchdog.fired());
    EXPECT_EQ(ran, kTotal);
    EXPECT_EQ(ran_elsewhere, 0);
    int not_once = 0;
    for (std::uint8_t r : runs) not_once += r != 1;
    EXPECT_EQ(not_once, 0);
    // Nothing is left over to run twice. (The call_soon keeps run_once from blocking.)
    loop.call_soon([] {});
    loop.run_once();
    EXPECT_EQ(ran, kTotal);
}

TEST(CallSoonThreadsafe, WakesALoopBlockedWithNothingScheduled) {
    EventLoop loop;
    Watchdog watchdog(loop, 60s);
    std::latch loop_running(1);
    loop.call_soon([&] { loop_running.count_down(); });
    std::thread::id stopped_on;
    std::thread poster([&] {
        loop_running.wait();
        // Give the loop time to go to sleep in the selector. Not needed for correctness (a
        // post that comes first leaves the fd readable), only to exercise the blocked case.
        std::this_thread::sleep_for(20ms);
        loop.call_soon_threadsafe([&] {
            stopped_on = std::this_thread::get_id();
            loop.stop();
        });
    });
    loop.run_forever();
    poster.join();

    EXPECT_FALSE(watchdog.fired());
    EXPECT_EQ(stopped_on, std::this_thread::get_id());
    // One iteration ran the latch callback; the next one slept, woke and ran the stop: it
    // did not spin while it waited (a signal interrupting epoll_wait may add an empty one).
    EXPECT_LE(loop.iteration_count(), 3u);
}

TEST(CallSoonThreadsafe, WakesALoopBlockedUntilAFarTimer) {
    EventLoop loop;
    Watchdog watchdog(loop, 60s);
    bool timer_ran = false;
    loop.call_later(1h, [&] { timer_ran = true; });
    std::latch loop_running(1);
    loop.call_soon([&] { loop_running.count_down(); });
    std::thread poster([&] {
        loop_running.wait();
        std::this_thread::sleep_for(20ms);
        loop.call_soon_threadsafe([&] { loop.stop(); });
    });
    loop.run_forever();
    poster.join();

    EXPECT_FALSE(watchdog.fired());
    EXPECT_FALSE(timer_ran);
    EXPECT_LE(loop.iteration_count(), 3u);
}

TEST(CallSoonThreadsafe, ABurstOfPostsCostsOneWakeUpAndOneIterationRunsThemAll) {
    EventLoop loop;
    int ran = 0;
    std::thread poster([&] {
        for (int i = 0; i < 1000; ++i) loop.call_soon_threadsafe([&] { ++ran; });
    });
    poster.join();
    // The first post wrote the fd; the 999 after it saw a wake-up pending and only queued.
    EXPECT_EQ(loop.inbox()->wakeup_writes(), 1u);

    loop.run_once();
    EXPECT_EQ(ran, 1000);

    // The loop took the batch and cleared the flag, so the next post wakes it again.
    loop.call_soon_threadsafe([&] { ++ran; });
    EXPECT_EQ(loop.inbox()->wakeup_writes(), 2u);
    loop.run_once();
    EXPECT_EQ(ran, 1001);
}

TEST(CallSoonThreadsafe, CallbacksFromOneThreadRunInTheOrderPosted) {
    EventLoop loop;
    std::vector<int> order;
    std::thread poster([&] {
        for (int i = 0; i < 100; ++i) loop.call_soon_threadsafe([&, i] { order.push_back(i); });
        loop.call_soon_threadsafe([&] { loop.stop(); });
    });
    loop.run_forever();
    poster.join();
    ASSERT_EQ(order.size(), 100u);
    for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(CallSoonThreadsafe, AnExceptionGoesToTheExceptionHandlerAndTheLoopGoesOn) {
    EventLoop loop;
    std::vector<std::string> reports;
    loop.set_exception_handler(
        [&](EventLoop&, const ExceptionContext& c) { reports.push_back(c.message); });
    bool after_ran = false;
    loop.call_soon_threadsafe([] { throw std::runtime_error("boom"); });
    loop.call_soon_threadsafe([&] { after_ran = true; });
    loop.run_once();
    EXPECT_EQ(reports, std::vector<std::string>{"Exception in callback"});
    EXPECT_TRUE(after_ran);
}

TEST(CallSoonThreadsafe, ThrowsInvalidStateErrorOnceTheLoopIsClosed) {
    EventLoop loop;
    loop.close();
    EXPECT_THROW(loop.call_soon_threadsafe([] {}), InvalidStateError);
    std::thread other([&] { EXPECT_THROW(loop.call_soon_threadsafe([] {}), InvalidStateError); });
    other.join();
}

TEST(CallSoonThreadsafe, CallbacksStillQueuedWhenTheLoopClosesAreDestroyedNotRun) {
    auto token = std::make_shared<int>(0);
    EventLoop loop;
    bool ran = false;
    std::thread poster([&] { loop.call_soon_threadsafe([token, &ran] { ran = true; }); });
    poster.join();
    EXPECT_EQ(token.use_count(), 2);
    loop.close();
    EXPECT_FALSE(ran);
    EXPECT_EQ(token.use_count(), 1);
}

TEST(CallSoonThreadsafe, PostingWhileTheLoopClosesEitherQueuesOrThrowsAndNeverCrashes) {
    auto loop = std::make_unique<EventLoop>();
    std::atomic<int> refused{0};
    std::atomic<bool> started{false};
    std::thread poster([&] {
        for (;;) {
            try {
                loop->call_soon_threadsafe([] {});
            } catch (const InvalidStateError&) {
                refused.fetch_add(1);
                return;
            }
            started.store(true);
        }
    });
    while (!started.load()) std::this_thread::yield();
    loop->run_once();
    loop->close();
    poster.join();
    EXPECT_EQ(refused.load(), 1);
}

}  // namespace
}  // namespace looplab
