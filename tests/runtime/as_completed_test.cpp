// tests/runtime/as_completed_test.cpp: as_completed(), results in finishing order.
//
// next() gives the result of the next future to finish (or throws its exception); after the
// timeout, it throws TimeoutError for every future that had not finished by then
// (as_completed.hpp).
#include "runtime/as_completed.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "tests/runtime/support/loop_fixture.hpp"

namespace looplab {
namespace {

using namespace std::chrono_literals;
using testing::after;
using testing::fail_after;
using testing::VirtualLoop;

// Coros that finish at 3 s, 1 s, 2 s with their finishing second as value.
std::vector<Coro<int>> three_two_one() {
    std::vector<Coro<int>> coros;
    coros.push_back(after(3s, 3));
    coros.push_back(after(1s, 1));
    coros.push_back(after(2s, 2));
    return coros;
}

TEST(AsCompleted, GivesResultsInTheOrderTheyFinish) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::vector<int>> {
        auto results = as_completed(three_two_one());
        EXPECT_EQ(results.size(), 3u);
        std::vector<int> order;
        for (std::size_t i = 0; i < results.size(); ++i) {
            order.push_back(co_await results.next());
            EXPECT_EQ(v.elapsed(), order.back() * 1s);  // each as soon as it finished
        }
        co_return order;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), (std::vector<int>{1, 2, 3}));
}

TEST(AsCompleted, AFailureIsThrownInItsTurn) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::vector<std::string>> {
        std::vector<Coro<int>> coros;
        coros.push_back(after(1s, 1));
        coros.push_back(fail_after(2s, "two failed"));
        coros.push_back(after(3s, 3));
        auto results = as_completed(std::move(coros));
        std::vector<std::string> log;
        for (std::size_t i = 0; i < results.size(); ++i) {
            try {
                log.push_back(std::to_string(co_await results.next()));
            } catch (const std::runtime_error& e) {
                log.push_back(e.what());
            }
        }
        co_return log;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()),
              (std::vector<std::string>{"1", "two failed", "3"}));
    EXPECT_EQ(v.log.size(), 0u);
}

TEST(AsCompleted, ResultsAlreadyFinishedAreReturnedWithoutWaiting) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::vector<int>> {
        auto results = as_completed(three_two_one());
        co_await sleep(10s);  // everything finishes meanwhile
        std::vector<int> order;
        for (std::size_t i = 0; i < results.size(); ++i) order.push_back(co_await results.next());
        EXPECT_EQ(v.elapsed(), 10s);
        co_return order;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), (std::vector<int>{1, 2, 3}));
}

TEST(AsCompleted, AfterTheTimeoutTheUnfinishedOnesRaiseTimeoutError) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::vector<std::string>> {
        auto results = as_completed(three_two_one(), 1500ms);
        std::vector<std::string> log;
        for (std::size_t i = 0; i < results.size(); ++i) {
            try {
                log.push_back(std::to_string(co_await results.next()));
            } catch (const TimeoutError&) {
                log.push_back("TimeoutError@" + std::to_string(v.elapsed() / 1ms));
            }
        }
        co_return log;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()),
              (std::vector<std::string>{"1", "TimeoutError@1500", "TimeoutError@1500"}));
}

TEST(AsCompleted, ResultsFinishingAfterTheTimeoutAreNotReturned) {
    // The contract: TimeoutError "for every future not finished by then", even if the reader
    // only asks after such a future has finished.
    VirtualLoop v;
    auto body = [&]() -> Coro<std::vector<std::string>> {
        auto results = as_completed(three_two_one(), 1500ms);
        std::vector<std::string> log;
        log.push_back(std::to_string(co_await results.next()));  // 1, at 1 s
        co_await sleep(5s);  // past the timeout, and past the other two finishing
        for (int i = 0; i < 2; ++i) {
            try {
                log.push_back(std::to_string(co_await results.next()));
            } catch (const TimeoutError&) {
                log.push_back("TimeoutError");
            }
        }
        co_return log;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()),
              (std::vector<std::string>{"1", "TimeoutError", "TimeoutError"}));
}

TEST(AsCompleted, TheTimerIsCancelledOnceEveryResultIsTaken) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> {
        auto results = as_completed(three_two_one(), 1h);
        for (std::size_t i = 0; i < results.size(); ++i) co_await results.next();
        EXPECT_EQ(v.elapsed(), 3s);
    };
    v.loop.run_until_complete(body());
    v.loop.run_until_complete(v.loop.create_task(after(0s, 0)));
    EXPECT_EQ(v.loop.timer_count(), 0u);
    EXPECT_EQ(v.elapsed(), 3s);
}

TEST(AsCompleted, AskingForMoreThanThereAreIsOutOfRange) {
    VirtualLoop v;
    auto body = [&]() -> Coro<void> {
        std::vector<Coro<int>> one;
        one.push_back(after(1s, 1));
        auto results = as_completed(std::move(one));
        co_await results.next();
        co_await results.next();
    };
    EXPECT_THROW(v.loop.run_until_complete(body()), std::out_of_range);
}

TEST(AsCompleted, AcceptsTasks) {
    VirtualLoop v;
    auto body = [&]() -> Coro<std::vector<int>> {
        std::vector<Task<int>> tasks{v.loop.create_task(after(2s, 2)),
                                     v.loop.create_task(after(1s, 1))};
        auto results = as_completed(tasks);
        std::vector<int> order;
        for (std::size_t i = 0; i < results.size(); ++i) order.push_back(co_await results.next());
        co_return order;
    };
    EXPECT_EQ(v.loop.run_until_complete(body()), (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace looplab
