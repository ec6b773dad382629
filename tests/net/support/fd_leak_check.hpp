// tests/net/support/fd_leak_check.hpp: a fixture that fails a test which leaks a descriptor.
//
// asyncio: the test suite's ResourceWarning checks ("unclosed socket") and the
//          threading_helper / socket_helper cleanup assertions.
//
// Every net/ type owns descriptors, and a leak is invisible until a long-running server hits
// EMFILE. So each net test counts the entries of /proc/self/fd before and after it runs; the
// directory iterator's own descriptor is open during both counts, so it cancels out.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <iterator>
#include <thread>

namespace looplab::net::testing {

// How many descriptors this process has open right now (Linux: /proc/self/fd).
inline long count_open_fds() {
    const std::filesystem::directory_iterator entries("/proc/self/fd");
    return std::distance(begin(entries), end(entries));
}

// Derive a test's fixture from this: the test fails if it ends with more (or fewer) open
// descriptors than it started with. Threads a test starts must be joined before it returns.
class NoFdLeaks : public ::testing::Test {
protected:
    void SetUp() override { fds_before_ = count_open_fds(); }
    void TearDown() override {
        EXPECT_EQ(count_open_fds(), fds_before_) << "the test leaked (or closed) a descriptor";
    }
    // For a descriptor a detached thread releases a moment after the test's last observable
    // event (the subprocess tests' background reaper, which drops its hold on the closed
    // loop's wake-up fd just after it reaps): true once the count is back, false after limit.
    bool fds_settle_within(std::chrono::milliseconds limit) const {
        const auto deadline = std::chrono::steady_clock::now() + limit;
        while (count_open_fds() != fds_before_) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        return true;
    }

private:
    long fds_before_ = 0;  // open descriptors when the test started
};

}  // namespace looplab::net::testing
