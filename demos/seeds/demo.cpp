// demos/seeds/demo.cpp: the server, the output and the options every demo shares.
#include "demos/seeds/demo.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <ostream>
#include <streambuf>

#include "demos/seeds/report.hpp"
#include "http/server/server_thread.hpp"

namespace looplab::demos {

// ---- Target ----------------------------------------------------------------------------

Target::Target(std::string external_url) : external_url_(std::move(external_url)) {
    if (external_url_.empty()) server_ = std::make_unique<http::ServerThread>();
}

Target::~Target() = default;

std::string Target::url_for_delay(int delay_ms) const {
    if (!server_) return external_url_;
    return server_->url("/delay/" + std::to_string(delay_ms));
}

std::string Target::describe() const {
    if (!server_) return external_url_;
    return server_->url("") + ", looplab's server on its own thread and loop";
}

// ---- Context ---------------------------------------------------------------------------

namespace {

// --json: the text output goes nowhere.
class NullBuffer : public std::streambuf {
protected:
    int overflow(int c) override { return c; }
};

std::ostream& null_stream() {
    static NullBuffer buffer;
    static std::ostream stream(&buffer);
    return stream;
}

}  // namespace

Context::Context(bool json, CsvWriter* csv, DemoTrace* trace)
    : json_(json), csv_(csv), trace_(trace) {}

TraceRecorder* Context::trace_lane(const std::string& title) const {
    return trace_ ? trace_->begin_lane(title) : nullptr;
}

std::ostream& Context::out() const {
    return json_ ? null_stream() : std::cout;
}

std::ostream& Context::err() const {
    return json_ ? std::cerr : std::cout;
}

void Context::print_failures(const RunResult& run) const {
    const std::size_t failed = run.failed();
    if (failed == 0) return;
    constexpr std::size_t kShown = 5;
    std::ostream& o = err();
    o << "  FAILED: " << failed << " of " << run.records.size() << " requests (" << run.strategy
      << ")\n";
    std::size_t shown = 0;
    for (const RequestRecord& r : run.records) {
        if (r.ok) continue;
        if (shown++ == kShown) {
            o << "    ... and " << failed - kShown << " more\n";
            break;
        }
        o << wrap("#" + std::to_string(r.index) + " " + short_url(r.url, 40) + ": " + r.error, 78,
                  "    ");
    }
    o.flush();
}

void Context::say(const std::string& text, const std::string& indent) const {
    out() << wrap(text, 78, indent);
}

void Context::bullet(const std::string& text) const {
    std::string wrapped = wrap(text, 78, "  ");
    if (wrapped.size() >= 2) wrapped.replace(0, 2, "- ");
    out() << wrapped;
}

// ---- Command line ----------------------------------------------------------------------

void add_output_options(CLI::App& command, Invocation& invocation) {
    command.add_flag("--json", invocation.json,
                     "Print the measurements as one JSON object instead of tables");
    command.add_option("--csv", invocation.csv_path,
                       "Also write one row per request and repeat to FILE (for pandas)");
    command.add_option("--trace", invocation.trace.json_path,
                       "Record what the loop did; write it to FILE.json (Chrome trace format: "
                       "open it in https://ui.perfetto.dev or chrome://tracing)");
    command.add_flag("--timeline", invocation.trace.timeline,
                     "Record what the loop did; print a timeline, one row per task or request");
    command.add_option("--svg", invocation.trace.svg_path,
                       "Record what the loop did; draw the timeline to FILE.svg");
}

void add_quick_flag(CLI::App& command, bool& quick) {
    command.add_flag("--quick", quick,
                     "Small sizes (what `all --quick` runs): a smoke run for tests, slow machines "
                     "and classrooms; options given explicitly win");
}

Given given_on(const CLI::App& command) {
    return [&command](const char* option) { return command.count(option) > 0; };
}

void run_demo(Invocation& invocation, const std::function<DemoResult(const Context&)>& demo) {
    std::unique_ptr<CsvWriter> csv;
    if (!invocation.csv_path.empty()) csv = std::make_unique<CsvWriter>(invocation.csv_path);
    std::unique_ptr<DemoTrace> trace;
    if (invocation.trace.any()) trace = std::make_unique<DemoTrace>(invocation.trace);
    const Context context(invocation.json, csv.get(), trace.get());
    invocation.result = demo(context);
    invocation.ran = true;
    // With --json, stdout is the JSON object alone: the timeline and notes go to stderr.
    std::ostream& text = invocation.json ? std::cerr : std::cout;
    if (trace) trace->finish(text, text);
    if (csv && !invocation.json) {
        std::cout << "\nwrote " << csv->rows() << " rows to " << invocation.csv_path << "\n";
    }
}

}  // namespace looplab::demos
