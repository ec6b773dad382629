// runtime/timer_heap.cpp: see timer_heap.hpp.
#include "runtime/timer_heap.hpp"

#include <algorithm>

namespace looplab {

void TimerHeap::push(const TimerHandle& handle) {
    handle.state()->owner = this;
    entries_.push_back(Entry{handle.when(), next_seq_++, handle});
    std::push_heap(entries_.begin(), entries_.end(), later);
}

std::optional<TimePoint> TimerHeap::next_deadline() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.front().when;
}

void TimerHeap::pop_top() {
    std::pop_heap(entries_.begin(), entries_.end(), later);
    entries_.back().handle.state()->owner = nullptr;
    entries_.pop_back();
}

void TimerHeap::drop_cancelled_top() {
    while (!entries_.empty() && entries_.front().handle.cancelled()) {
        pop_top();
        --cancelled_;
    }
}

std::optional<Handle> TimerHeap::pop_expired(TimePoint now) {
    drop_cancelled_top();
    if (entries_.empty() || entries_.front().when > now) return std::nullopt;
    Handle h = entries_.front().handle;
    pop_top();
    return h;
}

void TimerHeap::timer_cancelled() noexcept {
    ++cancelled_;
    if (entries_.size() >= kMinSizeToCompact && cancelled_ * 2 > entries_.size()) {
        rebuild_without_cancelled();
    }
}

void TimerHeap::rebuild_without_cancelled() {
    std::erase_if(entries_, [](const Entry& e) {
        if (!e.handle.cancelled()) return false;
        e.handle.state()->owner = nullptr;
        return true;
    });
    std::make_heap(entries_.begin(), entries_.end(), later);
    cancelled_ = 0;
}

void TimerHeap::clear() {
    for (auto& e : entries_) e.handle.state()->owner = nullptr;
    entries_.clear();
    cancelled_ = 0;
}

}  // namespace looplab
