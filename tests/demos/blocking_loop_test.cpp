// tests/demos/blocking_loop_test.cpp: `looplab-demo blocking-loop` (seed 002's lesson): a
// blocking call inside a coroutine stops the ticker and debug mode names the task; in an
// executor or with the native client the ticks go on.
#include <gtest/gtest.h>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

TEST(BlockingLoop, TicksStopOnlyWhenTheCallBlocksTheLoopAndDebugModeNamesIt) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run =
        run_demo({"blocking-loop", "--delay-ms", "300", "--tick-ms", "50", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    ASSERT_EQ(report["modes"].size(), 3u);

    const auto& blocking = report["modes"][0];
    EXPECT_EQ(blocking["mode"], "blocking in coroutine");
    EXPECT_TRUE(blocking["ok"].get<bool>());
    EXPECT_EQ(blocking["ticks_during_call"], 0);
    EXPECT_GE(blocking["max_gap_ms"].get<double>(), 0.8 * 300);
    ASSERT_GE(blocking["debug_reports"].size(), 1u);
    const std::string message = blocking["debug_reports"][0]["message"];
    EXPECT_NE(message.find("Task 'fetch'"), std::string::npos) << message;
    const std::string source = blocking["debug_reports"][0]["source"];
    EXPECT_NE(source.find("blocking_loop.cpp"), std::string::npos) << source;

    for (int i : {1, 2}) {
        const auto& mode = report["modes"][i];
        EXPECT_TRUE(mode["ok"].get<bool>()) << mode.dump();
        EXPECT_GE(mode["ticks_during_call"], 2) << mode["mode"];
        EXPECT_LT(mode["max_gap_ms"].get<double>(), 300 / 2 + 50) << mode["mode"];
    }
    EXPECT_EQ(report["modes"][1]["mode"], "executor");
    EXPECT_EQ(report["modes"][2]["mode"], "native");
}

TEST(BlockingLoop, TheWatchdogNamesTheStuckTaskWhileTheLoopIsStillStuck) {
    LOOPLAB_REQUIRE_DEMO();
    // A 600 ms call against a 100 ms watchdog: 500 ms of slack for a loaded machine.
    const DemoOutput run = run_demo({"blocking-loop", "--delay-ms", "600", "--tick-ms", "100",
                                     "--watchdog-ms", "100", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["watchdog_ms"], 100);
    const auto& blocking = report["modes"][0];
    ASSERT_EQ(blocking["watchdog_reports"].size(), 1u) << blocking.dump(2);
    const auto& w = blocking["watchdog_reports"][0];
    EXPECT_GT(w["at_s"].get<double>(), blocking["fetch_start_s"].get<double>());
    EXPECT_LT(w["at_s"].get<double>(), blocking["fetch_end_s"].get<double>())
        << "the report came after the loop was free again";
    EXPECT_GE(w["stuck_ms"].get<double>(), 100);
    const std::string inside = w["inside"];
    EXPECT_EQ(inside.rfind("Task 'fetch' wakes up (sleep ", 0), 0u) << inside;
    const std::string origin = w["origin"];
    EXPECT_EQ(origin.rfind("Task 'fetch' was created at blocking_loop.cpp:", 0), 0u) << origin;
    for (int i : {1, 2}) EXPECT_TRUE(report["modes"][i]["watchdog_reports"].empty()) << i;
}

TEST(BlockingLoop, PrintsTheTicksAndTheDebugReport) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"blocking-loop", "--delay-ms", "200", "--tick-ms", "50"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find(" tick"), std::string::npos);
    for (const std::string& line : lines_of(run.out)) EXPECT_LE(line.size(), 80u) << line;
    EXPECT_NE(run.out.find("the loop was stuck"), std::string::npos) << run.out;
    EXPECT_NE(run.out.find("debug mode: Executing step of Task 'fetch'"), std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("s  watchdog (another thread): the loop is stuck, for "),
              std::string::npos)
        << run.out;
    EXPECT_NE(run.out.find("[created at demos/seeds/blocking_loop.cpp:"), std::string::npos)
        << run.out;
}

}  // namespace
}  // namespace looplab::demos::testing
