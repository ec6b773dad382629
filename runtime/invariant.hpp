// runtime/invariant.hpp: checks for "this can only be a bug", kept in release builds too.
//
// assert() disappears under NDEBUG, which is how most people build (RelWithDebInfo). The few
// checks that guard against silent corruption (closing a descriptor twice, turning EAGAIN
// into an exception) are cheap integer comparisons, so they stay on everywhere: a bug is then
// reported the same way in every build, and the tests that prove it run in every build too.
#pragma once

#include <cstdio>
#include <cstdlib>

namespace looplab::detail {

// Prints "looplab: bug: <what>" to stderr and aborts if `ok` is false.
inline void check_invariant(bool ok, const char* what) noexcept {
    if (ok) [[likely]]
        return;
    std::fprintf(stderr, "looplab: bug: %s\n", what);
    std::abort();
}

}  // namespace looplab::detail
