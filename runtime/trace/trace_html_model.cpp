// runtime/trace/trace_html_model.cpp: explorer_json, the loop explorer's data: recorded events
// regrouped by iteration, task, request and work item (see trace_export.hpp).
//
// asyncio: none; what it replays is what step mode (runtime/observe/step_mode.hpp) prints live,
//          one iteration of _run_once at a time, phase by phase.
// libuv:   none (uv_metrics_info counts; it does not describe).
//
// Why regroup here and not in the page's script: the page stays a viewer (it looks things up,
// it does not rebuild a run from a flat event list), and the grouping is C++ that the tests
// check. Each event belongs to the iteration whose span holds its start (iterations tile the
// loop thread's time; an event before the first belongs to the first), so events from worker
// threads land in the iteration the loop was in when they happened.
//
// The shape (times are microseconds since the lane's origin; arrays instead of objects where
// an iteration has many entries, to keep a long run's page small):
//
//   {"title", "lanes": [{"title", "note",
//     "iterations": [{"n", "t", "d", "k" (what it did: poll, io, timers, threads, callbacks,
//                     idle), "cbn" (callbacks run),
//                     and unless summarised: "poll": [timeout or -1, blocked, events],
//                     "state": [ready, timers, next deadline or -1, fds],
//                     "phases": [[phase, moved, "items\n..."], ...],
//                     "cb": [[words, where, task id, duration], ...],
//                     "interest": [[fd, before, now], ...]}],
//     "tasks": [{"id", "name", "where", "events": [[t, iteration, what, words], ...],
//                "its": [iterations]}],
//     "requests": [{"id", "name", "detail", "t", "d", "phases": [[name, t, d, detail], ...],
//                   "its": [...]}],
//     "workers": ["worker 1", ...],
//     "items": [{"id", "queued", "queue", "start", "d", "worker", "returned", "its"}]}]}
//
// Size: a page must stay small enough to mail (the issue: under 2 MB for `compare`). Every
// iteration keeps its summary (the timeline draws them all); once a lane's details pass
// kDetailBudget bytes, later iterations keep only the summary, an iteration lists at most
// kCallbacksListed callbacks, and the lane's "note" says so on the page.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "runtime/observe/words.hpp"
#include "runtime/trace/trace_export.hpp"
#include "runtime/trace/trace_text.hpp"

namespace looplab {

namespace {

constexpr std::size_t kCallbacksListed = 40;

// "12.5": nanoseconds as microseconds with one decimal, without a trailing ".0".
std::string us(std::int64_t ns) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f", static_cast<double>(ns) / 1000.0);
    std::string s = text;
    if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0) s.resize(s.size() - 2);
    return s;
}

// "app.cpp:12 in main_coro" (words.hpp), or "" where nothing was recorded.
std::string where_of(const SourceLocation& where) {
    return where.line() == 0 ? std::string() : observe::site_text(where);
}

std::string q(const std::string& text) {
    return detail::json_string(text);
}

template <class T>
std::string number_list(const T& values) {
    std::string out = "[";
    for (const auto& v : values) {
        if (out.size() > 1) out += ',';
        out += std::to_string(v);
    }
    return out + "]";
}

// The iterations' start times, to find the iteration an event belongs to.
class IterationIndex {
public:
    explicit IterationIndex(std::vector<std::int64_t> starts) : starts_(std::move(starts)) {}
    std::size_t size() const { return starts_.size(); }
    // The iteration whose span holds `t` (the first for anything before it).
    std::size_t at(std::int64_t t) const {
        const auto it = std::upper_bound(starts_.begin(), starts_.end(), t);
        return it == starts_.begin() ? 0 : static_cast<std::size_t>(it - starts_.begin() - 1);
    }

private:
    std::vector<std::int64_t> starts_;
};

struct Iteration {
    const TraceEvent* self = nullptr;
    const TraceEvent* poll = nullptr;
    const TraceEvent* state = nullptr;
    std::vector<const TraceEvent*> phases;
    std::vector<const TraceEvent*> callbacks;
    std::vector<const TraceEvent*> interest;
};

