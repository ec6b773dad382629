// runtime/trace/trace_chrome_json.cpp: write_chrome_trace, the Chrome Trace Event format (see
// trace_export.hpp).
//
// The format ("Trace Event Format", the JSON that chrome://tracing and Perfetto open) is a list
// of events, each with a phase letter: "X" a complete slice (ts + dur) on a thread track, "b" /
// "e" the begin and end of an async slice (matched by cat + id, drawn on a track of their own,
// nested when they overlap properly), "i" an instant, "M" metadata (process and thread names).
//
// Two choices keep the file easy to check and to read by eye:
//   - events are written sorted by timestamp (a stable sort, so at equal times one id's
//     "b"/"e" lines keep the nested order they were made in);
//   - an HTTP phase is clamped to its request's span before writing, so the "b"/"e" pairs of
//     one request always nest, even if two clock reads on different threads disagree by a few
//     nanoseconds.
#include <algorithm>
#include <cstdio>
#include <map>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "runtime/trace/trace_export.hpp"
#include "runtime/trace/trace_text.hpp"

namespace looplab {

namespace {

// One line of the output, with what it is sorted by.
struct Line {
    std::int64_t ts_ns = 0;
    std::string json;
    // At equal ts_ns: smaller first. A complete slice's is minus its duration, so that the
    // longer (enclosing) slice comes first, as nesting needs; other lines keep 0, and their
    // relative order (the stable sort keeps the order they were pushed in).
    std::int64_t tie = 0;
};

std::string micros(std::int64_t ns) {
    char text[40];
    std::snprintf(text, sizeof text, "%.3f", static_cast<double>(ns) / 1000.0);
    return text;
}

const char* kind_name(TraceKind kind) {
    switch (kind) {
        case TraceKind::iteration:
            return "iteration";
        case TraceKind::poll:
            return "poll";
        case TraceKind::callback:
            return "callback";
        case TraceKind::task_created:
            return "task_created";
        case TraceKind::task_step:
            return "task_step";
        case TraceKind::task_wait:
            return "task_wait";
        case TraceKind::task_done:
            return "task_done";
        case TraceKind::executor_queued:
            return "executor_queued";
        case TraceKind::executor_run:
            return "executor_run";
        case TraceKind::executor_returned:
            return "executor_returned";
        case TraceKind::http_request:
            return "http_request";
        case TraceKind::http_phase:
            return "http_phase";
        case TraceKind::loop_state:
            return "loop_state";
        case TraceKind::loop_phase:
            return "loop_phase";
        case TraceKind::interest:
            return "interest";
        case TraceKind::mark:
            return "mark";
    }
    return "event";
}

// The name a slice is shown with: the event's own, else one made from its kind.
std::string display_name(const TraceEvent& e) {
    switch (e.kind) {
        case TraceKind::iteration:
            return "iteration " + std::to_string(e.a);
        case TraceKind::poll:
            return "poll";
        case TraceKind::task_step:
            return "step " + (e.name.empty() ? "task" : e.name);
        case TraceKind::executor_run:
            return "executor item " + std::to_string(e.id);
        case TraceKind::executor_queued:
            return "queued item " + std::to_string(e.id);
        case TraceKind::executor_returned:
            return "returned item " + std::to_string(e.id);
        case TraceKind::task_wait:
            return "wait: " + e.name;
        case TraceKind::task_done:
            return "done " + std::to_string(e.id);
        default:
            return e.name.empty() ? kind_name(e.kind) : e.name;
    }
}

std::string args_of(const TraceEvent& e) {
    std::string args = "{\"kind\":" + detail::json_string(kind_name(e.kind));
    if (e.id != 0) args += ",\"id\":" + std::to_string(e.id);
    args += ",\"a\":" + std::to_string(e.a) + ",\"b\":" + std::to_string(e.b);
    if (e.c != 0) args += ",\"c\":" + std::to_string(e.c);
    if (e.d != 0) args += ",\"d\":" + std::to_string(e.d);
    if (!e.name.empty()) args += ",\"name\":" + detail::json_string(e.name);
    if (!e.detail.empty()) args += ",\"detail\":" + detail::json_string(e.detail);
    if (e.where.line() != 0) {
        args += ",\"where\":" + detail::json_string(std::string(e.where.file_name()) + ":" +
                                                    std::to_string(e.where.line()));
        if (*e.where.function_name()) {
            args += ",\"function\":" + detail::json_string(e.where.function_name());
        }
    }
    // An async slice's "b" carries its own length, so that a reader (the explorer's converter,
    // trace_html_convert.cpp) need not pair it with its "e".
    if (e.kind == TraceKind::http_request || e.kind == TraceKind::http_phase) {
        args += ",\"dur_ns\":" + std::to_string(e.duration_ns);
    }
    return args + "}";
}

// The fields every event has: name, category, phase, process, thread, timestamp.
std::string head(const std::string& name, const char* cat, const char* ph, int pid,
                 std::uint32_t thread, std::int64_t ts_ns) {
    return "{\"name\":" + detail::json_string(name) + ",\"cat\":\"" + cat + "\",\"ph\":\"" + ph +
           "\",\"pid\":" + std::to_string(pid) + ",\"tid\":" + std::to_string(thread + 1) +
           ",\"ts\":" + micros(ts_ns);
}

// Tasks as async slices: from created (or first seen) to done (or last seen).
struct TaskSpan {
    std::string name;
    std::uint32_t thread = 0;
    std::int64_t start = INT64_MAX;
    std::int64_t end = INT64_MIN;
    bool created = false;
    bool done = false;
};

void add_task_slices(std::vector<Line>& lines, const TraceLane& lane, int pid) {
    std::map<std::uint64_t, TaskSpan> tasks;
    for (const TraceEvent& e : lane.events) {
        const bool is_task = e.kind == TraceKind::task_created || e.kind == TraceKind::task_step ||
                             e.kind == TraceKind::task_wait || e.kind == TraceKind::task_done;
        if (!is_task) continue;
        TaskSpan& t = tasks[e.id];
        const std::int64_t start = e.start_ns - lane.origin_ns;
        const std::int64_t end = start + e.duration_ns;
        if (e.kind == TraceKind::task_created) {
            t.name = e.name;
            t.thread = e.thread;
            t.start = start;
            t.created = true;
        } else if (!t.created) {
            t.start = std::min(t.start, start);
            t.thread = e.thread;
        }
        if (t.name.empty() && e.kind == TraceKind::task_step) t.name = e.name;
        if (e.kind == TraceKind::task_done) {
            t.end = start;
            t.done = true;
        } else if (!t.done) {
            t.end = std::max(t.end, end);
        }
    }
    for (const auto& [id, t] : tasks) {
        const std::string name = t.name.empty() ? "task " + std::to_string(id) : t.name;
        const std::string id_field = ",\"id\":" + std::to_string(id);
        const std::int64_t end = std::max(t.start, t.end);
        lines.push_back(
            {t.start, head(name, "task", "b", pid, t.thread, t.start) + id_field + "}"});
        lines.push_back({end, head(name, "task", "e", pid, t.thread, end) + id_field + "}"});
    }
}

// HTTP requests as async slices, their phases nested inside. One request's lines are pushed
// in order (request "b", each phase's "b" and "e", request "e") with timestamps that never go
// back: each phase is clamped into its request and after the previous phase. The stable sort
// by timestamp then keeps that order, so the pairs nest.
void add_request_slices(std::vector<Line>& lines, const TraceLane& lane, int pid) {
    std::map<std::uint64_t, std::vector<const TraceEvent*>> phases;
    std::map<std::uint64_t, const TraceEvent*> requests;
    for (const TraceEvent& e : lane.events) {
        if (e.kind == TraceKind::http_phase) phases[e.id].push_back(&e);
        if (e.kind == TraceKind::http_request) requests.emplace(e.id, &e);
    }
    const auto async_line = [&](const TraceEvent& e, const char* ph, std::int64_t ts) {
        std::string json =
            head(e.name, "http", ph, pid, e.thread, ts) + ",\"id\":" + std::to_string(e.id);
        if (ph[0] == 'b') json += ",\"args\":" + args_of(e);
        lines.push_back({ts, json + "}"});
    };
    for (auto& [id, list] : phases) {
        std::stable_sort(list.begin(), list.end(), [](const TraceEvent* x, const TraceEvent* y) {
            return x->start_ns < y->start_ns;
        });
        const auto request = requests.find(id);
        std::int64_t low = INT64_MIN;
        std::int64_t high = INT64_MAX;
        if (request != requests.end()) {
            const TraceEvent& r = *request->second;
            low = r.start_ns - lane.origin_ns;
            high = low + r.duration_ns;
            async_line(r, "b", low);
        }
        for (const TraceEvent* p : list) {
            const std::int64_t start = std::clamp(p->start_ns - lane.origin_ns, low, high);
            const std::int64_t end = std::clamp(start + p->duration_ns, start, high);
            async_line(*p, "b", start);
            async_line(*p, "e", end);
            low = end;
        }
        if (request != requests.end()) async_line(*request->second, "e", high);
    }
    for (const auto& [id, r] : requests) {
        if (phases.count(id) != 0) continue;  // written above, with its phases
        const std::int64_t start = r->start_ns - lane.origin_ns;
        async_line(*r, "b", start);
        async_line(*r, "e", start + r->duration_ns);
    }
}

// A slice on its thread's track ("X"), or an instant ("i").
Line complete_line(const TraceEvent& e, int pid, std::int64_t ts) {
    return {ts,
            head(display_name(e), kind_name(e.kind), "X", pid, e.thread, ts) +
                ",\"dur\":" + micros(e.duration_ns) + ",\"args\":" + args_of(e) + "}",
            -e.duration_ns};
}

Line instant_line(const TraceEvent& e, int pid, std::int64_t ts) {
    return {ts, head(display_name(e), kind_name(e.kind), "i", pid, e.thread, ts) +
                    ",\"s\":\"t\",\"args\":" + args_of(e) + "}"};
}

void add_thread_slices(std::vector<Line>& lines, const TraceLane& lane, int pid) {
    for (const TraceEvent& e : lane.events) {
        const std::int64_t ts = e.start_ns - lane.origin_ns;
        switch (e.kind) {
            case TraceKind::iteration:
            case TraceKind::poll:
            case TraceKind::callback:
            case TraceKind::task_step:
            case TraceKind::executor_run:
                lines.push_back(complete_line(e, pid, ts));
                break;
            case TraceKind::mark:
                lines.push_back(e.duration_ns > 0 ? complete_line(e, pid, ts)
                                                  : instant_line(e, pid, ts));
                break;
            case TraceKind::loop_state:
            case TraceKind::loop_phase:
            case TraceKind::interest:
            case TraceKind::task_created:
            case TraceKind::task_wait:
            case TraceKind::task_done:
            case TraceKind::executor_queued:
            case TraceKind::executor_returned:
                lines.push_back(instant_line(e, pid, ts));
                break;
            case TraceKind::http_request:
            case TraceKind::http_phase:
                break;  // async slices (add_request_slices)
        }
    }
}

}  // namespace

void write_chrome_trace(std::ostream& out, const std::vector<TraceLane>& lanes) {
    std::vector<std::string> metadata;
    std::vector<Line> lines;
    for (std::size_t k = 0; k < lanes.size(); ++k) {
        const TraceLane& lane = lanes[k];
        const int pid = static_cast<int>(k) + 1;
        metadata.push_back(
            "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
            ",\"args\":{\"name\":" + detail::json_string(lane.title) + "}}");
        metadata.push_back(
            "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":" + std::to_string(pid) +
            ",\"args\":{\"sort_index\":" + std::to_string(pid) + "}}");
        for (const auto& [thread, name] : lane.thread_names) {
            metadata.push_back("{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":" +
                               std::to_string(pid) + ",\"tid\":" + std::to_string(thread + 1) +
                               ",\"args\":{\"name\":" + detail::json_string(name) + "}}");
        }
        std::vector<Line> lane_lines;
        add_task_slices(lane_lines, lane, pid);
        add_request_slices(lane_lines, lane, pid);
        add_thread_slices(lane_lines, lane, pid);
        for (Line& l : lane_lines) lines.push_back(std::move(l));
    }
    // Timestamps increase through the file. Stable: at one instant, lines keep the order they
    // were pushed in, which is what keeps one id's "b"/"e" pairs nested.
    std::stable_sort(lines.begin(), lines.end(), [](const Line& x, const Line& y) {
        return x.ts_ns != y.ts_ns ? x.ts_ns < y.ts_ns : x.tie < y.tie;
    });
    out << "{\"displayTimeUnit\":\"ms\",\"traceEvents\":[\n";
    bool first = true;
    for (const std::string& m : metadata) {
        out << (first ? "" : ",\n") << m;
        first = false;
    }
    for (const Line& l : lines) {
        out << (first ? "" : ",\n") << l.json;
        first = false;
    }
    out << "\n]}\n";
}

}  // namespace looplab
