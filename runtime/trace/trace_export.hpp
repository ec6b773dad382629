// runtime/trace/trace_export.hpp: turns recorded TraceEvents into pictures: a Chrome trace (JSON),
// a terminal timeline and an SVG timeline.
//
// asyncio: none built in; the models are Chrome's Trace Event format (read by Perfetto and
//          chrome://tracing), and the asterisk bars the seed posts print by hand.
// libuv:   none (uv_metrics_info gives numbers, not pictures).
//
// Why plain functions over plain data: an exporter is "events in, text out", so each one is a
// function from a few TraceLanes to an std::ostream, one file per format
// (trace_chrome_json.cpp, trace_timeline.cpp, trace_svg.cpp). They know nothing of how the
// events were made; tests feed them hand-written events.
//
// Why lanes: a demo such as `compare` runs the same requests four ways, one after the other.
// Each run is recorded by its own TraceRecorder and becomes one lane; every exporter stacks
// the lanes on ONE time axis, each lane's time starting at its own origin, so the four runs
// can be compared at a glance (the blocking lane is ten times longer than the native one).
//
// The timeline exporters draw rows, one per task or request (trace_rows.hpp builds them); the
// Chrome trace keeps every event, with threads as tracks. The loop explorer (write_html_explorer)
// is a page that replays one iteration at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "runtime/observe/tracer.hpp"

namespace looplab {

class TraceRecorder;

// One recorded run: what the exporters draw as one section (Chrome: one process).
struct TraceLane {
    std::string title;  // "native", "executor, 2 workers", ...
    std::vector<TraceEvent> events;
    std::map<std::uint32_t, std::string> thread_names;  // TraceEvent::thread -> "loop", ...
    std::int64_t origin_ns = 0;                         // trace_now() that is time 0 of this lane
};

// The lane of everything `recorder` holds, titled `title`.
TraceLane make_lane(const TraceRecorder& recorder, std::string title);

// Chrome's Trace Event format, JSON object form ({"traceEvents": [...]}). Each lane is a
// process (pid 1, 2, ... in lane order) and each recorder thread a thread track named by
// "thread_name" metadata. Tasks and HTTP requests are async slices (ph "b"/"e", with their id;
// HTTP phases nest inside their request); iterations, polls, callbacks, task steps and
// executor_run are complete slices (ph "X"); instants are ph "i". Timestamps are microseconds
// since the lane's origin, written in increasing order.
void write_chrome_trace(std::ostream& out, const std::vector<TraceLane>& lanes);

struct TimelineOptions {
    int width = 80;     // columns of every line, labels and bars included (at least 40)
    int max_rows = 40;  // per lane; the rest are counted in one line
};

// A terminal timeline: per lane a title line, then one line per task or request with its bar
// on a shared time axis, then the axis in ms and a legend. Every line fits `width` columns.
// Bars: '#' running (a task step, or a blocking call holding the thread), '=' waiting on a
// thread (the executor), '-' waiting (I/O, timers, other tasks), '.' queued.
void write_timeline(std::ostream& out, const std::vector<TraceLane>& lanes,
                    const TimelineOptions& options = {});

struct SvgOptions {
    std::string title;   // drawn above the legend; empty: none
    int max_rows = 200;  // per lane; the rest are counted in one line
};

// A self-contained SVG document (no scripts, no external files): the same rows as
// write_timeline, coloured by state, with a legend and an axis in ms; lanes are stacked
// sections on one time axis. Each bar segment has a <title> tooltip with its state and times.
void write_svg_timeline(std::ostream& out, const std::vector<TraceLane>& lanes,
                        const SvgOptions& options = {});

struct ExplorerOptions {
    std::string title;  // the page's heading; empty: "looplab: the loop explorer"
    // Bytes of per-iteration detail (phases, callbacks) kept over all lanes; later iterations
    // keep their summary only, and the page says so. 1.2 MB keeps `compare`'s page under 2 MB.
    std::size_t detail_budget_bytes = 1200 * 1000;
};

// The loop explorer's data (trace_html_model.cpp): the lanes regrouped per iteration (the six
// phases and what each moved, the callbacks run), per task (state changes and what it awaits),
// per HTTP request (its phases) and per executor work item, as one JSON object.
std::string explorer_json(const std::vector<TraceLane>& lanes, const ExplorerOptions& options = {});

// The loop explorer (trace_html.cpp): ONE self-contained HTML file, its script, style and
// data (explorer_json) inline, that loads nothing (a Content-Security-Policy forbids it) and
// replays the run iteration by iteration, phase by phase (docs/explorer.md).
void write_html_explorer(std::ostream& out, const std::vector<TraceLane>& lanes,
                         const ExplorerOptions& options = {});

}  // namespace looplab
