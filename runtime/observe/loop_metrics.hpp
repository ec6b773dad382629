// runtime/observe/loop_metrics.hpp: how busy the loop has been, as a few counters.
//
// asyncio: none built in (people time loop._run_once by hand, or use aiomonitor).
// libuv:   uv_metrics_info (loop_count, events, events_waiting) and uv_metrics_idle_time.
//
//     LoopMetricsObserver metrics;
//     loop.add_observer(&metrics);
//     ...
//     LoopMetrics m = metrics.metrics();
//     m.events_per_wake();      // I/O readiness reported per selector wake-up with news
//     m.idle_time;              // time spent blocked in the selector
//
// An observer (loop_observer.hpp) like the others: it counts from the moment it is installed,
// from the records the loop hands every observer (PollRecord, IterationRecord). Idle time
// needs two clock reads around every selector call; as libuv does with UV_METRICS_IDLE_TIME,
// that is paid only while someone asks, here while this observer (or any other) is installed.
#pragma once

#include <chrono>
#include <cstdint>

#include "runtime/loop_observer.hpp"

namespace looplab {

struct LoopMetrics {
    std::uint64_t iterations = 0;  // run_once calls (uv: loop_count)
    std::uint64_t events = 0;      // ready fds the selector reported, wake-ups included (events)
    std::uint64_t wakes = 0;       // selector calls that returned at least one ready fd
    // Time blocked in the selector (uv_metrics_idle_time).
    std::chrono::nanoseconds idle_time{0};

    // Average ready fds per wake-up with news: near 1 means one connection at a time woke the
    // loop; more means each wake-up found several ready together (the loop batched them).
    double events_per_wake() const {
        return wakes == 0 ? 0.0 : static_cast<double>(events) / static_cast<double>(wakes);
    }
};

class LoopMetricsObserver final : public LoopObserver {
public:
    void after_poll(EventLoop&, const PollRecord& poll) override {
        metrics_.events += poll.events;
        metrics_.wakes += poll.events != 0 ? 1 : 0;
        metrics_.idle_time += std::chrono::nanoseconds(poll.end_ns - poll.start_ns);
    }
    void after_iteration(EventLoop&, const IterationRecord&) override { ++metrics_.iterations; }

    // Everything counted since this observer was installed (or reset).
    const LoopMetrics& metrics() const noexcept { return metrics_; }
    void reset() noexcept { metrics_ = {}; }

private:
    LoopMetrics metrics_;
};

}  // namespace looplab
