// benchmarks/support/allocation_counter.hpp: counts heap allocations, for "allocs per item".
//
// asyncio: none (tracemalloc is the nearest thing); libuv: none, it lets the embedder count
// through uv_replace_allocator.
//
// The benchmarks report how many times operator new ran per item, next to items/s: a hot path
// that allocates shows it here before it shows in the timings, and the number is exact, not
// noisy. allocation_counter.cpp replaces the global operator new / delete for the whole
// benchmark binary, counting in a thread_local so the count costs one increment and no atomic
// (a counter shared across threads would itself slow the allocation down). The count is per
// thread: a row whose work is split across threads (call_soon_threadsafe, run_in_executor)
// reports only the loop thread's allocations.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdint>

namespace looplab::bench {

// Allocations made by the calling thread since it started.
std::uint64_t thread_allocations() noexcept;

// Counts from construction; report() sets the "allocs/item" counter of a benchmark.
class AllocationCounter {
public:
    AllocationCounter() : start_(thread_allocations()) {}
    void report(benchmark::State& state, std::int64_t items) const {
        const double made = static_cast<double>(thread_allocations() - start_);
        state.counters["allocs/item"] = items > 0 ? made / static_cast<double>(items) : 0.0;
    }

private:
    std::uint64_t start_;
};

// The row's size, or a thousandth of it (at least 1) when LOOPLAB_BENCH_SMOKE is set: the
// ctest smoke entries set it, so that every row runs once in well under a second, even under
// the sanitizers. The figures are then meaningless; only "it builds, runs and finishes" counts.
std::int64_t scaled(std::int64_t size);

}  // namespace looplab::bench
