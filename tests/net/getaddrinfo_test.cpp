// tests/net/getaddrinfo_test.cpp: getaddrinfo(loop, ...): numeric hosts inline, names on a thread.
#include "net/getaddrinfo.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "net/errors.hpp"
#include "net/resolver.hpp"
#include "support/fd_leak_check.hpp"
#include "support/net_test_loop.hpp"

namespace looplab::net {
namespace {

using testing::run_net_test;

class GetaddrinfoTest : public testing::NoFdLeaks {};

TEST_F(GetaddrinfoTest, ANumericHostIsAnsweredAtOnceWithoutTheResolverOrAThread) {
    const std::uint64_t calls_before = detail::getaddrinfo_calls();
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::uint64_t iteration = loop.iteration_count();
        const std::vector<SocketAddress> v4 = co_await getaddrinfo(loop, "127.0.0.1", 8080);
        const std::vector<SocketAddress> v6 = co_await getaddrinfo(loop, "::1", 8081);
        // No suspension at all: the task never went back to the loop, so no executor hop.
        EXPECT_EQ(loop.iteration_count(), iteration);
        CO_ASSERT_EQ(v4.size(), 1u);
        EXPECT_EQ(v4[0].to_string(), "127.0.0.1:8080");
        CO_ASSERT_EQ(v6.size(), 1u);
        EXPECT_EQ(v6[0].to_string(), "[::1]:8081");
    });
    EXPECT_EQ(detail::getaddrinfo_calls(), calls_before);
}

TEST_F(GetaddrinfoTest, ANameIsResolvedInTheExecutorWhileTheLoopRuns) {
    const std::uint64_t calls_before = detail::getaddrinfo_calls();
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::uint64_t iteration = loop.iteration_count();
        const std::vector<SocketAddress> addresses = co_await getaddrinfo(loop, "localhost", 80);
        EXPECT_GT(loop.iteration_count(), iteration) << "the task should have waited for a thread";
        CO_ASSERT_TRUE(!addresses.empty());
        EXPECT_TRUE(std::all_of(addresses.begin(), addresses.end(),
                                [](const SocketAddress& a) { return a.is_loopback(); }));
    });
    EXPECT_EQ(detail::getaddrinfo_calls(), calls_before + 1);
}

TEST_F(GetaddrinfoTest, AnUnresolvableNameThrowsNameResolutionErrorAtTheAwait) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        try {
            (void)co_await getaddrinfo(loop, "no-such-host.invalid", 80);
            ADD_FAILURE() << "resolved a .invalid name";
        } catch (const NameResolutionError& e) {
            EXPECT_EQ(e.host(), "no-such-host.invalid");
        }
    });
}

TEST_F(GetaddrinfoTest, ANumericHostOfTheWrongFamilyIsRejectedAsGetaddrinfoWould) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        EXPECT_THROW((void)co_await getaddrinfo(loop, "::1", 80, AF_INET), NameResolutionError);
    });
}

}  // namespace
}  // namespace looplab::net
