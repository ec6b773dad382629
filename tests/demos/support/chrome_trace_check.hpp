// tests/demos/support/chrome_trace_check.hpp: checks that a Chrome trace (the JSON that
// --trace writes) is one a viewer can load as the exporter promises.
//
// Used on hand-made events (chrome_trace_test.cpp) and on the real demo's output
// (trace_flags_test.cpp): the same checks, so the demo tests do not just trust the unit tests.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace looplab::demos::testing {

struct ChromeTraceSummary {
    // Per process (lane) title: the number of http_request async slices.
    std::map<std::string, std::size_t> requests_per_lane;
    // Per process title: the number of http_phase async slices.
    std::map<std::string, std::size_t> phases_per_lane;
    std::size_t thread_names = 0;     // "thread_name" metadata events
    std::size_t complete_slices = 0;  // ph "X"
};

// Checks, with gtest assertions (failures name the offending event):
//   - the object has "traceEvents", an array of objects with "ph", "pid", "name";
//   - timestamps never decrease through the file (metadata aside), durations are >= 0;
//   - async "b"/"e" pairs of one (pid, cat, id) nest like brackets and all close, so each
//     request's phases lie inside it;
//   - "X" slices on one (pid, tid) nest or are disjoint;
//   - every pid has a "process_name".
// Returns what it counted.
ChromeTraceSummary check_chrome_trace(const nlohmann::json& trace);

}  // namespace looplab::demos::testing
