// tests/demos/executor_timestamps_test.cpp: `looplab-demo executor-timestamps` (seed 004):
// Start:/End: lines, and a pool smaller than the work makes requests queue.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

bool all_digits(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
}

// time.time() as the seed prints it: 10 digits, a point, 7 digits.
bool is_unix_time(const std::string& s) {
    return s.size() == 18 && s[10] == '.' && all_digits(s.substr(0, 10)) &&
           all_digits(s.substr(11));
}

// "Start: <url>: <time>"
bool is_start_line(const std::string& line) {
    return line.rfind("Start: ", 0) == 0 && line.size() > 7 + 20 &&
           line.compare(line.size() - 20, 2, ": ") == 0 &&
           is_unix_time(line.substr(line.size() - 18));
}

// "End: <url>: 200: <time>  queued <n> ms"
bool is_end_line(const std::string& line) {
    const std::size_t status = line.find(": 200: ");
    const std::size_t queued = line.find("  queued ");
    if (line.rfind("End: ", 0) != 0 || status == std::string::npos || queued == std::string::npos ||
        line.size() < 3 || line.substr(line.size() - 3) != " ms") {
        return false;
    }
    return is_unix_time(line.substr(status + 7, queued - status - 7)) &&
           all_digits(line.substr(queued + 9, line.size() - 3 - queued - 9));
}

TEST(ExecutorTimestamps, FiveWorkersRunAllAtOnceTwoWorkersQueue) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo(
        {"executor-timestamps", "--delays-ms", "60,60,60,60,60", "--workers", "5,2", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    ASSERT_EQ(report["runs"].size(), 2u);
    const auto& five = report["runs"][0];
    const auto& two = report["runs"][1];
    EXPECT_EQ(five["workers"], 5);
    EXPECT_EQ(two["workers"], 2);
    EXPECT_EQ(five["executor"]["threads_started"], 5);
    EXPECT_EQ(two["executor"]["threads_started"], 2);
    EXPECT_EQ(five["waited_for_worker"], 0);
    EXPECT_EQ(two["waited_for_worker"], 3) << "5 requests, 2 workers: 3 wait";
    EXPECT_GE(two["executor"]["peak_queue_depth"], 1);
    EXPECT_GE(two["wall_s"].get<double>(), 3 * 0.060) << "three waves of 60 ms";
    EXPECT_LT(five["wall_s"].get<double>(), two["wall_s"].get<double>());
}

TEST(ExecutorTimestamps, PrintsStartAndEndLinesLikeTheSeed) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"executor-timestamps", "--delays-ms", "10,20,30,40,50"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    int starts = 0;
    int ends = 0;
    for (const std::string& line : lines_of(run.out)) {
        starts += is_start_line(line);
        ends += is_end_line(line);
        EXPECT_LE(line.size(), 80u) << line;
    }
    EXPECT_EQ(starts, 10) << run.out;
    EXPECT_EQ(ends, 10) << run.out;
}

}  // namespace
}  // namespace looplab::demos::testing