struct TaskEntry {
    std::string name;
    std::string where;
    std::vector<std::string> events;  // [t, iteration, what, words]
    std::set<std::size_t> its;
};

struct RequestEntry {
    const TraceEvent* request = nullptr;
    std::vector<const TraceEvent*> phases;
    std::set<std::size_t> its;
};

struct ItemEntry {
    const TraceEvent* queued = nullptr;
    const TraceEvent* run = nullptr;
    const TraceEvent* returned = nullptr;
    std::set<std::size_t> its;
};

// What an iteration mostly did: the colour of its bar.
const char* kind_of(const Iteration& it) {
    std::int64_t moved[6] = {0, 0, 0, 0, 0, 0};
    for (const TraceEvent* p : it.phases) {
        if (p->a >= 2 && p->a <= 5) moved[p->a] = p->b;
    }
    const std::int64_t d = it.self->duration_ns;
    if (it.poll && it.poll->a != 0 && it.poll->duration_ns * 2 >= d) return "poll";
    if (moved[3] > 0) return "io";
    if (moved[5] > 0) return "timers";
    if (moved[4] > 0) return "threads";
    if (!it.callbacks.empty() || it.self->b > 0) return "callbacks";
    return "idle";
}

class LaneModel {
public:
    LaneModel(const TraceLane& lane, const ExplorerOptions& options)
        : lane_(lane), options_(options), index_(iteration_starts(lane)) {
        iterations_.resize(index_.size());
        for (const TraceEvent& e : lane_.events) place(e);
    }

    std::string json() const {
        std::string out = "{\"title\":" + q(lane_.title);
        std::string iterations;
        std::size_t summarised_from = iterations_.size();
        for (std::size_t i = 0; i < iterations_.size(); ++i) {
            const bool detailed = iterations.size() < options_.detail_budget_bytes;
            if (!detailed && summarised_from == iterations_.size()) summarised_from = i;
            iterations += (i ? "," : "") + iteration_json(iterations_[i], detailed);
        }
        out += ",\"note\":" + q(note(summarised_from));
        out += ",\"iterations\":[" + iterations + "]";
        out += ",\"tasks\":[" + tasks_json() + "]";
        out += ",\"requests\":[" + requests_json() + "]";
        out += ",\"workers\":[" + workers_json() + "]";
        out += ",\"items\":[" + items_json() + "]";
        return out + "}";
    }

private:
    static IterationIndex iteration_starts(const TraceLane& lane) {
        std::vector<std::int64_t> starts;
        for (const TraceEvent& e : lane.events) {
            if (e.kind == TraceKind::iteration) starts.push_back(e.start_ns);
        }
        std::sort(starts.begin(), starts.end());
        return IterationIndex(std::move(starts));
    }

    std::int64_t rel(std::int64_t ns) const { return ns - lane_.origin_ns; }

    // A run without loop iterations (the blocking client's) still lists its requests and
    // work items; they then touch no iteration.
    void place(const TraceEvent& e) {
        if (iterations_.empty()) {
            if (e.kind == TraceKind::http_request || e.kind == TraceKind::http_phase) {
                place_request(e);
            }
            return;
        }
        const std::size_t i = index_.at(e.start_ns);
        Iteration& it = iterations_[i];
        switch (e.kind) {
            case TraceKind::iteration:
                iterations_[index_.at(e.start_ns)].self = &e;
                break;
            case TraceKind::poll:
                it.poll = &e;
                break;
            case TraceKind::loop_state:
                it.state = &e;
                break;
            case TraceKind::loop_phase:
                it.phases.push_back(&e);
                break;
            case TraceKind::callback:
                it.callbacks.push_back(&e);
                if (e.c != 0) tasks_[static_cast<std::uint64_t>(e.c)].its.insert(i);
                break;
            case TraceKind::interest:
                it.interest.push_back(&e);
                break;
            case TraceKind::task_created:
            case TraceKind::task_step:
            case TraceKind::task_wait:
            case TraceKind::task_done:
                place_task(e, i);
                break;
            case TraceKind::executor_queued:
            case TraceKind::executor_run:
            case TraceKind::executor_returned:
                place_item(e, i);
                break;
            case TraceKind::http_request:
            case TraceKind::http_phase:
                place_request(e);
                break;
            case TraceKind::mark:
                break;
        }
    }

