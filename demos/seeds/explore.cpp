// demos/seeds/explore.cpp: `looplab-demo explore TRACE.json -o PAGE.html`, the loop explorer
// page (runtime/trace/trace_html.cpp) from a file that --trace wrote earlier.
// Lesson: docs/explorer.md
//
// asyncio: none; the model is Perfetto's "open trace file": record once, look at it later,
//          on another machine, as many times as wanted.
//
// Why read the Chrome trace back instead of a format of our own: --trace already writes every
// event with its numbers in "args" (kind, id, a, b, c, d, name, detail, where: see
// trace_chrome_json.cpp), so that file is enough to rebuild the TraceEvents, and a student who
// recorded a run for Perfetto can make the page from the same file. Timestamps come back as
// the file's microseconds (three decimals: nanoseconds), each lane's origin at 0. Task "b"/"e"
// slices and every "e" are skipped: the instants and slices they summarise are in the file.
#include <CLI/CLI.hpp>
#include <cmath>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "demos/seeds/demo.hpp"
#include "runtime/trace/trace_export.hpp"

namespace looplab::demos {

namespace {

const std::map<std::string, TraceKind>& kinds() {
    static const std::map<std::string, TraceKind> map{
        {"iteration", TraceKind::iteration},
        {"poll", TraceKind::poll},
        {"callback", TraceKind::callback},
        {"loop_state", TraceKind::loop_state},
        {"loop_phase", TraceKind::loop_phase},
        {"interest", TraceKind::interest},
        {"task_created", TraceKind::task_created},
        {"task_step", TraceKind::task_step},
        {"task_wait", TraceKind::task_wait},
        {"task_done", TraceKind::task_done},
        {"executor_queued", TraceKind::executor_queued},
        {"executor_run", TraceKind::executor_run},
        {"executor_returned", TraceKind::executor_returned},
        {"http_request", TraceKind::http_request},
        {"http_phase", TraceKind::http_phase},
        {"mark", TraceKind::mark}};
    return map;
}

std::int64_t ns_of(const nlohmann::json& micros) {
    return static_cast<std::int64_t>(std::llround(micros.get<double>() * 1000.0));
}

// The lanes of a Chrome trace, and the strings their SourceLocations point into.
class TraceReader {
public:
    explicit TraceReader(const nlohmann::json& trace) {
        if (!trace.is_object() || !trace.contains("traceEvents") ||
            !trace["traceEvents"].is_array()) {
            throw std::runtime_error("not a Chrome trace (no \"traceEvents\" array)");
        }
        for (const nlohmann::json& e : trace["traceEvents"]) read(e);
        if (lanes_.empty()) throw std::runtime_error("the trace holds no looplab events");
    }

    std::vector<TraceLane> lanes() const {
        std::vector<TraceLane> out;
        for (const auto& [pid, lane] : lanes_) out.push_back(lane);
        return out;
    }

private:
    void read(const nlohmann::json& e) {
        const std::string ph = e.value("ph", "");
        const int pid = e.value("pid", 0);
        if (ph == "M") return read_metadata(e, pid);
        if (ph != "X" && ph != "i" && ph != "b") return;
        if (!e.contains("args") || !e["args"].contains("kind")) return;  // task "b": a summary
        const nlohmann::json& args = e["args"];
        const auto kind = kinds().find(args["kind"].get<std::string>());
        if (kind == kinds().end()) return;
        TraceEvent event;
        event.kind = kind->second;
        event.start_ns = ns_of(e.at("ts"));
        event.duration_ns = ph == "X"   ? ns_of(e.value("dur", nlohmann::json(0.0)))
                            : ph == "b" ? args.value("dur_ns", std::int64_t{0})
                                        : 0;
        event.thread = static_cast<std::uint32_t>(std::max(1, e.value("tid", 1)) - 1);
        event.id = args.value("id", std::uint64_t{0});
        event.a = args.value("a", std::int64_t{0});
        event.b = args.value("b", std::int64_t{0});
        event.c = args.value("c", std::int64_t{0});
        event.d = args.value("d", std::int64_t{0});
        event.name = args.value("name", e.value("name", std::string()));
        event.detail = args.value("detail", std::string());
        event.where = where_of(args);
        lane(pid).events.push_back(std::move(event));
    }

