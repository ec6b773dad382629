// tests/net/support/net_test_loop.hpp: run a test's coroutine on a fresh loop, with a deadline.
//
// asyncio: unittest.IsolatedAsyncioTestCase (a new loop per test, asyncio.run's cleanup).
//
// I/O tests use the real clock (the kernel's timing is not ours to fake) with a generous overall
// deadline, so a broken test fails with TimeoutError instead of hanging the suite; none asserts
// how long anything took. looplab::run does the cleanup: leftover tasks are cancelled, the
// default executor's threads are joined, the loop is closed.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/timeout.hpp"

namespace looplab::net::testing {

namespace detail {
template <class F>
auto run_within(Duration limit, F make_main) -> decltype(make_main(get_running_loop())) {
    co_return co_await timeout(limit, make_main(get_running_loop()));
}
}  // namespace detail

// Runs make_main(loop) to completion on a new loop and returns its result; TimeoutError if it
// takes longer than limit.
template <class F>
auto run_net_test(F make_main, Duration limit = std::chrono::seconds(60)) {
    return looplab::run(detail::run_within(limit, std::move(make_main)));
}

// Polls condition once per millisecond until it holds. For state that no future announces
// (a server-side count, a peer's progress); the test's overall deadline catches a hang.
inline Coro<void> eventually(std::function<bool()> condition) {
    while (!condition()) co_await sleep(std::chrono::milliseconds(1));
}

// Collects what reaches the loop's exception handler, for tests that expect (or forbid) it.
struct ExceptionLog {
    std::vector<std::string> messages;
    void install(EventLoop& loop) {
        loop.set_exception_handler([this](EventLoop&, const ExceptionContext& context) {
            messages.push_back(context.message);
        });
    }
};

}  // namespace looplab::net::testing

// gtest's ASSERT_* leave the function with `return`, which a coroutine may not use; these fail
// the test the same way and leave with co_return (in Coro<void> bodies). Like ASSERT_*, they
// stop the test at its first failure (any earlier EXPECT failure counts too).
#define CO_ASSERT_TRUE(condition)                     \
    do {                                              \
        EXPECT_TRUE(condition);                       \
        if (::testing::Test::HasFailure()) co_return; \
    } while (0)
#define CO_ASSERT_EQ(a, b)                            \
    do {                                              \
        EXPECT_EQ(a, b);                              \
        if (::testing::Test::HasFailure()) co_return; \
    } while (0)