    void place_task(const TraceEvent& e, std::size_t i) {
        TaskEntry& t = tasks_[e.id];
        t.its.insert(i);
        std::string what;
        std::string words;
        switch (e.kind) {
            case TraceKind::task_created:
                t.name = e.name;
                t.where = where_of(e.where);
                what = "created";
                break;
            case TraceKind::task_step:
                if (t.name.empty()) t.name = e.name;
                what = "step";
                words = us(e.duration_ns);
                break;
            case TraceKind::task_wait:
                what = "wait";
                words = e.name;
                break;
            case TraceKind::task_done:
                what = "done";
                words = e.a == 0 ? "result" : e.a == 1 ? "cancelled" : "exception";
                break;
            default:
                break;
        }
        t.events.push_back("[" + us(rel(e.start_ns)) + "," + std::to_string(i) + "," + q(what) +
                           "," + q(words) + "]");
    }

    void place_item(const TraceEvent& e, std::size_t i) {
        ItemEntry& item = items_[e.id];
        item.its.insert(i);
        if (e.kind == TraceKind::executor_queued) item.queued = &e;
        if (e.kind == TraceKind::executor_returned) item.returned = &e;
        if (e.kind == TraceKind::executor_run) {
            item.run = &e;
            item.its.insert(index_.at(e.start_ns + e.duration_ns));
            workers_.insert(e.thread);
        }
    }

    void place_request(const TraceEvent& e) {
        RequestEntry& r = requests_[e.id];
        if (e.kind == TraceKind::http_request) r.request = &e;
        if (e.kind == TraceKind::http_phase) r.phases.push_back(&e);
        if (index_.size() == 0) return;
        r.its.insert(index_.at(e.start_ns));
        r.its.insert(index_.at(e.start_ns + e.duration_ns));
    }

    std::string note(std::size_t summarised_from) const {
        if (summarised_from >= iterations_.size()) return "";
        return "Summarised to keep this page small: iterations from #" +
               std::to_string(summarised_from) + " on (of " + std::to_string(iterations_.size()) +
               ") show their duration and colour only, not their phases.";
    }

    std::string iteration_json(const Iteration& it, bool detailed) const {
        const TraceEvent& self = *it.self;
        std::string out = "{\"n\":" + std::to_string(self.a) + ",\"t\":" + us(rel(self.start_ns)) +
                          ",\"d\":" + us(self.duration_ns) + ",\"k\":\"" + kind_of(it) +
                          "\",\"cbn\":" + std::to_string(self.b);
        if (!detailed) return out + "}";
        if (it.poll) {
            const std::string timeout = it.poll->a < 0 ? "-1" : us(it.poll->a);
            out += ",\"poll\":[" + timeout + "," + us(it.poll->duration_ns) + "," +
                   std::to_string(it.poll->b) + "]";
        }
        if (it.state) {
            const std::string next = it.state->c < 0 ? "-1" : us(it.state->c);
            out += ",\"state\":[" + std::to_string(it.state->a) + "," +
                   std::to_string(it.state->b) + "," + next + "," + std::to_string(it.state->d) +
                   "]";
        }
        out += ",\"phases\":[";
        for (std::size_t k = 0; k < it.phases.size(); ++k) {
            const TraceEvent& p = *it.phases[k];
            out += (k ? ",[" : "[") + std::to_string(p.a) + "," + std::to_string(p.b) + "," +
                   q(p.detail) + "]";
        }
        out += "],\"cb\":[";
        for (std::size_t k = 0; k < it.callbacks.size() && k < kCallbacksListed; ++k) {
            const TraceEvent& c = *it.callbacks[k];
            out += (k ? ",[" : "[") + q(c.name) + "," + q(where_of(c.where)) + "," +
                   std::to_string(c.c) + "," + us(c.duration_ns) + "]";
        }
        out += "],\"interest\":[";
        for (std::size_t k = 0; k < it.interest.size(); ++k) {
            const TraceEvent& c = *it.interest[k];
            out += (k ? ",[" : "[") + std::to_string(c.a) + "," + std::to_string(c.c) + "," +
                   std::to_string(c.b) + "]";
        }
        return out + "]}";
    }

