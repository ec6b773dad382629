// tests/exercises/host_rate_limiter_test.cpp: grading suite for exercise "host_rate_limiter"
// (http/host_rate_limiter.*).
//
// One bucket per origin: requests to different origins never wait for each other, requests to
// one origin share its quota, and "origin" means lowercased host plus port. Virtual time.
#include "http/client/host_rate_limiter.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "http/proto/url.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/support/virtual_time_runner.hpp"
#include "runtime/task.hpp"
#include "support/exercise_clock.hpp"

namespace looplab::http {
namespace {

using looplab::testing::run_in_virtual_time;
using looplab::testing::virtual_ms;

TEST(ExerciseHostRateLimiter, OriginsAreLowercasedHostPlusPort) {
    EXPECT_THROW(HostRateLimiter(0.0, 1.0), std::invalid_argument);
    HostRateLimiter limiter(1.0, 1.0);
    TokenBucket& a = limiter.bucket_for(Url::parse("http://Example.COM/a"));
    TokenBucket& b = limiter.bucket_for(Url::parse("http://example.com:80/b?q=1"));
    TokenBucket& c = limiter.bucket_for(Url::parse("http://example.com:8080/"));
    TokenBucket& d = limiter.bucket_for(Url::parse("http://127.0.0.1/"));
    EXPECT_EQ(&a, &b);
    EXPECT_NE(&a, &c);
    EXPECT_NE(&a, &d);
    EXPECT_EQ(limiter.origins(), 3u);
    EXPECT_EQ(a.rate(), 1.0);
}

TEST(ExerciseHostRateLimiter, NamesAnIpv6OriginAsOriginKeyDoes) {
    HostRateLimiter limiter(1.0, 1.0);
    EXPECT_EQ(&limiter.bucket_for(Url::parse("http://[::1]:8080/a")),
              &limiter.bucket_for(Url::parse("http://[::1]:8080/b")));
    EXPECT_NE(&limiter.bucket_for(Url::parse("http://[::1]:8080/")),
              &limiter.bucket_for(Url::parse("http://[::1]:8081/")));
    EXPECT_EQ(limiter.origins(), 2u);
}

TEST(ExerciseHostRateLimiter, OriginsDoNotWaitForEachOtherButShareTheirOwnQuota) {
    HostRateLimiter limiter(2.0, 1.0);
    std::vector<std::string> log;
    run_in_virtual_time([&]() -> Coro<void> {
        auto get = [&](std::string url) -> Coro<void> {
            co_await limiter.acquire(Url::parse(url));
            log.push_back(url.substr(7) + "@" + std::to_string(virtual_ms()));
        };
        EventLoop& loop = get_running_loop();
        std::vector<Task<void>> tasks;
        for (const char* url : {"http://a.test/1", "http://b.test/1", "http://a.test/2",
                                "http://b.test/2", "http://a.test/3"}) {
            tasks.push_back(loop.create_task(get(url)));
        }
        for (Task<void>& task : tasks) co_await task;
    });
    EXPECT_EQ(log, (std::vector<std::string>{"a.test/1@0", "b.test/1@0", "a.test/2@500",
                                             "b.test/2@500", "a.test/3@1000"}));
}

}  // namespace
}  // namespace looplab::http
