// runtime/trace/trace_lane.cpp: make_lane, a TraceRecorder's contents as one TraceLane (see
// trace_export.hpp).
#include <utility>

#include "runtime/observe/trace_recorder.hpp"
#include "runtime/trace/trace_export.hpp"

namespace looplab {

TraceLane make_lane(const TraceRecorder& recorder, std::string title) {
    TraceLane lane;
    lane.title = std::move(title);
    lane.events = recorder.events();
    lane.thread_names = recorder.thread_names();
    lane.origin_ns = recorder.origin_ns();
    return lane;
}

}  // namespace looplab