    std::string tasks_json() const {
        std::string out;
        for (const auto& [id, t] : tasks_) {
            if (t.events.empty()) continue;  // only callbacks named it: not a task we saw
            if (!out.empty()) out += ',';
            std::string events;
            for (const std::string& e : t.events) events += (events.empty() ? "" : ",") + e;
            const std::string name = t.name.empty() ? "task " + std::to_string(id) : t.name;
            out += "{\"id\":" + std::to_string(id) + ",\"name\":" + q(name) +
                   ",\"where\":" + q(t.where) + ",\"events\":[" + events +
                   "],\"its\":" + number_list(t.its) + "}";
        }
        return out;
    }

    std::string requests_json() const {
        std::string out;
        for (const auto& [id, r] : requests_) {
            if (!out.empty()) out += ',';
            const TraceEvent* head = r.request ? r.request : r.phases.front();
            std::vector<const TraceEvent*> phases = r.phases;
            std::stable_sort(
                phases.begin(), phases.end(),
                [](const TraceEvent* x, const TraceEvent* y) { return x->start_ns < y->start_ns; });
            std::string list;
            for (const TraceEvent* p : phases) {
                list += (list.empty() ? "[" : ",[") + q(p->name) + "," + us(rel(p->start_ns)) +
                        "," + us(p->duration_ns) + "," + q(p->detail) + "]";
            }
            out += "{\"id\":" + std::to_string(id) +
                   ",\"name\":" + q(r.request ? r.request->name : "request " + std::to_string(id)) +
                   ",\"detail\":" + q(r.request ? r.request->detail : "") +
                   ",\"t\":" + us(rel(head->start_ns)) + ",\"d\":" + us(head->duration_ns) +
                   ",\"phases\":[" + list + "],\"its\":" + number_list(r.its) + "}";
        }
        return out;
    }

    std::string thread_name(std::uint32_t thread) const {
        const auto it = lane_.thread_names.find(thread);
        return it != lane_.thread_names.end() ? it->second : "thread " + std::to_string(thread);
    }

    std::string workers_json() const {
        std::string out;
        for (std::uint32_t w : workers_) out += (out.empty() ? "" : ",") + q(thread_name(w));
        return out;
    }

    std::string items_json() const {
        std::string out;
        const auto time = [&](const TraceEvent* e) {
            return e ? us(rel(e->start_ns)) : std::string("-1");
        };
        for (const auto& [id, item] : items_) {
            if (!out.empty()) out += ',';
            out += "{\"id\":" + std::to_string(id) + ",\"queued\":" + time(item.queued) +
                   ",\"queue\":" + std::to_string(item.queued ? item.queued->a : 0) +
                   ",\"start\":" + time(item.run) +
                   ",\"d\":" + us(item.run ? item.run->duration_ns : 0) +
                   ",\"worker\":" + q(item.run ? thread_name(item.run->thread) : "") +
                   ",\"returned\":" + time(item.returned) + ",\"its\":" + number_list(item.its) +
                   "}";
        }
        return out;
    }

    const TraceLane& lane_;
    const ExplorerOptions& options_;
    IterationIndex index_;
    std::vector<Iteration> iterations_;
    std::map<std::uint64_t, TaskEntry> tasks_;
    std::map<std::uint64_t, RequestEntry> requests_;
    std::map<std::uint64_t, ItemEntry> items_;
    std::set<std::uint32_t> workers_;
};

}  // namespace

std::string explorer_json(const std::vector<TraceLane>& lanes, const ExplorerOptions& options) {
    std::string out = "{\"title\":" + q(options.title) + ",\"lanes\":[";
    // The detail budget is shared: each lane gets its part of it.
    ExplorerOptions per_lane = options;
    per_lane.detail_budget_bytes =
        options.detail_budget_bytes / std::max<std::size_t>(1, lanes.size());
    for (std::size_t k = 0; k < lanes.size(); ++k) {
        if (k) out += ',';
        out += LaneModel(lanes[k], per_lane).json();
    }
    return out + "]}";
}

}  // namespace looplab
