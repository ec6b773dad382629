// runtime/observer_list.hpp: the loop's installed observers, told one after another.
//
// asyncio: none (see loop_observer.hpp).
// libuv:   the loop's queues of prepare and check handles, walked once per iteration.
//
// An ObserverList is itself a LoopObserver: the loop holds one, and calls its hooks only while
// it is not empty. Each hook is passed on to every installed observer, in the order they were
// added.
//
// Why removal is deferred. An observer may remove itself from inside one of its own hooks (step
// mode does when its input ends), or remove another observer that comes later in the list.
// Erasing from the vector while a hook walks it would skip or revisit entries, and destroying
// the observer would free the object whose member function is running. So remove() only blanks
// the entry (a blank is skipped from then on), and the list is compacted, and observers the
// loop owned are destroyed, when the outermost hook returns (depth_ back to 0). Adding during
// a hook appends; the walk is by index, so the new observer sees the rest of that hook.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "runtime/loop_observer.hpp"

namespace looplab::detail {

class ObserverList final : public LoopObserver {
public:
    ObserverList() = default;
    ObserverList(const ObserverList&) = delete;
    ObserverList& operator=(const ObserverList&) = delete;

    // Installs `observer` (not owned). Installing one twice is an error the list ignores.
    void add(LoopObserver* observer);
    // Installs an observer the list owns from now on.
    void add(std::unique_ptr<LoopObserver> observer);
    // Uninstalls it (destroying it if owned, once no hook is running). Returns false if it was
    // not installed.
    bool remove(const LoopObserver* observer);
    bool contains(const LoopObserver* observer) const;
    bool empty() const noexcept { return live_ == 0; }

    void before_iteration(EventLoop& loop) override;
    void before_poll(EventLoop& loop, std::optional<Duration> timeout) override;
    void after_poll(EventLoop& loop, const PollRecord& record) override;
    void after_phase(EventLoop& loop, LoopPhase phase) override;
    void before_callbacks(EventLoop& loop, std::span<const Handle> handles) override;
    void before_callback(EventLoop& loop, const Handle& handle) override;
    void callback_ran(EventLoop& loop, const CallbackRecord& record) override;
    void after_iteration(EventLoop& loop, const IterationRecord& record) override;
    void task_created(TaskBase& task) override;
    void task_stepped(TaskBase& task, const StepRecord& record) override;
    void task_done(TaskBase& task) override;

private:
    template <class Hook>
    void each(Hook&& hook);
    void compact();

    struct Entry {
        LoopObserver* observer;  // nullptr once removed, until compacted
        std::unique_ptr<LoopObserver> owned;
    };
    std::vector<Entry> entries_;
    std::vector<std::unique_ptr<LoopObserver>> retired_;  // removed owned ones, freed at depth 0
    std::size_t live_ = 0;                                // entries with an observer
    int depth_ = 0;  // hooks running right now (a hook can trigger another, e.g. a task
                     // created from the exception handler a hook called)
    bool blanks_ = false;
};

}  // namespace looplab::detail
