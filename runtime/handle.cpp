// runtime/handle.cpp: Handle states and their per-thread free list.
#include "runtime/handle.hpp"

#include <utility>

namespace looplab::detail {

namespace {

// Recycled HandleStates of this thread. Capped so that a burst (say 100,000 timers at once)
// does not pin its peak memory forever: beyond the cap, states are simply freed.
struct HandleFreeList {
    static constexpr std::size_t kMaxKept = 1 << 14;
    HandleState* head = nullptr;
    std::size_t size = 0;
    bool alive = true;

    ~HandleFreeList() {
        alive = false;
        while (head) delete std::exchange(head, head->next_free);
    }
};

thread_local HandleFreeList free_list;

}  // namespace

void HandleState::release() noexcept {
    if (--refs != 0) return;
    callback.reset();
    context.reset();
    if (free_list.alive && free_list.size < HandleFreeList::kMaxKept) {
        next_free = free_list.head;
        free_list.head = this;
        ++free_list.size;
    } else {
        delete this;
    }
}

void HandleState::cancel() noexcept {
    if (cancelled) return;
    cancelled = true;
    if (owner) owner->timer_cancelled();
    // Drop what the callback holds now (asyncio sets _callback = None for the same reason:
    // a cancelled timeout should not keep its future alive until the deadline).
    if (!running) callback.reset();
}

void HandleState::run() {
    running = true;
    struct Reset {
        HandleState* self;
        ~Reset() {
            self->running = false;
            if (self->cancelled) self->callback.reset();
        }
    } reset{this};
    callback();
}

RefPtr<HandleState> make_handle_state(Callback callback, SourceLocation where) {
    HandleState* s;
    if (free_list.head) {
        s = std::exchange(free_list.head, free_list.head->next_free);
        --free_list.size;
        s->cancelled = false;
        s->running = false;
        s->when = TimePoint{};
        s->owner = nullptr;
        s->next_free = nullptr;
    } else {
        s = new HandleState();
    }
    s->callback = std::move(callback);
    s->where = where;
    s->label = Label{};
    return RefPtr<HandleState>(s);
}

}  // namespace looplab::detail
