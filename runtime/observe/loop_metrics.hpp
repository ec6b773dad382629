// runtime/observe/loop_metrics.hpp: how busy the loop has been, as a few counters.
//
// asyncio: none built in (people time loop._run_once by hand, or use aiomonitor).
// libuv:   uv_metrics_info (loop_count, events, events_waiting) and uv_metrics_idle_time.
//
//     LoopMetrics m = loop.metrics();
//     m.events_per_wake();      // I/O readiness reported per selector wake-up with news
//     m.idle_time;              // time spent blocked in the selector (opt-in, see below)
//
// The counters cost nothing extra: the loop counts iterations and ready fds anyway. Idle
// time needs two clock reads around every selector call, so, as libuv does with
// UV_METRICS_IDLE_TIME, it is measured only while a tracer is set or after
// loop.enable_metrics(true); otherwise it stays at zero and idle_time_measured is false.
#pragma once

#include <chrono>
#include <cstdint>

namespace looplab {

struct LoopMetrics {
    std::uint64_t iterations = 0;  // run_once calls so far (uv: loop_count)
    std::uint64_t events = 0;      // ready fds the selector reported, wake-ups included (events)
    std::uint64_t wakes = 0;       // selector calls that returned at least one ready fd
    // Time blocked in the selector while measuring was on (uv_metrics_idle_time).
    std::chrono::nanoseconds idle_time{0};
    bool idle_time_measured = false;  // measuring was on for at least one selector call

    // Average ready fds per wake-up with news: near 1 means one connection at a time woke the
    // loop; more means each wake-up found several ready together (the loop batched them).
    double events_per_wake() const {
        return wakes == 0 ? 0.0 : static_cast<double>(events) / static_cast<double>(wakes);
    }
};

}  // namespace looplab
