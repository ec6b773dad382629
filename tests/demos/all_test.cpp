// tests/demos/all_test.cpp: `looplab-demo all --quick` runs every demo and gathers their JSON.
#include <gtest/gtest.h>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

TEST(All, RunsEveryDemoAndCollectsTheirReports) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"all", "--quick", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["failed"], 0);
    for (const char* name : {"compare", "blocking-loop", "url-bars", "executor-timestamps",
                             "batch-table", "executor-cost"}) {
        ASSERT_TRUE(report["demos"].contains(name)) << name;
        EXPECT_EQ(report["demos"][name]["demo"], name);
    }
}

}  // namespace
}  // namespace looplab::demos::testing
