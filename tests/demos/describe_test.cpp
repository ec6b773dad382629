// tests/demos/describe_test.cpp: batch-table's statistics are pandas' describe(): the same
// numbers (sample std, linear quartiles) and the same layout, checked against pandas' output.
#include "demos/seeds/describe.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace looplab::demos {
namespace {

TEST(Describe, MatchesPandasOnOneToFour) {
    // pandas.Series([1, 2, 3, 4]).describe()
    const Describe d = describe({4, 1, 3, 2});
    EXPECT_EQ(d.count, 4u);
    EXPECT_DOUBLE_EQ(d.mean, 2.5);
    EXPECT_NEAR(d.std, 1.2909944487358056, 1e-12);  // sample std: divides by n - 1
    EXPECT_DOUBLE_EQ(d.min, 1);
    EXPECT_DOUBLE_EQ(d.q25, 1.75);
    EXPECT_DOUBLE_EQ(d.q50, 2.5);
    EXPECT_DOUBLE_EQ(d.q75, 3.25);
    EXPECT_DOUBLE_EQ(d.max, 4);
}

TEST(Describe, QuartilesInterpolateLinearlyBetweenRanks) {
    // numpy.percentile([10, 20, 30, 40, 50], [25, 50, 75]) -> 20, 30, 40 (exact ranks);
    // [0, 10] -> 2.5, 5, 7.5 (interpolated).
    EXPECT_DOUBLE_EQ(quantile_linear({10, 20, 30, 40, 50}, 0.25), 20);
    EXPECT_DOUBLE_EQ(quantile_linear({0, 10}, 0.25), 2.5);
    EXPECT_DOUBLE_EQ(quantile_linear({0, 10}, 0.75), 7.5);
    EXPECT_DOUBLE_EQ(quantile_linear({7}, 0.5), 7);
}

TEST(Describe, OneValueHasNoStandardDeviation) {
    const Describe d = describe({0.5});
    EXPECT_EQ(d.count, 1u);
    EXPECT_TRUE(std::isnan(d.std));
    EXPECT_DOUBLE_EQ(d.q75, 0.5);
}

TEST(Describe, TableHasPandasLayout) {
    // pandas 1.5: print(pandas.DataFrame({"concur_times": [1, 2, 3, 4],
    //                                     "x": [0.5, 0.5, 0.5, 0.5]}).describe())
    // A column whose numbers all end in zeros is trimmed alike (x: 4.0, 0.5, ...).
    const std::string expected =
        "       concur_times    x\n"
        "count      4.000000  4.0\n"
        "mean       2.500000  0.5\n"
        "std        1.290994  0.0\n"
        "min        1.000000  0.5\n"
        "25%        1.750000  0.5\n"
        "50%        2.500000  0.5\n"
        "75%        3.250000  0.5\n"
        "max        4.000000  0.5\n";
    EXPECT_EQ(describe_table({{"concur_times", {1, 2, 3, 4}}, {"x", {0.5, 0.5, 0.5, 0.5}}}),
              expected);
}

TEST(Describe, TableShowsNaNForTheStdOfOneValue) {
    // pandas 1.5: print(pandas.DataFrame({"a": [0.5]}).describe())
    const std::string expected =
        "         a\n"
        "count  1.0\n"
        "mean   0.5\n"
        "std    NaN\n"
        "min    0.5\n"
        "25%    0.5\n"
        "50%    0.5\n"
        "75%    0.5\n"
        "max    0.5\n";
    EXPECT_EQ(describe_table({{"a", {0.5}}}), expected);
}

}  // namespace
}  // namespace looplab::demos
