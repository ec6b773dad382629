// demos/seeds/demo_trace.cpp: see demo_trace.hpp.
#include "demos/seeds/demo_trace.hpp"

#include <fstream>
#include <ostream>
#include <stdexcept>

#include "runtime/trace/trace_export.hpp"

namespace looplab::demos {

namespace {

// Opens `path` for writing, or throws an error that names it.
std::ofstream open_output(const std::string& path) {
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    if (!file) throw std::runtime_error("cannot write " + path);
    return file;
}

void close_output(std::ofstream& file, const std::string& path) {
    file.close();
    if (!file) throw std::runtime_error("error writing " + path);
}

}  // namespace

DemoTrace::DemoTrace(TraceRequest request) : request_(std::move(request)) {
    // Fail before the demo runs, not after a minute of measuring.
    for (const std::string& path : {request_.json_path, request_.svg_path, request_.html_path}) {
        if (!path.empty()) open_output(path);
    }
}

TraceRecorder* DemoTrace::begin_lane(const std::string& title) {
    lanes_.emplace_back(section_.empty() ? title : section_ + ": " + title,
                        std::make_unique<TraceRecorder>());
    return lanes_.back().second.get();
}

void DemoTrace::finish(std::ostream& out, std::ostream& notes) const {
    std::vector<TraceLane> lanes;
    std::size_t events = 0;
    for (const auto& [title, recorder] : lanes_) {
        lanes.push_back(make_lane(*recorder, title));
        events += lanes.back().events.size();
    }
    if (request_.timeline) {
        out << "\nTimeline (" << lanes.size() << (lanes.size() == 1 ? " run" : " runs")
            << " on one time axis):\n";
        write_timeline(out, lanes);
    }
    if (!request_.json_path.empty()) {
        std::ofstream file = open_output(request_.json_path);
        write_chrome_trace(file, lanes);
        close_output(file, request_.json_path);
        notes << "wrote " << events << " trace events to " << request_.json_path
              << " (open it in https://ui.perfetto.dev or chrome://tracing)\n";
    }
    if (!request_.svg_path.empty()) {
        std::ofstream file = open_output(request_.svg_path);
        SvgOptions options;
        options.title = title_;
        write_svg_timeline(file, lanes, options);
        close_output(file, request_.svg_path);
        notes << "wrote the timeline of " << lanes.size() << (lanes.size() == 1 ? " run" : " runs")
              << " to " << request_.svg_path << " (open it in a browser)\n";
    }
    if (!request_.html_path.empty()) write_html(lanes, notes);
}

void DemoTrace::write_html(const std::vector<TraceLane>& lanes, std::ostream& notes) const {
    std::ofstream file = open_output(request_.html_path);
    ExplorerOptions options;
    options.title = title_;
    write_html_explorer(file, lanes, options);
    close_output(file, request_.html_path);
    notes << "wrote the loop explorer of " << lanes.size() << (lanes.size() == 1 ? " run" : " runs")
          << " to " << request_.html_path << " (open it in a browser: it needs no network)\n";
}

}  // namespace looplab::demos
