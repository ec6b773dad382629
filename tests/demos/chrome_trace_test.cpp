// tests/demos/chrome_trace_test.cpp: write_chrome_trace on hand-made events: the JSON parses,
// has one async slice per request with its phases nested inside, thread tracks named, and
// timestamps in order. (Here rather than in tests/runtime because this suite links a JSON
// parser; the exporter itself is runtime code.)
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "demos/support/chrome_trace_check.hpp"
#include "runtime/trace/trace_export.hpp"

namespace looplab::demos::testing {
namespace {

constexpr std::int64_t kOrigin = 7'000'000'000;

TraceEvent event(TraceKind kind, double start_us, double duration_us, std::uint64_t id,
                 std::uint32_t thread, std::string name = {}, std::string detail = {}) {
    TraceEvent e;
    e.kind = kind;
    e.start_ns = kOrigin + static_cast<std::int64_t>(start_us * 1000);
    e.duration_ns = static_cast<std::int64_t>(duration_us * 1000);
    e.id = id;
    e.thread = thread;
    e.name = std::move(name);
    e.detail = std::move(detail);
    return e;
}

// `n` requests made by tasks on the loop (thread 0), with a loop iteration, a poll, a callback
// and a task step around each, in the order the recorder would see them (slices are recorded
// when they end, so an enclosing slice comes after what it encloses).
TraceLane loop_lane(int n) {
    TraceLane lane;
    lane.title = "native";
    lane.origin_ns = kOrigin;
    lane.thread_names = {{0, "loop"}, {1, "worker 1"}};
    for (int k = 0; k < n; ++k) {
        const double t = k * 10.0;
        const auto id = static_cast<std::uint64_t>(k + 1);
        lane.events.push_back(event(TraceKind::task_created, t, 0, 100 + id, 0, "fetch"));
        lane.events.push_back(event(TraceKind::http_phase, t + 1, 2, id, 0, "pool wait"));
        lane.events.push_back(event(TraceKind::http_phase, t + 3, 2, id, 0, "connect"));
        lane.events.push_back(event(TraceKind::http_phase, t + 5, 1, id, 0, "send"));
        lane.events.push_back(event(TraceKind::http_phase, t + 6, 100, id, 0, "first byte"));
        // A phase that ends after its request (clocks read in different places): clamped.
        lane.events.push_back(event(TraceKind::http_phase, t + 106, 50, id, 0, "body"));
        lane.events.push_back(
            event(TraceKind::http_request, t + 1, 110, id, 0, "GET http://h/delay/100", "200"));
        lane.events.push_back(event(TraceKind::poll, t, 1, 0, 0));
        lane.events.push_back(event(TraceKind::task_step, t + 1, 5, 100 + id, 0, "fetch"));
        lane.events.push_back(event(TraceKind::callback, t + 1, 6, 0, 0, "step fetch"));
        lane.events.push_back(event(TraceKind::iteration, t, 8, static_cast<std::uint64_t>(k), 0));
        lane.events.push_back(event(TraceKind::task_done, t + 120, 0, 100 + id, 0));
    }
    lane.events.push_back(event(TraceKind::executor_queued, 1, 0, 9, 0));
    lane.events.push_back(event(TraceKind::executor_run, 2, 30, 9, 1));
    lane.events.push_back(event(TraceKind::executor_returned, 33, 0, 9, 0));
    lane.events.push_back(event(TraceKind::mark, 50, 0, 0, 0, "tick"));
    return lane;
}

// Requests one after the other on the main thread, as the blocking strategy records them.
TraceLane blocking_lane(int n, const std::string& name) {
    TraceLane lane;
    lane.title = "blocking";
    lane.origin_ns = kOrigin;
    lane.thread_names = {{0, "main"}};
    for (int k = 0; k < n; ++k) {
        lane.events.push_back(event(TraceKind::http_request, k * 100.0, 100,
                                    static_cast<std::uint64_t>(k + 1), 0, name, "200"));
    }
    return lane;
}

nlohmann::json export_json(const std::vector<TraceLane>& lanes) {
    std::ostringstream out;
    write_chrome_trace(out, lanes);
    const nlohmann::json parsed = nlohmann::json::parse(out.str(), nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON:\n" << out.str();
    return parsed;
}

TEST(ChromeTrace, ParsesWithOneSlicePerRequestNestedPhasesAndOrderedTimestamps) {
    const nlohmann::json trace = export_json({blocking_lane(4, "GET http://h/x"), loop_lane(3)});
    ASSERT_FALSE(trace.is_discarded());
    const ChromeTraceSummary summary = check_chrome_trace(trace);
    EXPECT_EQ(summary.requests_per_lane.at("blocking"), 4u);
    EXPECT_EQ(summary.requests_per_lane.at("native"), 3u);
    EXPECT_EQ(summary.phases_per_lane.at("native"), 3u * 5u);
    EXPECT_EQ(summary.thread_names, 3u);
    EXPECT_EQ(summary.complete_slices, 3u * 4u + 1u) << "poll, step, callback, iteration; run";
}

TEST(ChromeTrace, ThreadsAreNamedTracksAndLanesAreProcesses) {
    const nlohmann::json trace = export_json({loop_lane(1), blocking_lane(1, "GET http://h/")});
    std::map<std::string, int> thread_tid;
    std::map<int, std::string> process;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] != "M") continue;
        if (e["name"] == "thread_name" && e["pid"] == 1) thread_tid[e["args"]["name"]] = e["tid"];
        if (e["name"] == "process_name") process[e["pid"]] = e["args"]["name"];
    }
    EXPECT_EQ(process, (std::map<int, std::string>{{1, "native"}, {2, "blocking"}}));
    ASSERT_EQ(thread_tid.size(), 2u);
    // The executor's work ran on the worker's track, the poll on the loop's.
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] != "X" || e["pid"] != 1) continue;
        const std::string kind = e["args"]["kind"];
        if (kind == "executor_run") {
            EXPECT_EQ(e["tid"], thread_tid["worker 1"]);
        }
        if (kind == "poll") {
            EXPECT_EQ(e["tid"], thread_tid["loop"]);
        }
    }
}

