// tests/reliability/threadsafe_storm_test.cpp: call_soon_threadsafe from many threads while
// the loop stops and closes.
//
// asyncio: call_soon_threadsafe after loop.close() raises RuntimeError("Event loop is
//          closed"); libuv: uv_async_send racing uv_close
//
// Eight threads post callbacks as fast as they can; the loop runs, is stopped from one of
// those threads, and is closed while they are still posting. Every post must either be
// accepted or refused with InvalidStateError (never a crash, a deadlock or a post into a
// freed inbox); every accepted callback runs at most once; none runs after close(); each
// thread sees the refusal and stops. The ThreadSanitizer build checks the inbox for races.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "reliability/support/scale.hpp"
#include "runtime/looplab.hpp"

namespace looplab::reliability {
namespace {

constexpr int kThreads = 8;
// Posts per thread at full speed; after that a thread posts once per 100 us until refused.
// Unbounded full-speed posting let the inbox grow without limit whenever the stopping thread
// was not scheduled for a while: under valgrind, which runs one thread at a time, a CI run
// reached 20 GB before it was killed. The cap keeps the storm (8 x 20,000 posts racing the
// stop) and the property under test (posts still arriving while close() runs).
constexpr long kFullSpeedPosts = 20'000;

struct Counters {
    std::atomic<long> accepted{0};
    std::atomic<long> refused{0};
    std::atomic<long> ran{0};
};

// Posts until the loop refuses; the first thread also stops the loop after 2,000 posts.
void storm(EventLoop& loop, Counters& counters, bool stopper) {
    for (long posted = 0;; ++posted) {
        try {
            loop.call_soon_threadsafe([&counters] { ++counters.ran; });
            ++counters.accepted;
            if (stopper && posted == 2000) loop.call_soon_threadsafe([&loop] { loop.stop(); });
            if (posted >= kFullSpeedPosts)
                std::this_thread::sleep_for(std::chrono::microseconds(100));
        } catch (const InvalidStateError&) {
            ++counters.refused;
            return;
        }
    }
}

TEST(ThreadsafeStorm, PostsFromManyThreadsDuringStopAndCloseAreRunOrRefusedNeverLost) {
    for (std::size_t round = 0; round < scaled(10); ++round) {
        Counters counters;
        long ran_at_close = 0;
        {
            EventLoop loop;
            std::vector<std::thread> threads;
            for (int i = 0; i < kThreads; ++i)
                threads.emplace_back(storm, std::ref(loop), std::ref(counters), i == 0);
            loop.run_forever();  // until the first thread's stop() arrives
            loop.close();        // the others are still posting
            ran_at_close = counters.ran.load();
            for (std::thread& t : threads) t.join();
        }
        EXPECT_EQ(counters.refused.load(), kThreads) << "a thread never saw the loop close";
        EXPECT_EQ(counters.ran.load(), ran_at_close) << "a callback ran after close()";
        EXPECT_LE(counters.ran.load(), counters.accepted.load()) << "a callback ran twice";
        EXPECT_GT(counters.ran.load(), 0) << "the loop ran nothing: the test proves nothing";
    }
}

}  // namespace
}  // namespace looplab::reliability