    void read_metadata(const nlohmann::json& e, int pid) {
        const std::string name = e.value("name", "");
        const std::string value = e.contains("args") ? e["args"].value("name", "") : "";
        if (name == "process_name") lane(pid).title = value;
        if (name == "thread_name") {
            const int tid = e.value("tid", 1);
            lane(pid).thread_names[static_cast<std::uint32_t>(std::max(1, tid) - 1)] = value;
        }
    }

    // "dir/app.cpp:12" (and "function") back into a SourceLocation over kept strings.
    SourceLocation where_of(const nlohmann::json& args) {
        if (!args.contains("where")) return {};
        const std::string where = args["where"].get<std::string>();
        const std::size_t colon = where.rfind(':');
        if (colon == std::string::npos) return {};
        const std::string& file = strings_.emplace_back(where.substr(0, colon));
        const std::string& function = strings_.emplace_back(args.value("function", ""));
        const unsigned line = static_cast<unsigned>(std::stoul(where.substr(colon + 1)));
        return SourceLocation::current(file.c_str(), line, function.c_str());
    }

    TraceLane& lane(int pid) { return lanes_[pid]; }

    std::map<int, TraceLane> lanes_;  // by pid: the order --trace wrote them in
    // Where each SourceLocation's text lives (a deque never moves what it holds). Shared with
    // the caller, who keeps it while the lanes are in use.
    std::deque<std::string> strings_;
};

void explore(const std::string& trace_path, const std::string& page_path,
             const std::string& title) {
    std::ifstream in(trace_path);
    if (!in) throw std::runtime_error("cannot read " + trace_path);
    nlohmann::json trace;
    try {
        trace = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(trace_path + " is not JSON: " + e.what());
    }
    std::vector<TraceLane> lanes;
    std::size_t events = 0;
    try {
        // The reader owns the strings the lanes' SourceLocations point into: it lives until
        // the page is written.
        const TraceReader reader(trace);
        lanes = reader.lanes();
        for (const TraceLane& lane : lanes) events += lane.events.size();
        std::ofstream out(page_path, std::ios::binary | std::ios::trunc);
        if (!out) throw std::runtime_error("cannot write " + page_path);
        ExplorerOptions options;
        options.title = title.empty() ? "looplab: the loop explorer of " + trace_path : title;
        write_html_explorer(out, lanes, options);
        out.close();
        if (!out) throw std::runtime_error("error writing " + page_path);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error(trace_path + " is not a looplab trace: " + e.what());
    }
    std::cout << "wrote the loop explorer of " << lanes.size()
              << (lanes.size() == 1 ? " run" : " runs") << " (" << events << " events) to "
              << page_path << " (open it in a browser: it needs no network)\n";
}

}  // namespace

void add_explore_command(CLI::App& app, Invocation& invocation) {
    struct Paths {
        std::string trace;
        std::string page = "explorer.html";
        std::string title;
    };
    auto paths = std::make_shared<Paths>();
    CLI::App* command = app.add_subcommand(
        "explore", "The loop explorer page (one self-contained HTML file) from a --trace file");
    command->add_option("trace", paths->trace, "A Chrome trace written by --trace FILE.json")
        ->required();
    command->add_option("-o,--output", paths->page, "The page to write")->capture_default_str();
    command->add_option("--title", paths->title, "The page's heading");
    command->callback([paths, &invocation] {
        explore(paths->trace, paths->page, paths->title);
        invocation.ran = true;
    });
}

}  // namespace looplab::demos