TEST(ChromeTrace, TimestampsAreMicrosecondsSinceTheLaneOrigin) {
    const nlohmann::json trace = export_json({blocking_lane(2, "GET http://h/")});
    std::vector<double> begins;
    std::vector<double> ends;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] == "b") begins.push_back(e["ts"]);
        if (e["ph"] == "e") ends.push_back(e["ts"]);
    }
    EXPECT_EQ(begins, (std::vector<double>{0, 100}));
    EXPECT_EQ(ends, (std::vector<double>{100, 200}));
}

TEST(ChromeTrace, HostileNamesStillMakeValidJson) {
    TraceLane lane = blocking_lane(2, "GET http://h/\"quoted\"\\back\nslash\x01\xff\xfe");
    lane.title = "title \"with\" \x7f control \x02";
    lane.thread_names = {{0, "th\"read\xc3"}};
    const nlohmann::json trace = export_json({lane});
    ASSERT_FALSE(trace.is_discarded());
    check_chrome_trace(trace);
    bool found = false;
    for (const auto& e : trace["traceEvents"]) {
        if (e["ph"] == "b")
            found = found || e["name"].get<std::string>().find("\"quoted\"") != std::string::npos;
    }
    EXPECT_TRUE(found) << "the name survives, escaped and unescaped again";
}

TEST(ChromeTrace, NoLanesIsAnEmptyTrace) {
    const nlohmann::json trace = export_json({});
    ASSERT_TRUE(trace.contains("traceEvents"));
    EXPECT_TRUE(trace["traceEvents"].empty());
}

}  // namespace
}  // namespace looplab::demos::testing
