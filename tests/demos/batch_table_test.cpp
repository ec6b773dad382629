// tests/demos/batch_table_test.cpp: `looplab-demo batch-table` (seed 001) times every batch of
// every method and summarises them as pandas' describe() does.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

TEST(BatchTable, DescribesEveryMethodPerBatchSize) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo(
        {"batch-table", "--batch-sizes", "2,6", "--iterations", "3", "--delay-ms", "20", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["demo"], "batch-table");
    EXPECT_EQ(report["iterations"], 3);
    ASSERT_EQ(report["batches"].size(), 2u);
    for (const auto& batch : report["batches"]) {
        for (const char* column : {"executor_times", "seq_times", "native_times"}) {
            const auto& d = batch["describe"][column];
            EXPECT_EQ(d["count"], 3) << column;
            EXPECT_LE(d["min"].get<double>(), d["25%"].get<double>());
            EXPECT_LE(d["25%"].get<double>(), d["50%"].get<double>());
            EXPECT_LE(d["50%"].get<double>(), d["75%"].get<double>());
            EXPECT_LE(d["75%"].get<double>(), d["max"].get<double>());
            EXPECT_EQ(batch["times"][column].size(), 3u);
            EXPECT_EQ(batch["failed"][column], 0);
        }
    }
    // Batch of 6 at 20 ms: sequential is 6 waits, native about one.
    const auto& six = report["batches"][1]["describe"];
    EXPECT_GE(six["seq_times"]["mean"].get<double>(), 6 * 0.020);
    EXPECT_LT(six["native_times"]["mean"].get<double>(),
              six["seq_times"]["mean"].get<double>() / 2);
}

TEST(BatchTable, PrintsThePandasTablePerBatchSize) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run =
        run_demo({"batch-table", "--batch-sizes", "3", "--iterations", "2", "--delay-ms", "5"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_NE(run.out.find("batch_size=3"), std::string::npos);
    EXPECT_NE(run.out.find("       executor_times  seq_times  native_times"), std::string::npos)
        << run.out;
    for (const char* row :
         {"\ncount ", "\nmean ", "\nstd ", "\nmin ", "\n25% ", "\n50% ", "\n75% ", "\nmax "}) {
        EXPECT_NE(run.out.find(row), std::string::npos) << row;
    }
    for (const std::string& line : lines_of(run.out)) EXPECT_LE(line.size(), 80u) << line;
}

TEST(BatchTable, ItsWordsComeFromItsMediansThePoolSizeAndTheSeed) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"batch-table", "--quick", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    const std::size_t workers = report["workers"];
    const std::size_t cores = report["cores"];
    EXPECT_EQ(workers, std::min<std::size_t>(32, cores + 4));
    ASSERT_EQ(report["batches"].size(), 2u);
    std::string words;
    for (const auto& s : report["conclusions"]) words += s.get<std::string>() + "\n";

    auto one_decimal = [](double x) {
        char text[32];
        std::snprintf(text, sizeof text, "%.1fx", x);
        return std::string(text);
    };
    const auto& four = report["batches"][0];
    EXPECT_EQ(four["batch_size"], 4);
    EXPECT_NE(words.find("On loopback, at batch 4 the executor was " +
                         one_decimal(four["executor_speedup"])),
              std::string::npos)
        << words;
    EXPECT_NE(words.find("The seed saw 1.13x at batch 4 against a remote HTTPS API"),
              std::string::npos);
    EXPECT_NE(words.find("TLS handshake"), std::string::npos);

    const auto& sixteen = report["batches"][1];
    const std::size_t waves = (16 + workers - 1) / workers;
    EXPECT_EQ(sixteen["waves"], waves);
    if (waves > 1) {
        EXPECT_NE(
            words.find("At batch 16 the executor is capped by its " + std::to_string(workers) +
                       " workers (min(32, " + std::to_string(cores) +
                       " cores + 4)): " + std::to_string(waves) + " waves"),
            std::string::npos)
            << words;
    }
}

}  // namespace
}  // namespace looplab::demos::testing
