// runtime/trace/trace_rows.cpp: see trace_rows.hpp.
#include "runtime/trace/trace_rows.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <utility>

namespace looplab {

namespace {

// A slice on one thread, for "what was running there at time t?".
struct Span {
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::uint64_t id = 0;
};

// Slices of one kind per thread, sorted by start. Slices on one thread of one kind do not
// overlap (a thread runs one task step, or one work item, at a time).
class SpanIndex {
public:
    void add(std::uint32_t thread, Span span) { by_thread_[thread].push_back(span); }
    void sort() {
        for (auto& [thread, spans] : by_thread_) {
            std::sort(spans.begin(), spans.end(),
                      [](const Span& x, const Span& y) { return x.start < y.start; });
        }
    }
    // The id of the slice on `thread` that contains `t`, if any.
    std::optional<std::uint64_t> at(std::uint32_t thread, std::int64_t t) const {
        const auto found = by_thread_.find(thread);
        if (found == by_thread_.end()) return std::nullopt;
        const std::vector<Span>& spans = found->second;
        auto after = std::upper_bound(spans.begin(), spans.end(), t,
                                      [](std::int64_t v, const Span& s) { return v < s.start; });
        if (after == spans.begin()) return std::nullopt;
        const Span& candidate = *std::prev(after);
        if (t > candidate.end) return std::nullopt;
        return candidate.id;
    }

private:
    std::map<std::uint32_t, std::vector<Span>> by_thread_;
};

struct Interval {
    std::int64_t start = 0;
    std::int64_t end = 0;
    RowState state = RowState::waiting;
};

struct TaskInfo {
    std::string name;
    std::optional<std::int64_t> created;
    std::optional<std::int64_t> first_step;
    std::optional<std::int64_t> done;
    std::int64_t first_seen = INT64_MAX;
    std::int64_t last_seen = INT64_MIN;
    std::vector<Interval> intervals;    // steps, executor waits, pool waits
    std::vector<std::size_t> requests;  // indexes into the lane's events
    void saw(std::int64_t start, std::int64_t end) {
        first_seen = std::min(first_seen, start);
        last_seen = std::max(last_seen, end);
    }
};

struct WorkItem {
    std::optional<std::int64_t> queued;
    std::uint32_t queued_thread = 0;
    std::optional<Span> run;
};

std::int64_t end_of(const TraceEvent& e) {
    return e.start_ns + e.duration_ns;
}

// Cuts [start, end] into segments: at each instant the highest-priority interval covering it
// wins, and `background` where none does. A sweep over the interval boundaries with a count
// per state, so a row with many steps costs O(k log k), not O(k^2).
std::vector<RowSegment> flatten(std::int64_t start, std::int64_t end,
                                const std::vector<Interval>& intervals, RowState background) {
    std::vector<std::pair<std::int64_t, int>> edges;  // (time, +/-(state + 1))
    for (const Interval& i : intervals) {
        const std::int64_t s = std::max(start, i.start);
        const std::int64_t e = std::min(end, i.end);
        if (s >= e) continue;
        edges.emplace_back(s, static_cast<int>(i.state) + 1);
        edges.emplace_back(e, -(static_cast<int>(i.state) + 1));
    }
    edges.emplace_back(start, 0);
    edges.emplace_back(end, 0);
    std::sort(edges.begin(), edges.end());
    std::array<int, 4> open{};
    std::vector<RowSegment> segments;
    for (std::size_t k = 0; k < edges.size(); ++k) {
        const auto [time, change] = edges[k];
        if (change > 0) ++open[static_cast<std::size_t>(change - 1)];
        if (change < 0) --open[static_cast<std::size_t>(-change - 1)];
        if (k + 1 == edges.size() || edges[k + 1].first == time) continue;
        RowState state = background;
        for (int s = 3; s >= 0; --s) {
            if (open[static_cast<std::size_t>(s)] > 0) {
                state = static_cast<RowState>(s);
                break;
            }
        }
        const std::int64_t next = edges[k + 1].first;
        if (time < start || next > end) continue;
        if (!segments.empty() && segments.back().state == state) {
            segments.back().end_ns = next;
        } else {
            segments.push_back({time, next, state});
        }
    }
    if (segments.empty()) segments.push_back({start, end, background});
    return segments;
}

std::string label_with_count(const std::string& label, std::size_t more) {
    if (more == 0) return label;
    return label + " (+" + std::to_string(more) + ")";
}

}  // namespace

const char* row_state_name(RowState state) {
    switch (state) {
        case RowState::running:
            return "running";
        case RowState::waiting_thread:
            return "waiting on a thread";
        case RowState::queued:
            return "queued";
        case RowState::waiting:
            return "waiting";
    }
    return "waiting";
}

std::string short_request_name(const std::string& name) {
    const auto scheme = name.find("://");
    if (scheme == std::string::npos) return name;
    const auto space = name.rfind(' ', scheme);
    const auto path = name.find('/', scheme + 3);
    const std::string method = space == std::string::npos ? "" : name.substr(0, space + 1);
    return method + (path == std::string::npos ? "/" : name.substr(path));
}

std::int64_t lane_end_ns(const TraceLane& lane) {
    std::int64_t end = 0;
    for (const TraceEvent& e : lane.events) end = std::max(end, end_of(e) - lane.origin_ns);
    return end;
}

std::vector<TimelineRow> timeline_rows(const TraceLane& lane) {
    const std::vector<TraceEvent>& events = lane.events;
    const std::int64_t origin = lane.origin_ns;

    // Pass 1: what ran where (task steps and work items per thread), and each task's life.
    SpanIndex steps;
    SpanIndex runs;
    std::map<std::uint64_t, TaskInfo> tasks;
    std::map<std::uint64_t, WorkItem> items;
    for (const TraceEvent& e : events) {
        const std::int64_t start = e.start_ns - origin;
        const std::int64_t end = end_of(e) - origin;
        switch (e.kind) {
            case TraceKind::task_created: {
                TaskInfo& t = tasks[e.id];
                t.name = e.name;
                t.created = start;
                t.saw(start, end);
                break;
            }
            case TraceKind::task_step: {
                TaskInfo& t = tasks[e.id];
                if (t.name.empty()) t.name = e.name;
                if (!t.first_step || start < *t.first_step) t.first_step = start;
                t.intervals.push_back({start, end, RowState::running});
                t.saw(start, end);
                steps.add(e.thread, {start, end, e.id});
                break;
            }
            case TraceKind::task_wait:
                tasks[e.id].saw(start, end);
                break;
            case TraceKind::task_done: {
                TaskInfo& t = tasks[e.id];
                t.done = start;
                t.saw(start, end);
                break;
            }
            case TraceKind::executor_queued:
                items[e.id].queued = start;
                items[e.id].queued_thread = e.thread;
                break;
            case TraceKind::executor_run:
                items[e.id].run = Span{start, end, e.id};
                runs.add(e.thread, {start, end, e.id});
                break;
            default:
                break;
        }
    }
    steps.sort();
    runs.sort();

    // Pass 2: who owns each work item and each request.
    std::map<std::uint64_t, std::uint64_t> item_owner;
    for (const auto& [id, item] : items) {
        if (!item.queued) continue;
        const auto owner = steps.at(item.queued_thread, *item.queued);
        if (!owner) continue;
        item_owner[id] = *owner;
        TaskInfo& t = tasks[*owner];
        if (item.run) {
            t.intervals.push_back({*item.queued, item.run->start, RowState::queued});
            t.intervals.push_back({item.run->start, item.run->end, RowState::waiting_thread});
        } else {
            t.intervals.push_back({*item.queued, *item.queued, RowState::queued});
        }
    }
    auto owner_of = [&](std::uint32_t thread, std::int64_t t) -> std::optional<std::uint64_t> {
        if (auto task = steps.at(thread, t)) return task;
        const auto item = runs.at(thread, t);
        if (!item) return std::nullopt;
        const auto owner = item_owner.find(*item);
        if (owner == item_owner.end()) return std::nullopt;
        return owner->second;
    };
    std::vector<TimelineRow> rows;
    std::map<std::uint64_t, std::uint64_t> request_owner;  // request id -> task id
    for (std::size_t k = 0; k < events.size(); ++k) {
        const TraceEvent& e = events[k];
        if (e.kind != TraceKind::http_request) continue;
        const std::int64_t start = e.start_ns - origin;
        const std::int64_t end = end_of(e) - origin;
        if (const auto owner = owner_of(e.thread, start)) {
            tasks[*owner].requests.push_back(k);
            request_owner[e.id] = *owner;
            continue;
        }
        TimelineRow row;
        row.label = short_request_name(e.name);
        row.detail = e.detail;
        row.is_request = true;
        row.start_ns = start;
        row.end_ns = std::max(start, end);
        row.segments = {{row.start_ns, row.end_ns, RowState::running}};
        rows.push_back(std::move(row));
    }
    for (const TraceEvent& e : events) {
        if (e.kind != TraceKind::http_phase || e.name != "pool wait") continue;
        const auto owner = request_owner.find(e.id);
        if (owner == request_owner.end()) continue;
        tasks[owner->second].intervals.push_back(
            {e.start_ns - origin, end_of(e) - origin, RowState::queued});
    }

    // Pass 3: one row per task.
    for (auto& [id, t] : tasks) {
        if (t.first_seen > t.last_seen) continue;  // only named by an item or request
        // Made before tracing began and made no request (the program's main task, when the
        // tracer is installed from inside it): its start is unknown, its row would mislead.
        if (!t.created && t.requests.empty()) continue;
        TimelineRow row;
        row.task_id = id;
        row.start_ns = t.created.value_or(t.first_seen);
        row.end_ns = std::max(row.start_ns, t.done.value_or(t.last_seen));
        row.label = t.name.empty() ? "task " + std::to_string(id) : t.name;
        if (!t.requests.empty()) {
            const TraceEvent& first = events[t.requests.front()];
            row.label = label_with_count(short_request_name(first.name), t.requests.size() - 1);
            row.detail = first.detail;
            row.is_request = true;
        }
        if (t.created && t.first_step && *t.first_step > *t.created) {
            t.intervals.push_back({*t.created, *t.first_step, RowState::queued});
        }
        row.segments = flatten(row.start_ns, row.end_ns, t.intervals, RowState::waiting);
        rows.push_back(std::move(row));
    }
    std::stable_sort(rows.begin(), rows.end(), [](const TimelineRow& x, const TimelineRow& y) {
        return x.start_ns != y.start_ns ? x.start_ns < y.start_ns : x.task_id < y.task_id;
    });
    return rows;
}

}  // namespace looplab
