// tests/demos/quick_test.cpp: `--quick` works on every `looplab-demo` subcommand (the course's
// lessons pass it to each), keeps options given on the command line, and no demo ever says
// "awaits Future".
#include <gtest/gtest.h>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

TEST(Quick, EverySubcommandTakesQuickAndRunsToTheEnd) {
    LOOPLAB_REQUIRE_DEMO();
    for (const char* demo : {"compare", "executor-cost", "batch-table", "url-bars",
                             "executor-timestamps", "blocking-loop"}) {
        const DemoOutput run = run_demo({demo, "--quick", "--json"});
        ASSERT_EQ(run.exit_code, 0) << demo << "\n" << run.err;
        EXPECT_EQ(run.json()["demo"], demo);
        EXPECT_EQ((run.out + run.err).find("awaits Future"), std::string::npos) << demo;
    }
}

TEST(Quick, ChangesOnlyTheOptionsTheCommandLineDidNotGive) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"compare", "--quick", "--requests", "3", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.json()["requests"], 3);   // given: kept
    EXPECT_EQ(run.json()["delay_ms"], 20);  // not given: --quick's
}

TEST(Quick, IsListedInEachDemosHelp) {
    LOOPLAB_REQUIRE_DEMO();
    for (const char* demo : {"compare", "executor-cost", "batch-table", "url-bars",
                             "executor-timestamps", "blocking-loop", "all"}) {
        const DemoOutput run = run_demo({demo, "--help"});
        EXPECT_EQ(run.exit_code, 0) << demo;
        EXPECT_NE(run.out.find("--quick"), std::string::npos) << demo;
    }
}

}  // namespace
}  // namespace looplab::demos::testing
