// tests/demos/url_bars_test.cpp: `looplab-demo url-bars` (seed 003): sequential totals add up,
// concurrent ones do not, and the lines have the seed's format.
#include <gtest/gtest.h>

#include <cctype>

#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

// "{1:5.2f} {2}": five columns of seconds ("%5.2f"), a space, a bar of '*'. (No std::regex:
// g++ 12's <regex> trips -Wmaybe-uninitialized under the sanitizers.)
bool is_seconds_and_bar(const std::string& s) {
    if (s.size() < 6 || s[2] != '.' || s[5] != ' ') return false;
    for (std::size_t i : {0u, 1u}) {
        if (s[i] != ' ' && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    for (std::size_t i : {1u, 3u, 4u}) {
        if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    }
    return s.find_first_not_of('*', 6) == std::string::npos;
}

// '{0:30}{1:5.2f} {2}'
bool is_page_line(const std::string& line) {
    return line.size() >= 36 && line[0] != ' ' && line[0] != '-' &&
           is_seconds_and_bar(line.substr(30));
}

// ' TOTAL SECONDS: '.rjust(30, '-') + '{0:5.2f} {1}'
bool is_total_line(const std::string& line) {
    const std::string prefix = "-------------- TOTAL SECONDS: ";
    return line.rfind(prefix, 0) == 0 && is_seconds_and_bar(line.substr(prefix.size()));
}

TEST(UrlBars, SequentialIsTheSumAndConcurrentIsTheSlowest) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"url-bars", "--delays-ms", "40,80,160", "--json"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json report = run.json();
    const double sequential = report["sequential"]["wall_s"];
    const double concurrent = report["concurrent"]["wall_s"];
    EXPECT_GE(sequential, 0.280 * 0.95);
    EXPECT_GE(concurrent, 0.160 * 0.95);
    EXPECT_LT(concurrent, sequential * 0.8);
    EXPECT_EQ(report["sequential"]["records"].size(), 3u);
    EXPECT_EQ(report["concurrent"]["failed"], 0);
    EXPECT_EQ(report["concurrent"]["threads_used"], 1);
}

TEST(UrlBars, PrintsOneBarPerPageThenATotalLineForEachRun) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"url-bars", "--delays-ms", "300,100,200"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    std::vector<std::string> pages;
    int totals = 0;
    for (const std::string& line : lines_of(run.out)) {
        if (is_total_line(line)) ++totals;
        if (is_page_line(line)) pages.push_back(line);
    }
    EXPECT_EQ(totals, 2) << run.out;
    for (const std::string& line : lines_of(run.out)) EXPECT_LE(line.size(), 80u) << line;
    ASSERT_EQ(pages.size(), 6u) << run.out;
    // Sequential lines come in URL order; concurrent ones as the pages finish (shortest first).
    EXPECT_NE(pages[0].find("/delay/300"), std::string::npos);
    EXPECT_NE(pages[3].find("/delay/100"), std::string::npos);
    EXPECT_NE(pages[5].find("/delay/300"), std::string::npos);
    EXPECT_NE(pages[0].find(" 0.3"), std::string::npos) << pages[0];
    EXPECT_NE(pages[0].find(" ***"), std::string::npos) << pages[0];
}

TEST(UrlBars, AFailedPageIsPrintedAndCounted) {
    LOOPLAB_REQUIRE_DEMO();
    const std::string url = "http://127.0.0.1:" + std::to_string(closed_port()) + "/";
    const DemoOutput run = run_demo({"url-bars", "--url", url, "--json"});
    EXPECT_EQ(run.exit_code, 1);
    const nlohmann::json report = run.json();
    EXPECT_EQ(report["sequential"]["failed"], 1);
    EXPECT_EQ(report["concurrent"]["failed"], 1);
    EXPECT_NE(run.err.find("FAILED"), std::string::npos);
}

}  // namespace
}  // namespace looplab::demos::testing
