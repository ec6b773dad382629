// tests/demos/compare_test.cpp: `looplab-demo compare` tells seed 000's story with the right
// orders of magnitude. Margins are generous: what is checked is the lesson (naive async is as
// slow as blocking; the executor and the native client are not), never a precise time.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

const nlohmann::json& strategy(const nlohmann::json& report, const std::string& name) {
    for (const auto& s : report["strategies"]) {
        if (s["strategy"] == name) return s;
    }
    ADD_FAILURE() << "no strategy '" << name << "' in " << report.dump(2);
    static const nlohmann::json none;
    return none;
}

TEST(Compare, SaysHowManyWavesThePoolRanAndThatTheCoreCountDecides) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"compare", "--quick", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    const std::size_t cores = report["cores"];
    const std::size_t workers = report["executor_workers"];
    const std::size_t waves = report["executor_waves"];
    EXPECT_EQ(workers, std::min<std::size_t>(32, cores + 4));
    EXPECT_EQ(waves, (10 + workers - 1) / workers);
    const std::string story = strategy(report, "executor")["explanation"];
    EXPECT_NE(story.find("min(32, " + std::to_string(cores) + " cores + 4)"), std::string::npos)
        << story;
    if (waves > 1) {
        EXPECT_NE(story.find("ran in " + std::to_string(waves) + " waves"), std::string::npos)
            << story;
    }
    EXPECT_NE(story.find("with 6 cores or more the default pool has 10 workers"), std::string::npos)
        << story;
    EXPECT_NE(story.find("--workers 6 (a 2-core machine's pool: 2 waves here)"), std::string::npos)
        << story;
}

TEST(Compare, WorkersSixReproducesTwoWavesOnAnyMachine) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"compare", "--quick", "--workers", "6", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["executor_waves"], 2);
    const std::string story = strategy(report, "executor")["explanation"];
    EXPECT_NE(story.find("The pool has 6 workers (--workers;"), std::string::npos) << story;
}

TEST(Compare, NaiveAsyncIsAsSlowAsBlockingWhileExecutorAndNativeAreNot) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"compare", "--requests", "4", "--delay-ms", "50", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["demo"], "compare");
    EXPECT_EQ(report["requests"], 4);
    EXPECT_EQ(report["delay_ms"], 50);
    ASSERT_EQ(report["strategies"].size(), 4u);

    const double blocking = strategy(report, "blocking")["wall_s"];
    const double naive = strategy(report, "naive async")["wall_s"];
    const double executor = strategy(report, "executor")["wall_s"];
    const double native = strategy(report, "native")["wall_s"];
    EXPECT_GE(blocking, 4 * 0.050);
    EXPECT_GE(blocking, 2.5 * native) << "4 x 50 ms one by one vs all at once";
    EXPECT_NEAR(naive, blocking, 0.2 * blocking) << "naive async is still sequential";
    EXPECT_LT(executor, blocking / 2);
    EXPECT_LT(native, blocking / 2);

    for (const auto& s : report["strategies"]) {
        EXPECT_EQ(s["requests"], 4) << s["strategy"];
        EXPECT_EQ(s["failed"], 0) << s["strategy"];
        EXPECT_EQ(s["records"].size(), 4u) << s["strategy"];
        EXPECT_TRUE(s["explanation"].is_string());
        EXPECT_GT(s["speedup"].get<double>(), 0);
    }
    // Why: nothing overlapped in the first two; everything did in the last one, on one thread.
    EXPECT_EQ(strategy(report, "blocking")["max_in_flight"], 1);
    EXPECT_EQ(strategy(report, "naive async")["max_in_flight"], 1);
    EXPECT_EQ(strategy(report, "naive async")["threads_used"], 1);
    EXPECT_EQ(strategy(report, "native")["threads_used"], 1);
    EXPECT_GE(strategy(report, "native")["max_in_flight"], 2);
    EXPECT_GE(strategy(report, "executor")["executor"]["threads_started"], 1);
}

TEST(Compare, WorkersSizesTheDefaultPoolAndTheDemoCountsTheWaves) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run =
        run_demo({"compare", "--requests", "4", "--delay-ms", "30", "--workers", "2", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["executor_workers"], 2);
    EXPECT_EQ(report["executor_waves"], 2);
    const nlohmann::json& executor = strategy(report, "executor");
    EXPECT_EQ(executor["executor"]["workers"], 2);
    EXPECT_LE(executor["executor"]["threads_started"], 2);
    EXPECT_LE(executor["max_in_flight"], 2);
    EXPECT_GE(executor["wall_s"].get<double>(), 2 * 0.030) << "two waves of 30 ms";
}

TEST(Compare, TextOutputHasTheSeedsLinesATableAndOneSentencePerStrategy) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"compare", "--requests", "3", "--delay-ms", "20"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    for (const char* line : {"synchronous took ", "asynchronous (naive) took ",
                             "asynchronous (executor) took ", "native (ClientSession) took "}) {
        EXPECT_NE(run.out.find(line), std::string::npos) << line << "\n" << run.out;
    }
    for (const char* row : {"blocking loop:", "naive async (gathered):", "run_in_executor:",
                            "native ClientSession:"}) {
        EXPECT_NE(run.out.find(row), std::string::npos) << row;
    }
    EXPECT_NE(run.out.find("speed-up"), std::string::npos);
    for (const std::string& line : lines_of(run.out)) EXPECT_LE(line.size(), 80u) << line;
}

TEST(Compare, CsvHasOneTidyRowPerRequestWithThePromisedColumns) {
    LOOPLAB_REQUIRE_DEMO();
    const std::string path = temp_path(".csv");
    const DemoOutput run =
        run_demo({"compare", "--requests", "3", "--delay-ms", "10", "--csv", path});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    std::ifstream file(path);
    ASSERT_TRUE(file) << path;
    std::stringstream text;
    text << file.rdbuf();
    const std::vector<std::string> lines = lines_of(text.str());
    ASSERT_EQ(lines.size(), 1u + 4 * 3) << "a header, then 4 strategies x 3 requests";
    EXPECT_EQ(lines[0].rfind("strategy,n,delay_ms,repeat,start,end,wall,thread,", 0), 0u)
        << lines[0];
    EXPECT_EQ(lines[1].rfind("blocking,3,10,0,", 0), 0u) << lines[1];
    EXPECT_EQ(lines.back().rfind("native,3,10,0,", 0), 0u) << lines.back();
    std::remove(path.c_str());
}

TEST(Compare, AFailedRequestIsPrintedCountedAndMakesTheExitStatusNonZero) {
    LOOPLAB_REQUIRE_DEMO();
    const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
    const DemoOutput json_run = run_demo({"compare", "--requests", "2", "--url", url, "--json"});
    EXPECT_EQ(json_run.exit_code, 1);
    const nlohmann::json report = json_run.json();
    for (const auto& s : report["strategies"]) {
        EXPECT_EQ(s["failed"], 2) << s["strategy"];
        ASSERT_EQ(s["failures"].size(), 2u);
        EXPECT_FALSE(s["failures"][0]["error"].get<std::string>().empty());
    }
    EXPECT_NE(json_run.err.find("FAILED"), std::string::npos) << json_run.err;

    const DemoOutput text_run = run_demo({"compare", "--requests", "2", "--url", url});
    EXPECT_EQ(text_run.exit_code, 1);
    EXPECT_NE(text_run.out.find("FAILED: 2 of 2 requests"), std::string::npos) << text_run.out;
}

}  // namespace
}  // namespace looplab::demos::testing
