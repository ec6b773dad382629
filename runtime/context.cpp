// runtime/context.cpp: the context maps and the current-context pointer (see context.hpp).
#include "runtime/context.hpp"

#include <algorithm>

namespace looplab::detail {

constinit thread_local ContextState* current_context_state = nullptr;

ContextState& root_context() noexcept {
    thread_local ContextState root;
    return root;
}

std::uint64_t next_context_id() noexcept {
    static std::atomic<std::uint64_t> counter{0};
    return counter.fetch_add(1, std::memory_order_relaxed) + 1;
}

void throw_context_entered() {
    throw InvalidStateError("cannot enter context: it is already entered");
}

namespace {

bool id_less(const std::pair<std::uint64_t, ContextMap::Value>& entry, std::uint64_t id) {
    return entry.first < id;
}

}  // namespace

const ContextMap::Value* ContextMap::find(std::uint64_t id) const noexcept {
    const auto it = std::lower_bound(entries_.begin(), entries_.end(), id, id_less);
    return it != entries_.end() && it->first == id ? &it->second : nullptr;
}

ContextMapPtr ContextMap::with(const ContextMapPtr& base, std::uint64_t id, Value value) {
    auto map = std::make_shared<ContextMap>();
    if (base) map->entries_ = base->entries_;
    auto& entries = map->entries_;
    const auto it = std::lower_bound(entries.begin(), entries.end(), id, id_less);
    const bool present = it != entries.end() && it->first == id;
    if (value) {
        if (present) {
            it->second = std::move(value);
        } else {
            entries.emplace(it, id, std::move(value));
        }
    } else if (present) {
        entries.erase(it);
    }
    if (entries.empty()) return nullptr;
    return map;
}

}  // namespace looplab::detail
