// tests/demos/trace_flags_test.cpp: the real looplab-demo with --trace FILE.json, --svg FILE.svg
// and --timeline. What the issue asks of the pictures, checked on real runs: the JSON parses,
// with one slice per request, consistent nesting and monotonic timestamps; the SVG is
// well-formed XML with one row per request; the terminal timeline fits 80 columns.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "demos/support/chrome_trace_check.hpp"
#include "demos/support/demo_process.hpp"

namespace looplab::demos::testing {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// xmllint's complaints about the file at `path`; empty when it is well-formed XML. Fails the
// test (never skips it) when xmllint is missing: Debian package libxml2-utils.
std::string xmllint_errors(const std::string& path) {
    if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
        ADD_FAILURE() << "xmllint not found: apt-get install libxml2-utils";
        return "xmllint missing";
    }
    std::string output;
    const std::string command = "xmllint --noout '" + path + "' 2>&1";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return "popen failed";
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
    const int status = pclose(pipe);
    if (status != 0 && output.empty()) output = "exit status " + std::to_string(status);
    return output;
}

// The SVG's rows that show a request, per lane index: each `<g class="row" data-lane="N" ...>`
// tag holding data-request="1". (No std::regex: g++ 12's <regex> trips -Wmaybe-uninitialized
// under the sanitizers, as in url_bars_test.cpp.)
std::map<int, int> request_rows_per_lane(const std::string& svg) {
    std::map<int, int> rows;
    const std::string opening = R"(<g class="row" data-lane=")";
    for (std::size_t at = svg.find(opening); at != std::string::npos;
         at = svg.find(opening, at + 1)) {
        const std::size_t digits = at + opening.size();
        const std::size_t tag_end = svg.find('>', digits);
        const std::string tag = svg.substr(at, tag_end - at);
        if (tag.find(R"(data-request="1")") == std::string::npos) continue;
        ++rows[std::stoi(svg.substr(digits))];
    }
    return rows;
}

// The timeline printed in `out`: from its "Timeline (" heading to its legend line.
std::string timeline_in(const std::string& out) {
    const std::size_t begin = out.find("\nTimeline (");
    const std::size_t legend = out.find("\n# running", begin == std::string::npos ? 0 : begin);
    if (begin == std::string::npos || legend == std::string::npos) {
        ADD_FAILURE() << "no timeline in:\n" << out;
        return "";
    }
    return out.substr(begin + 1, out.find('\n', legend + 1) - begin - 1);
}

const std::vector<std::string> kCompareLanes = {"blocking loop", "naive async (gathered)",
                                                "run_in_executor", "native ClientSession"};

TEST(TraceFlags, CompareWritesAChromeTraceAnSvgAndATimelineOfItsFourStrategies) {
    LOOPLAB_REQUIRE_DEMO();
    const std::string json_path = temp_path(".json");
    const std::string svg_path = temp_path(".svg");
    const DemoOutput run = run_demo({"compare", "--requests", "3", "--delay-ms", "30", "--trace",
                                     json_path, "--svg", svg_path, "--timeline"});
    ASSERT_EQ(run.exit_code, 0) << run.err;

    // The JSON: parses, nests, is in order, and has one request slice per request per lane.
    const nlohmann::json trace = nlohmann::json::parse(read_file(json_path), nullptr, false);
    ASSERT_FALSE(trace.is_discarded()) << "not JSON: " << json_path;
    const ChromeTraceSummary summary = check_chrome_trace(trace);
    for (const std::string& lane : kCompareLanes) {
        EXPECT_EQ(summary.requests_per_lane.count(lane) ? summary.requests_per_lane.at(lane) : 0,
                  3u)
            << lane;
    }
    EXPECT_GE(summary.thread_names, 4u) << "at least one named thread per lane";

    // The SVG: well-formed, one request row per request in each of the four lanes.
    const std::string svg = read_file(svg_path);
    EXPECT_EQ(xmllint_errors(svg_path), "");
    EXPECT_EQ(request_rows_per_lane(svg), (std::map<int, int>{{0, 3}, {1, 3}, {2, 3}, {3, 3}}));
    for (const std::string& lane : kCompareLanes) {
        EXPECT_NE(svg.find("data-title=\"" + lane + "\""), std::string::npos) << lane;
    }

    // The timeline: after the demo's report, every line within 80 columns, each lane titled.
    const std::string timeline = timeline_in(run.out);
    EXPECT_EQ(timeline.rfind("Timeline (4 runs", 0), 0u) << timeline;
    for (const std::string& line : lines_of(timeline)) {
        EXPECT_LE(line.size(), 80u) << "'" << line << "'";
    }
    for (const std::string& lane : kCompareLanes) {
        EXPECT_NE(timeline.find(lane + ": "), std::string::npos) << lane;
    }
    EXPECT_NE(timeline.find("time (ms)"), std::string::npos);
    EXPECT_NE(run.out.find("wrote "), std::string::npos) << "says where the files went";
    std::remove(json_path.c_str());
    std::remove(svg_path.c_str());
}

TEST(TraceFlags, WithJsonTheTimelineGoesToStderrAndStdoutStaysOneJsonObject) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run =
        run_demo({"compare", "--requests", "2", "--delay-ms", "10", "--json", "--timeline"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.json()["demo"], "compare");
    EXPECT_NE(run.err.find("Timeline (4 runs"), std::string::npos) << run.err;
}

TEST(TraceFlags, AnUnwritableTraceFileIsAClearErrorBeforeTheDemoRuns) {
    LOOPLAB_REQUIRE_DEMO();
    const DemoOutput run = run_demo({"compare", "--requests", "2", "--delay-ms", "10", "--trace",
                                     "/nonexistent-dir/trace.json"});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.err.find("cannot write /nonexistent-dir/trace.json"), std::string::npos)
        << run.err;
    EXPECT_EQ(run.out.find("synchronous took"), std::string::npos) << "it did not run";
}

TEST(TraceFlags, EveryDemoTakesTheFlags) {
    LOOPLAB_REQUIRE_DEMO();
    const std::string json_path = temp_path(".json");
    const std::string svg_path = temp_path(".svg");
    const DemoOutput run =
        run_demo({"all", "--quick", "--trace", json_path, "--svg", svg_path, "--timeline"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const nlohmann::json trace = nlohmann::json::parse(read_file(json_path), nullptr, false);
    ASSERT_FALSE(trace.is_discarded());
    const ChromeTraceSummary summary = check_chrome_trace(trace);
    // Each demo's section contributed lanes with requests in them.
    for (const char* section : {"compare: ", "blocking-loop: ", "url-bars: ",
                                "executor-timestamps: ", "batch-table: ", "executor-cost: "}) {
        std::size_t requests = 0;
        for (const auto& [lane, n] : summary.requests_per_lane) {
            if (lane.rfind(section, 0) == 0) requests += n;
        }
        EXPECT_GT(requests, 0u) << section;
    }
    EXPECT_EQ(xmllint_errors(svg_path), "");
    const std::string timeline = timeline_in(run.out);
    EXPECT_NE(timeline.find("executor-cost: "), std::string::npos) << timeline;
    for (const std::string& line : lines_of(timeline)) {
        EXPECT_LE(line.size(), 80u) << "'" << line << "'";
    }
    std::remove(json_path.c_str());
    std::remove(svg_path.c_str());
}

}  // namespace
}  // namespace looplab::demos::testing
