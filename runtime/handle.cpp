// runtime/handle.cpp: Handle states and the per-thread slabs they live in.
//
// libuv and Asio recycle their operation objects the same way (Asio: a per-thread cache of
// handler memory); CPython allocates a Handle per call_soon from its object allocator, whose
// arenas are returned to the OS when they empty.
//
// States are carved out of slabs, 256 KiB blocks aligned to their size, so that a state finds
// its slab with one mask. Released states go on a free list and
// are reused first (most recently freed: still in the cache). Each slab counts its live
// states; a slab whose count drops to zero is kept until the loop goes idle (is about to block
// in the selector), and then every empty slab beyond kKeptEmptySlabs is freed whole.
//
// Why, against the capped free list this replaced (16,384 states kept, the rest freed one by
// one): a burst of 1,000,000 call_soon (runtime_bench CallSoonBatched/1000000) allocated and
// freed every state beyond the cap, and since 1M states are 192 MB, glibc returned the memory
// to the OS and each batch faulted it in again: 35% of that row's time in the kernel's
// page-fault path, 13% in malloc/free. Now a busy loop keeps its states (no fault, no malloc
// per call), one allocation per 1,365 states on a cold burst, and the peak is not pinned
// forever: the first idle moment gives it back. A loop that never blocks keeps its peak.
//
//     slab states:  never used --bump--> live --release--> free --reuse--> live
//     slab:         in use (some live) --last release--> empty --idle, beyond the kept--> freed
//
// Free states are not destroyed before their slab is freed: release() has already reset
// everything in them that owns anything (the callback, the context), so what is left is bytes.
#include "runtime/handle.hpp"

#include <cstdint>
#include <new>
#include <utility>
#include <vector>

namespace looplab::detail {

namespace {

constexpr std::size_t kSlabBytes = std::size_t{1} << 18;  // 256 KiB: 1,365 states
constexpr std::size_t kKeptEmptySlabs = 12;  // about 16,000 states, the old free list's cap

struct HandleSlab {
    std::uint32_t live = 0;  // states handed out and not yet released
    std::uint32_t used = 0;  // states ever constructed here (the bump index)
    bool doomed = false;     // chosen by trim() to be freed

    static constexpr std::size_t kStates =
        (kSlabBytes - sizeof(std::uint64_t) * 2) / sizeof(HandleState);
    alignas(HandleState) unsigned char storage[kStates * sizeof(HandleState)];

    HandleState* state(std::size_t i) noexcept {
        return std::launder(reinterpret_cast<HandleState*>(storage + i * sizeof(HandleState)));
    }
    static HandleSlab* of(const HandleState* s) noexcept {
        return reinterpret_cast<HandleSlab*>(reinterpret_cast<std::uintptr_t>(s) &
                                             ~(std::uintptr_t{kSlabBytes} - 1));
    }
};
static_assert(sizeof(HandleSlab) <= kSlabBytes);

// kSlabBytes aligned to kSlabBytes. From the C++ allocator rather than mmap itself, so that
// leak checkers still see what a live state's callback points to; glibc serves (and on
// delete, unmaps) a block this large with mmap of its own.
HandleSlab* new_slab() {
    void* p = ::operator new (kSlabBytes, std::align_val_t{kSlabBytes});
    return ::new (p) HandleSlab;  // default-initialised: the states' bytes are not touched
}

void delete_slab(HandleSlab* slab) noexcept {
    ::operator delete (slab, std::align_val_t{kSlabBytes});
}

// This thread's slabs and free states.
struct HandlePool {
    HandleState* free_head = nullptr;
    HandleSlab* bump = nullptr;  // the slab with never-used room, if any
    std::vector<HandleSlab*> slabs;
    std::size_t empty_slabs = 0;
    bool alive = true;

    HandleState* take() {
        if (free_head) {
            HandleState* s = std::exchange(free_head, free_head->next_free);
            if (HandleSlab::of(s)->live++ == 0) --empty_slabs;
            return s;
        }
        if (!bump || bump->used == HandleSlab::kStates) {
            if (slabs.size() == slabs.capacity())  // so that push_back cannot throw after new_slab
                slabs.reserve(slabs.empty() ? 16 : 2 * slabs.size());
            bump = new_slab();
            slabs.push_back(bump);
        }
        ++bump->live;
        return ::new (bump->state(bump->used++)) HandleState();
    }

    void give_back(HandleState* s) noexcept {
        HandleSlab* slab = HandleSlab::of(s);
        if (!alive) [[unlikely]] {  // the thread is exiting: the last state out frees the slab
            if (--slab->live == 0) delete_slab(slab);
            return;
        }
        s->next_free = free_head;
        free_head = s;
        if (--slab->live == 0) ++empty_slabs;
    }

    // Frees the empty slabs beyond the first `keep`; their free states leave the list first.
    void trim(std::size_t keep) noexcept {
        std::size_t kept = 0;
        for (HandleSlab* slab : slabs) slab->doomed = slab->live == 0 && kept++ >= keep;
        for (HandleState** link = &free_head; *link;) {
            if (HandleSlab::of(*link)->doomed)
                *link = (*link)->next_free;
            else
                link = &(*link)->next_free;
        }
        std::erase_if(slabs, [this](HandleSlab* slab) {
            if (!slab->doomed) return false;
            if (slab == bump) bump = nullptr;
            delete_slab(slab);
            return true;
        });
        empty_slabs = kept < keep ? kept : keep;
    }

    ~HandlePool() {
        trim(0);
        alive = false;  // slabs still holding live states are freed by their last release
    }
};

thread_local HandlePool pool;

}  // namespace

void HandleState::release() noexcept {
    if (--refs != 0) return;
    callback.reset();
    context.reset();
    pool.give_back(this);
}

void release_idle_handle_memory() noexcept {
    if (pool.empty_slabs > kKeptEmptySlabs) pool.trim(kKeptEmptySlabs);
}

HandleMemory handle_memory() noexcept {
    std::size_t free = 0;
    for (const HandleState* s = pool.free_head; s; s = s->next_free) ++free;
    return {pool.slabs.size(), pool.empty_slabs, free};
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

RefPtr<HandleState> make_handle_state(Callback&& callback, SourceLocation where) {
    HandleState* s = pool.take();
    // A reused state: reset what the last user may have changed (a fresh one is all default).
    s->cancelled = false;
    s->running = false;
    s->when = TimePoint{};
    s->owner = nullptr;
    s->callback = std::move(callback);
    s->where = where;
    s->label = Label{};
    return RefPtr<HandleState>(s);
}

}  // namespace looplab::detail
