// tests/demos/executor_cost_test.cpp: `looplab-demo executor-cost` (seed 000's answer) measures
// each configuration in its own child process: threads, peak RSS, context switches, CPU.
#include <gtest/gtest.h>

#include <algorithm>

#include <sstream>
#include <string>
#include <utility>
#include <vector>

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
    EXPECT_NE(run.out.find("Where threads start to lose (computed from the rows above):"),
              std::string::npos);
    for (const std::string& line : lines_of(run.out)) EXPECT_LE(line.size(), 80u) << line;
}

// The rule the demo states: threads are slower than native when their median is more than
// 1.2x native's and the gap exceeds 5 ms and both spreads.
bool slower(const nlohmann::json& threads, const nlohmann::json& native) {
    const double t = threads["wall_s"];
    const double n = native["wall_s"];
    const double gap = t - n;
    return t > 1.2 * n && gap > 0.005 && gap > threads["wall_spread_s"].get<double>() &&
           gap > native["wall_spread_s"].get<double>();
}

// The crossover from the rows: the smallest N from which every larger N is slower too.
nlohmann::json crossover(const nlohmann::json& report, int delay, const std::string& strategy) {
    std::vector<std::pair<int, bool>> by_n;
    for (const auto& c : report["configurations"]) {
        if (c["delay_ms"] != delay || c["strategy"] != strategy) continue;
        for (const auto& nat : report["configurations"]) {
            if (nat["delay_ms"] == delay && nat["strategy"] == "native" && nat["n"] == c["n"]) {
                by_n.emplace_back(c["n"].get<int>(), slower(c, nat));
            }
        }
    }
    nlohmann::json from;
    for (auto it = by_n.rbegin(); it != by_n.rend() && it->second; ++it) from = it->first;
    return from;
}

TEST(ExecutorCost, TheHeadlineSaysTheCrossoverTheRowsShow) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"executor-cost", "--quick", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["sizes"], nlohmann::json({4, 16, 64}));
    EXPECT_EQ(report["repeats"], 3);
    const std::size_t workers = report["default_workers"];
    for (const auto& c : report["configurations"]) {
        EXPECT_EQ(c["wall_s_runs"].size(), 3u) << c.dump();
        EXPECT_GE(c["wall_spread_s"].get<double>(), 0);
    }
    ASSERT_EQ(report["crossovers"].size(), 1u);
    const auto& cross = report["crossovers"][0];
    const int delay = cross["delay_ms"];
    EXPECT_EQ(cross["default_pool_slower_from"], crossover(report, delay, "executor default pool"));
    EXPECT_EQ(cross["pool_of_n_slower_from"], crossover(report, delay, "executor pool of N"));

    // The words say the same: "from N=16 on ... (N=16: 3 waves", or that threads still win.
    const std::string first = cross["sentences"][0];
    if (cross["default_pool_slower_from"].is_null()) {
        EXPECT_NE(first.find("threads still win or tie at every size measured here"),
                  std::string::npos)
            << first;
        EXPECT_NE(first.find("so from N=" + std::to_string(workers + 1) + " it needs two"),
                  std::string::npos)
            << first;
    } else {
        const int n = cross["default_pool_slower_from"];
        const std::size_t waves = (n + workers - 1) / workers;
        EXPECT_NE(first.find("slower than native from N=" + std::to_string(n) + " on"),
                  std::string::npos)
            << first;
        EXPECT_NE(first.find("(N=" + std::to_string(n) + ": " + std::to_string(waves) + " wave"),
                  std::string::npos)
            << first;
    }
    const std::string second = cross["sentences"][1];
    if (cross["pool_of_n_slower_from"].is_null()) {
        EXPECT_NE(second.find("kept up with native on time at every size here"), std::string::npos)
            << second;
    } else {
        EXPECT_NE(second.find("from N=" + cross["pool_of_n_slower_from"].dump() + " on"),
                  std::string::npos)
            << second;
    }
}

TEST(ExecutorCost, PrintsMedianAndSpreadColumnsOneRowPerSizeAndWay) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run =
        run_demo({"executor-cost", "--sizes", "2,5", "--delays-ms", "5", "--repeats", "2"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("       N how        wall s spread threads RSS MiB  vol cs  inv cs  "
                           "cpu s fail\n"),
              std::string::npos)
        << run.out;
    // The notes are wrapped at 80 columns: read them with every line break as a space.
    std::string flat = run.out;
    std::replace(flat.begin(), flat.end(), '\n', ' ');
    EXPECT_NE(flat.find("Each configuration runs 2 times"), std::string::npos) << run.out;
    int rows = 0;
    for (const std::string& line : lines_of(run.out)) {
        EXPECT_LE(line.size(), 80u) << line;
        std::istringstream fields(line);
        std::string n, how;
        if (!(fields >> n >> how) || n.find_first_not_of("0123456789") != std::string::npos ||
            (how != "exec" && how != "native")) {  // a wrapped note may start with a number
            continue;
        }
        ++rows;
        std::vector<std::string> rest;
        for (std::string f; fields >> f;) rest.push_back(f);
        EXPECT_EQ(rest.size(), how == "exec" ? 9u : 8u) << line;  // "exec 5": two words
    }
    EXPECT_EQ(rows, 2 * 3);
}

}  // namespace
}  // namespace looplab::demos::testing
