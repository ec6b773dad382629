// runtime/observe/trace_recorder.cpp: see trace_recorder.hpp.
#include "runtime/observe/trace_recorder.hpp"

#include <utility>

namespace looplab {

TraceRecorder::TraceRecorder() : origin_ns_(trace_now()) {}

std::uint32_t TraceRecorder::thread_number_locked() {
    auto [it, inserted] = thread_numbers_.try_emplace(
        std::this_thread::get_id(), static_cast<std::uint32_t>(thread_numbers_.size()));
    if (inserted) thread_names_.try_emplace(it->second, "thread " + std::to_string(it->second));
    return it->second;
}

void TraceRecorder::record(TraceEvent event) {
    std::lock_guard lock(mutex_);
    event.thread = thread_number_locked();
    events_.push_back(std::move(event));
}

void TraceRecorder::name_this_thread(std::string name) {
    std::lock_guard lock(mutex_);
    thread_names_[thread_number_locked()] = std::move(name);
}

std::vector<TraceEvent> TraceRecorder::events() const {
    std::lock_guard lock(mutex_);
    return events_;
}

std::map<std::uint32_t, std::string> TraceRecorder::thread_names() const {
    std::lock_guard lock(mutex_);
    return thread_names_;
}

void TraceRecorder::clear() {
    std::lock_guard lock(mutex_);
    events_.clear();
}

}  // namespace looplab
