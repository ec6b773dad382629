// tests/reliability/executor_saturation_test.cpp: the loop stays responsive while every
// executor worker is blocked.
//
// asyncio: run_in_executor's promise (the blocking call runs in a thread, so the loop goes
//          on) and the queueing of concurrent.futures.ThreadPoolExecutor
//
// 40 blocking calls of 20 ms each on a 2-worker pool keep both workers busy for at least
// 400 ms, with up to 38 calls queued. Meanwhile a ticker task sleeps 2 ms at a time. If the
// loop waited for the pool anywhere (a blocking submit, a lock held across the call), the
// ticks would stop. The assertions are on counts, never durations: the ticker must get many
// turns while the calls are outstanding, the pool must never run more than its 2 workers, and
// every call must come back with its own result.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "runtime/looplab.hpp"

namespace looplab::reliability {
namespace {

using namespace std::chrono_literals;

constexpr int kCalls = 40;
constexpr std::size_t kWorkers = 2;

TEST(ExecutorSaturation, TheLoopKeepsTickingWhileEveryWorkerIsBlocked) {
    std::atomic<int> running{0};
    std::atomic<int> most_running{0};
    auto blocking_call = [&running, &most_running](int i) {
        const int now = ++running;
        int seen = most_running.load();
        while (now > seen && !most_running.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::sleep_for(20ms);  // a blocking call: requests.get, a disk read
        --running;
        return i * 2;
    };

    auto main = [&]() -> Coro<void> {
        EventLoop& loop = get_running_loop();
        ThreadPoolExecutor pool(kWorkers);
        std::vector<Future<int>> calls;
        for (int i = 0; i < kCalls; ++i)
            calls.push_back(loop.run_in_executor(&pool, blocking_call, i));

        // Ticks counted only while calls are still outstanding.
        int ticks = 0;
        auto outstanding = [&calls] {
            return std::any_of(calls.begin(), calls.end(),
                               [](const Future<int>& f) { return !f.done(); });
        };
        while (outstanding()) {
            ++ticks;
            co_await sleep(2ms);
        }
        for (int i = 0; i < kCalls; ++i) {
            // Awaited into a variable, not inside EXPECT_EQ (an if condition): GCC 12.
            const int result = co_await calls[static_cast<std::size_t>(i)];
            EXPECT_EQ(result, i * 2);
        }
        // >= 400 ms of blocked workers, 2 ms per tick: about 200 ticks on an idle machine. 20
        // leaves room for a very loaded one while still failing a loop that waited for the
        // pool (that would tick a handful of times at most).
        EXPECT_GE(ticks, 20) << "the loop stalled while the executor was saturated";
        pool.shutdown(/*wait=*/true);
    };
    run(main());
    EXPECT_EQ(most_running.load(), static_cast<int>(kWorkers)) << "the pool's limit was not kept";
}

}  // namespace
}  // namespace looplab::reliability
