// demos/seeds/demo_trace.hpp: what --trace FILE.json, --timeline, --svg FILE.svg and
// --html FILE.html record and write, for every demo.
//
// asyncio: none; the nearest is running a script under a profiler and opening the result in
// a viewer. Here the loop itself reports (tracer.hpp) and the exporters draw it
// (trace_export.hpp).
//
// A demo that runs the same requests several ways asks for one lane per run
// (Context::trace_lane("blocking"), ...): a fresh TraceRecorder, kept here until the demo is
// done. Then finish() writes every lane at once, so the pictures put all the runs on one time
// axis: `compare --svg` draws the four strategies stacked, the picture a teacher projects.
// Without any of the four options there is no DemoTrace and nothing is recorded, so the
// measurements are those of an untraced run.
#pragma once

#include <iosfwd>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/observe/trace_recorder.hpp"
#include "runtime/trace/trace_export.hpp"

namespace looplab::demos {

struct TraceRequest {
    std::string json_path;  // --trace: Chrome Trace Event JSON (Perfetto, chrome://tracing)
    bool timeline = false;  // --timeline: print the terminal timeline after the demo's output
    std::string svg_path;   // --svg: an SVG timeline
    std::string html_path;  // --html: the loop explorer, one self-contained page
    bool any() const {
        return !json_path.empty() || timeline || !svg_path.empty() || !html_path.empty();
    }
};

class DemoTrace {
public:
    // Checks at once that the files can be written (throws std::runtime_error if not).
    explicit DemoTrace(TraceRequest request);

    // A new recorder for the next run, shown under `title` (prefixed while a section is set).
    // Owned here: valid until this DemoTrace is destroyed.
    TraceRecorder* begin_lane(const std::string& title);
    // While `all` runs its demos: lane titles start with "compare: ", ....
    void set_section(std::string section) { section_ = std::move(section); }
    // The SVG's heading ("compare: 10 requests to a server that waits 100 ms, four ways").
    void set_title(std::string title) { title_ = std::move(title); }

    // Writes the files asked for and prints the timeline to `out`, then a line per file
    // written to `notes`. Throws std::runtime_error naming the file if one cannot be written.
    void finish(std::ostream& out, std::ostream& notes) const;

private:
    void write_html(const std::vector<TraceLane>& lanes, std::ostream& notes) const;

    TraceRequest request_;
    std::string section_;
    std::string title_;
    std::vector<std::pair<std::string, std::unique_ptr<TraceRecorder>>> lanes_;
};

}  // namespace looplab::demos
