// benchmarks/support/allocation_counter.cpp: the global operator new / delete that count.
//
// Replacing operator new is the standard's own hook ([replacement.functions]); the replacement
// forwards to malloc / free and adds one thread_local increment. The aligned and nothrow
// forms are replaced too, so every allocation in the binary goes through here.
#include "benchmarks/support/allocation_counter.hpp"

#include <algorithm>
#include <cstdlib>
#include <new>

namespace {

thread_local std::uint64_t allocations = 0;

void* counted_allocate(std::size_t size) {
    ++allocations;
    if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
    throw std::bad_alloc();
}

void* counted_allocate_aligned(std::size_t size, std::align_val_t align) {
    ++allocations;
    const auto alignment = static_cast<std::size_t>(align);
    // aligned_alloc wants a size that is a multiple of the alignment.
    const std::size_t rounded = (size + alignment - 1) / alignment * alignment;
    if (void* p = std::aligned_alloc(alignment, rounded == 0 ? alignment : rounded)) return p;
    throw std::bad_alloc();
}

}  // namespace

namespace looplab::bench {

std::uint64_t thread_allocations() noexcept {
    return allocations;
}

std::int64_t scaled(std::int64_t size) {
    static const bool smoke = std::getenv("LOOPLAB_BENCH_SMOKE") != nullptr;
    return smoke ? std::max<std::int64_t>(1, size / 1000) : size;
}

}  // namespace looplab::bench

void* operator new(std::size_t size) {
    return counted_allocate(size);
}
void* operator new[](std::size_t size) {
    return counted_allocate(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return counted_allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    try {
        return counted_allocate(size);
    } catch (...) {
        return nullptr;
    }
}
void* operator new(std::size_t size, std::align_val_t align) {
    return counted_allocate_aligned(size, align);
}
void* operator new[](std::size_t size, std::align_val_t align) {
    return counted_allocate_aligned(size, align);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
