// tests/exercises/support/exercise_clock.hpp: virtual-time helpers for the graded exercises.
//
// The grading tests run on a ManualClock (via the runtime tests' virtual_time_runner.hpp), so
// a schedule such as "the 4th token comes at exactly 1 s" is asserted exactly and no test
// sleeps or depends on how busy the machine is.
#pragma once

#include <chrono>

#include "runtime/clock.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::testing {

// Virtual milliseconds since the loop's ManualClock started (it starts at TimePoint{}).
inline long long virtual_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               get_running_loop().time().time_since_epoch())
        .count();
}

}  // namespace looplab::testing
