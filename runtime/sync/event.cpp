// runtime/sync/event.cpp: Event's wait and set (see event.hpp).
#include "runtime/sync/event.hpp"

#include <cstddef>
#include <limits>

#include "runtime/task.hpp"

namespace looplab {

Coro<bool> Event::wait() {
    if (set_) co_return true;
    Future<void> waiter = waiters_.enqueue("Event.wait", /*together=*/true);
    try {
        co_await waiter;
    } catch (const CancelledError&) {
        waiters_.remove(waiter);
        throw;
    }
    co_return true;
}

void Event::set() {
    if (set_) return;
    set_ = true;
    waiters_.wake(std::numeric_limits<std::size_t>::max());
}

}  // namespace looplab
