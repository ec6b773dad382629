// tests/reliability/support/scale.hpp: how many connections / tasks the load tests use.
//
// The load tests' numbers come from the brief (10,000 connections, 10,000 cancelled tasks),
// and a plain build runs them as such. Under AddressSanitizer or ThreadSanitizer every
// allocation and every atomic costs several times more and the CI machine has two shared
// cores, so those builds run a fifth of the count: the same code paths, the same assertions,
// kept under the 30 s a test may take there. The count used is printed by each test.
#pragma once

#include <cstddef>

#include "support/sanitizers.hpp"

namespace looplab::reliability {

inline constexpr bool kSanitized = LOOPLAB_UNDER_ASAN || LOOPLAB_UNDER_TSAN;

// `full` in a plain build, full / 5 under a sanitizer.
constexpr std::size_t scaled(std::size_t full) {
    return kSanitized ? full / 5 : full;
}

}  // namespace looplab::reliability
