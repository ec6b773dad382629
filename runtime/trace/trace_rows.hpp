// runtime/trace/trace_rows.hpp: the rows a timeline draws: one per task or request, each cut into
// segments by state (running, waiting, waiting on a thread, queued).
//
// asyncio: a task's states (pending and scheduled, running its __step, or waiting on its
//          _fut_waiter); what asyncio's debug mode and aiomonitor print as text.
// libuv:   none.
//
// Why a model of its own: the terminal and SVG exporters draw the same thing at different
// resolutions, so the hard part (which task owns which request, what a task was doing when)
// is done once, here, and tested once.
//
// How events become rows (all from the TraceEvent contract in tracer.hpp):
//   - A task's row runs from task_created (or its first event) to task_done (or its last). A
//     task whose creation was not recorded (made before the tracer was installed) only gets a
//     row if it made a request: otherwise its row would start at an arbitrary point.
//   - An http_request belongs to the task whose task_step, on the same thread, was running when
//     the request began. A request that began on an executor worker belongs to the task that
//     queued that work item (the task whose step was running at its executor_queued instant).
//     A task that owns a request is labelled by it. A request no task owns (a blocking call on
//     a plain thread) gets a row of its own, all of it "running": its thread was held.
//   - Within a task's row, state by priority: running during its steps; waiting on a thread
//     while its work item runs on a worker; queued from creation to its first step, while its
//     work item waits for a free worker, and during an HTTP "pool wait"; waiting otherwise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/trace/trace_export.hpp"

namespace looplab {

// Ordered by drawing priority: where two states overlap, the later one is drawn.
enum class RowState : std::uint8_t { waiting, queued, waiting_thread, running };

// "running", "waiting", "waiting on a thread", "queued".
const char* row_state_name(RowState state);

struct RowSegment {
    std::int64_t start_ns = 0;  // since the lane's origin
    std::int64_t end_ns = 0;
    RowState state = RowState::waiting;
};

struct TimelineRow {
    std::string label;          // "GET /delay/100" (host dropped) or the task's name
    std::string detail;         // the request's status or error; empty for a task without request
    bool is_request = false;    // the row shows an http_request
    std::uint64_t task_id = 0;  // 0: a request no task owns
    std::int64_t start_ns = 0;  // since the lane's origin
    std::int64_t end_ns = 0;
    // Sorted, contiguous, non-overlapping, covering [start_ns, end_ns].
    std::vector<RowSegment> segments;
};

// The lane's rows, ordered by start time (then task id).
std::vector<TimelineRow> timeline_rows(const TraceLane& lane);

// The end of the lane's last event, since its origin (0 for an empty lane).
std::int64_t lane_end_ns(const TraceLane& lane);

// "GET http://host:80/a/b" -> "GET /a/b": rows share one host, the path is what differs.
std::string short_request_name(const std::string& name);

}  // namespace looplab
