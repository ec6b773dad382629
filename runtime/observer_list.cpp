// runtime/observer_list.cpp: see observer_list.hpp (why removal waits for depth 0).
#include "runtime/observer_list.hpp"

#include <algorithm>
#include <utility>

namespace looplab::detail {

void ObserverList::add(LoopObserver* observer) {
    if (!observer || contains(observer)) return;
    entries_.push_back({observer, nullptr});
    ++live_;
}

void ObserverList::add(std::unique_ptr<LoopObserver> observer) {
    if (!observer || contains(observer.get())) return;
    LoopObserver* raw = observer.get();
    entries_.push_back({raw, std::move(observer)});
    ++live_;
}

bool ObserverList::remove(const LoopObserver* observer) {
    for (Entry& e : entries_) {
        if (e.observer != observer || !observer) continue;
        e.observer = nullptr;
        if (e.owned) retired_.push_back(std::move(e.owned));
        --live_;
        blanks_ = true;
        if (depth_ == 0) compact();
        return true;
    }
    return false;
}

bool ObserverList::contains(const LoopObserver* observer) const {
    return observer && std::any_of(entries_.begin(), entries_.end(),
                                   [&](const Entry& e) { return e.observer == observer; });
}

void ObserverList::compact() {
    if (blanks_) {
        std::erase_if(entries_, [](const Entry& e) { return e.observer == nullptr; });
        blanks_ = false;
    }
    retired_.clear();
}

// By index, not by iterator: a hook may add an observer (push_back may reallocate).
template <class Hook>
void ObserverList::each(Hook&& hook) {
    ++depth_;
    for (std::size_t i = 0; i < entries_.size(); ++i) {
        if (LoopObserver* o = entries_[i].observer) hook(*o);
    }
    if (--depth_ == 0 && (blanks_ || !retired_.empty())) compact();
}

void ObserverList::before_iteration(EventLoop& loop) {
    each([&](LoopObserver& o) { o.before_iteration(loop); });
}
void ObserverList::before_poll(EventLoop& loop, std::optional<Duration> timeout) {
    each([&](LoopObserver& o) { o.before_poll(loop, timeout); });
}
void ObserverList::after_poll(EventLoop& loop, const PollRecord& record) {
    each([&](LoopObserver& o) { o.after_poll(loop, record); });
}
void ObserverList::after_phase(EventLoop& loop, LoopPhase phase) {
    each([&](LoopObserver& o) { o.after_phase(loop, phase); });
}
void ObserverList::before_callbacks(EventLoop& loop, std::span<const Handle> handles) {
    each([&](LoopObserver& o) { o.before_callbacks(loop, handles); });
}
void ObserverList::before_callback(EventLoop& loop, const Handle& handle) {
    each([&](LoopObserver& o) { o.before_callback(loop, handle); });
}
void ObserverList::callback_ran(EventLoop& loop, const CallbackRecord& record) {
    each([&](LoopObserver& o) { o.callback_ran(loop, record); });
}
void ObserverList::after_iteration(EventLoop& loop, const IterationRecord& record) {
    each([&](LoopObserver& o) { o.after_iteration(loop, record); });
}
void ObserverList::task_created(TaskBase& task) {
    each([&](LoopObserver& o) { o.task_created(task); });
}
void ObserverList::task_stepped(TaskBase& task, const StepRecord& record) {
    each([&](LoopObserver& o) { o.task_stepped(task, record); });
}
void ObserverList::task_done(TaskBase& task) {
    each([&](LoopObserver& o) { o.task_done(task); });
}

}  // namespace looplab::detail
