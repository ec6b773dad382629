// tests/demos/looplab_demo_test.cpp: the entry point: `looplab-demo --help` lists the demos,
// and a wrong command line is refused.
#include <gtest/gtest.h>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

TEST(LooplabDemo, HelpListsEveryDemo) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"--help"});
    EXPECT_EQ(run.exit_code, 0);
    for (const char* name : {"compare", "executor-cost", "batch-table", "url-bars",
                             "executor-timestamps", "blocking-loop", "all"}) {
        EXPECT_NE(run.out.find(name), std::string::npos) << name << "\n" << run.out;
    }
}

TEST(LooplabDemo, EachDemoHasHelpWithItsOptions) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"compare", "--help"});
    EXPECT_EQ(run.exit_code, 0);
    for (const char* option :
         {"--requests", "--delay-ms", "--url", "--json", "--csv", "--workers"}) {
        EXPECT_NE(run.out.find(option), std::string::npos) << option;
    }
}

TEST(LooplabDemo, AnUnknownDemoOrNoDemoIsAnError) {
    LOOPLAB_REQUIRE_DEMO();
    EXPECT_NE(run_demo({"no-such-demo"}).exit_code, 0);
    EXPECT_NE(run_demo({}).exit_code, 0);
    EXPECT_NE(run_demo({"compare", "--requests", "0"}).exit_code, 0);
}

}  // namespace
}  // namespace looplab::demos::testing
