// runtime/observe/trace_recorder.hpp: a Tracer that keeps every event in memory, for the exporters.
//
// asyncio: none; the model is a Chrome trace buffer (chrome://tracing records, then exports).
//
// Thread-safe: the loop thread and executor workers record into one vector under a mutex.
// A mutex is the simple choice and costs nothing while tracing is off (nobody calls record);
// while tracing is on, one uncontended lock per event is small next to the event's own
// strings. Threads are numbered in the order they first record (0 is usually the loop's)
// and can be given names ("loop", "worker 1") for the exporters' thread tracks.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/observe/tracer.hpp"

namespace looplab {

class TraceRecorder final : public Tracer {
public:
    TraceRecorder();

    // Records `event`, stamping event.thread with this thread's number.
    void record(TraceEvent event) override;

    // Names the calling thread's track (call from that thread). Unnamed threads are
    // "thread N" in exports.
    void name_this_thread(std::string name);

    // A copy of everything recorded so far, in recording order.
    std::vector<TraceEvent> events() const;
    // Thread number -> name, for every thread that recorded or was named.
    std::map<std::uint32_t, std::string> thread_names() const;
    // trace_now() when the recorder was made: exporters show times relative to it.
    std::int64_t origin_ns() const { return origin_ns_; }
    void clear();

private:
    std::uint32_t thread_number_locked();

    mutable std::mutex mutex_;
    std::vector<TraceEvent> events_;
    std::map<std::thread::id, std::uint32_t> thread_numbers_;
    std::map<std::uint32_t, std::string> thread_names_;
    std::int64_t origin_ns_;
};

}  // namespace looplab
