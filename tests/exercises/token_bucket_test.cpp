// tests/exercises/token_bucket_test.cpp: grading suite for exercise "token_bucket"
// (runtime/token_bucket.*).
//
// On virtual time (ManualClock), so the schedule of acquisitions is asserted to the
// millisecond without sleeping: a full bucket lets a burst through at once, then tokens come
// at the rate; idle time refills up to the burst and no further; waiters are served in
// arrival order; a cancelled waiter takes no token.
#include "runtime/sync/token_bucket.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/gather.hpp"
#include "runtime/sleep.hpp"
#include "runtime/support/virtual_time_runner.hpp"
#include "runtime/task.hpp"
#include "support/exercise_clock.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::run_in_virtual_time;
using testing::virtual_ms;

// Acquires `n` tokens one after another and records the virtual time of each.
Coro<void> acquire_n(TokenBucket& bucket, int n, std::vector<long long>& times) {
    for (int i = 0; i < n; ++i) {
        co_await bucket.acquire();
        times.push_back(virtual_ms());
    }
}

TEST(ExerciseTokenBucket, RejectsBadSettingsAndStartsFull) {
    EXPECT_THROW(TokenBucket(0.0, 1.0), std::invalid_argument);
    EXPECT_THROW(TokenBucket(-1.0, 1.0), std::invalid_argument);
    EXPECT_THROW(TokenBucket(1.0, 0.5), std::invalid_argument);
    TokenBucket bucket(1.0, 3.0);
    std::vector<long long> times;
    run_in_virtual_time([&]() -> Coro<void> { co_await acquire_n(bucket, 4, times); });
    // Three at once (the burst), the fourth when one token has flowed in: 1 s later.
    EXPECT_EQ(times, (std::vector<long long>{0, 0, 0, 1000}));
}

TEST(ExerciseTokenBucket, SpacesAcquisitionsAtTheRateOnceTheBurstIsSpent) {
    TokenBucket bucket(10.0, 1.0);
    std::vector<long long> times;
    run_in_virtual_time([&]() -> Coro<void> { co_await acquire_n(bucket, 5, times); });
    EXPECT_EQ(times, (std::vector<long long>{0, 100, 200, 300, 400}));
}

TEST(ExerciseTokenBucket, IdleTimeRefillsUpToTheBurstAndNoFurther) {
    TokenBucket bucket(1.0, 2.0);
    std::vector<long long> times;
    run_in_virtual_time([&]() -> Coro<void> {
        co_await acquire_n(bucket, 2, times);
        co_await sleep(10s);  // would be 10 tokens, but the bucket holds 2
        EXPECT_DOUBLE_EQ(bucket.tokens(), 2.0);
        co_await acquire_n(bucket, 3, times);
    });
    EXPECT_EQ(times, (std::vector<long long>{0, 0, 10000, 10000, 11000}));
}

TEST(ExerciseTokenBucket, WaitersAreServedInArrivalOrder) {
    TokenBucket bucket(2.0, 1.0);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        auto one = [&](std::string name) -> Coro<void> {
            co_await bucket.acquire();
            log.push_back(name + "@" + std::to_string(virtual_ms()));
        };
        // Tasks created one by one, so "arrival order" is a, b, c, d by construction.
        EventLoop& loop = get_running_loop();
        std::vector<Task<void>> tasks;
        for (const char* name : {"a", "b", "c", "d"}) tasks.push_back(loop.create_task(one(name)));
        for (Task<void>& task : tasks) co_await task;
    });
    EXPECT_EQ(log, (std::vector<std::string>{"a@0", "b@500", "c@1000", "d@1500"}));
}

TEST(ExerciseTokenBucket, ACancelledWaiterTakesNoToken) {
    TokenBucket bucket(1.0, 1.0);
    std::vector<long long> times;
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        co_await bucket.acquire();  // the bucket is empty now, the next token comes at 1 s
        Task<void> quitter = loop.create_task(bucket.acquire());
        co_await sleep(500ms);
        quitter.cancel();
        EXPECT_THROW(co_await quitter, CancelledError);
        co_await acquire_n(bucket, 1, times);
    });
    // Had the cancelled task taken the 1 s token, this would be 2000.
    EXPECT_EQ(times, (std::vector<long long>{1000}));
}

TEST(ExerciseTokenBucket, TryAcquireNeverWaitsAndDoesNotJumpTheQueue) {
    TokenBucket bucket(1.0, 1.0);
    run_in_virtual_time([&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        EXPECT_TRUE(bucket.try_acquire());
        EXPECT_FALSE(bucket.try_acquire()) << "empty";
        Task<void> waiter = loop.create_task(bucket.acquire());
        co_await sleep(1500ms);  // the waiter got the 1 s token; half of the next one is in
        EXPECT_TRUE(waiter.done());
        EXPECT_NEAR(bucket.tokens(), 0.5, 1e-9);
        Task<void> second = loop.create_task(bucket.acquire());
        co_await sleep(600ms);  // a whole token is in, and `second` has had it
        EXPECT_TRUE(second.done());
        EXPECT_FALSE(bucket.try_acquire());
        co_await waiter;
        co_await second;
    });
}

}  // namespace
}  // namespace looplab
