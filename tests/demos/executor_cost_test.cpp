// tests/demos/executor_cost_test.cpp: `looplab-demo executor-cost` (seed 000's answer) measures
// each configuration in its own child process: threads, peak RSS, context switches, CPU.
#include <gtest/gtest.h>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

TEST(ExecutorCost, MeasuresEachConfigurationInItsOwnProcess) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"executor-cost", "--sizes", "10,40,100000", "--max-n", "40",
                                     "--delays-ms", "1", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["demo"], "executor-cost");
    EXPECT_EQ(report["sizes"], nlohmann::json({10, 40}));
    EXPECT_EQ(report["skipped_sizes"], nlohmann::json({100000}));
    EXPECT_GT(report["baseline"]["peak_rss_mib"].get<double>(), 0);
    const std::size_t default_workers = report["default_workers"];

    ASSERT_EQ(report["configurations"].size(), 2u * 3u);
    for (const auto& c : report["configurations"]) {
        const int n = c["n"];
        EXPECT_EQ(c["failed"], 0) << c.dump();
        EXPECT_GT(c["wall_s"].get<double>(), 0) << c.dump();
        EXPECT_GT(c["peak_rss_mib"].get<double>(), 0);
        EXPECT_GE(c["voluntary_context_switches"].get<long>(), 0);
        EXPECT_GE(c["involuntary_context_switches"].get<long>(), 0);
        EXPECT_GE(c["cpu_s"].get<double>(), 0);
        const std::string strategy = c["strategy"];
        const std::size_t threads = c["threads_started"];
        if (strategy == "native") {
            EXPECT_EQ(threads, 0u);
        } else if (strategy == "executor default pool") {
            EXPECT_LE(threads, default_workers);
            EXPECT_GE(threads, 1u);
        } else {
            EXPECT_EQ(strategy, "executor pool of N");
            EXPECT_EQ(c["workers"], n);
            EXPECT_LE(threads, static_cast<std::size_t>(n));
            EXPECT_GE(threads, 1u);
        }
    }
    EXPECT_FALSE(report["conclusions"].empty());
}

TEST(ExecutorCost, PrintsATableThatFitsEightyColumnsAndSaysWhereThreadsLose) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo(
        {"executor-cost", "--sizes", "5,20", "--delays-ms", "1,20", "--max-threads", "10"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("server waits 1 ms"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("server waits 20 ms"), std::string::npos);
    EXPECT_NE(run.out.find("exec 10"), std::string::npos) << "the big pool, capped at 10";
    EXPECT_NE(run.out.find("Where threads start to lose:"), std::string::npos);
    for (const std::string& line : lines_of(run.out)) EXPECT_LE(line.size(), 80u) << line;
}

}  // namespace
}  // namespace looplab::demos::testing
