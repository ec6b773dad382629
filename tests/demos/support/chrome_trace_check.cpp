// tests/demos/support/chrome_trace_check.cpp: see chrome_trace_check.hpp.
#include "demos/support/chrome_trace_check.hpp"

#include <gtest/gtest.h>

#include <tuple>
#include <utility>
#include <vector>

namespace looplab::demos::testing {

namespace {

using AsyncKey = std::tuple<int, std::string, std::string>;  // pid, cat, id (as text)

// A slice on a thread track still open at the time being checked.
struct Open {
    double end = 0;
    std::string name;
};

}  // namespace

ChromeTraceSummary check_chrome_trace(const nlohmann::json& trace) {
    ChromeTraceSummary summary;
    EXPECT_TRUE(trace.is_object());
    if (!trace.is_object() || !trace.contains("traceEvents")) {
        ADD_FAILURE() << "no traceEvents";
        return summary;
    }
    const nlohmann::json& events = trace["traceEvents"];
    EXPECT_TRUE(events.is_array());
    std::map<int, std::string> process_names;
    std::map<AsyncKey, std::vector<std::string>> async_stacks;
    std::map<std::pair<int, int>, std::vector<Open>> thread_stacks;
    double last_ts = -1e300;
    for (const nlohmann::json& e : events) {
        if (!e.is_object() || !e.contains("ph") || !e.contains("pid") || !e.contains("name")) {
            ADD_FAILURE() << "malformed event " << e.dump();
            continue;
        }
        const std::string ph = e["ph"];
        const int pid = e["pid"];
        if (ph == "M") {
            if (e["name"] == "process_name") process_names[pid] = e["args"]["name"];
            if (e["name"] == "thread_name") ++summary.thread_names;
            continue;
        }
        const double ts = e.at("ts").get<double>();
        EXPECT_GE(ts, last_ts) << "timestamps go back at " << e.dump();
        last_ts = ts;
        const std::string lane = process_names.count(pid) ? process_names[pid] : "?";
        if (ph == "b" || ph == "e") {
            const AsyncKey key{pid, e.at("cat").get<std::string>(), e.at("id").dump()};
            std::vector<std::string>& stack = async_stacks[key];
            if (ph == "b") {
                stack.push_back(e["name"]);
                const std::string kind =
                    e.value("args", nlohmann::json::object()).value("kind", std::string());
                if (kind == "http_request") ++summary.requests_per_lane[lane];
                if (kind == "http_phase") ++summary.phases_per_lane[lane];
            } else if (stack.empty()) {
                ADD_FAILURE() << "an end with no begin: " << e.dump();
            } else {
                EXPECT_EQ(stack.back(), e["name"]) << "crossed async slices at " << e.dump();
                stack.pop_back();
            }
        } else if (ph == "X") {
            ++summary.complete_slices;
            const double dur = e.at("dur").get<double>();
            EXPECT_GE(dur, 0) << e.dump();
            std::vector<Open>& stack = thread_stacks[{pid, e.at("tid").get<int>()}];
            while (!stack.empty() && stack.back().end <= ts) stack.pop_back();
            // A tolerance of 1 ns: timestamps are written in microseconds to 3 decimals.
            if (!stack.empty()) {
                EXPECT_LE(ts + dur, stack.back().end + 0.001)
                    << e.dump() << " overlaps " << stack.back().name << " without nesting";
            }
            stack.push_back({ts + dur, e["name"]});
        } else {
            EXPECT_EQ(ph, "i") << e.dump();
        }
        EXPECT_TRUE(process_names.count(pid)) << "no process_name for pid " << pid;
    }
    for (const auto& [key, stack] : async_stacks) {
        EXPECT_TRUE(stack.empty())
            << "unclosed async slice " << (stack.empty() ? "" : stack.back());
    }
    return summary;
}

}  // namespace looplab::demos::testing
