// tests/runtime/time_axis_test.cpp: the tick rule both timeline exporters share
// (runtime/trace/time_axis.hpp): 1, 2 or 5 times a power of ten, the smallest that fits.
#include "runtime/trace/time_axis.hpp"

#include <gtest/gtest.h>

namespace looplab {
namespace {

using detail::tick_step_ms;

TEST(TimeAxis, TheStepIsTheSmallestOneTwoOrFiveTimesAPowerOfTenThatFits) {
    EXPECT_DOUBLE_EQ(tick_step_ms(100.0, 10), 10.0);    // 10 intervals of 10 ms fit exactly
    EXPECT_DOUBLE_EQ(tick_step_ms(101.0, 10), 20.0);    // 10 ms would need 11
    EXPECT_DOUBLE_EQ(tick_step_ms(1004.0, 10), 200.0);  // 100 would need 11; 200 needs 6
    EXPECT_DOUBLE_EQ(tick_step_ms(205.0, 9), 50.0);     // 20 would need 11, 50 needs 5
    EXPECT_DOUBLE_EQ(tick_step_ms(3.0, 4), 1.0);
}

TEST(TimeAxis, AShortSpanGetsMicrosecondTicksAndNothingFiner) {
    EXPECT_DOUBLE_EQ(tick_step_ms(0.004, 10), 0.001);
    EXPECT_DOUBLE_EQ(tick_step_ms(0.0, 10), 0.001);  // an empty lane still gets an axis
}

TEST(TimeAxis, OneTickAllowedCoversTheWholeSpan) {
    EXPECT_DOUBLE_EQ(tick_step_ms(70.0, 1), 100.0);
    EXPECT_DOUBLE_EQ(tick_step_ms(100.0, 1), 100.0);
}

}  // namespace
}  // namespace looplab
