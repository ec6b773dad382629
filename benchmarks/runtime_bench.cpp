// benchmarks/runtime_bench.cpp: the runtime's hot paths, one benchmark each.
//
// What each row measures (items/s is the figure to compare with libuv, Boost.Asio and
// asyncio doing the same work; see issue 8 for the peers' numbers on a 2-core VM):
//   CallSoonChained    each callback schedules the next: the ready queue's round trip
//   CallSoonBatched    schedule N callbacks, then run them all in one iteration
//   TimersFire         schedule N timers with random deadlines, run until all fired
//   TimersZeroTimeout  schedule N call_later(0) on the real clock, run until all fired (the
//                      peers' "1M zero-timeout timers" row: they cannot fake time)
//   TimersCancel       schedule N timers and cancel each (lazy deletion + compaction)
//   FutureResolve      create a future, add a done callback, resolve it, run the callback
//   TaskCreateAwait    create a task running a trivial coroutine and await it
//   TaskSwitch         two tasks ping-pong through the loop with sleep(0)
//   CallSoonThreadsafe another thread posts N callbacks; the loop runs them
//   ExecutorRoundTrip  run_in_executor of an empty function, awaited
// Timers use a ManualClock with auto-advance, so "firing" costs no real waiting.
// Every row also reports allocs/item (support/allocation_counter.hpp): heap allocations per
// item on the loop thread, exact where the timings are noisy.
#include <benchmark/benchmark.h>

#include <random>
#include <thread>

#include "benchmarks/support/allocation_counter.hpp"
#include "runtime/looplab.hpp"

namespace {

using namespace looplab;
using namespace std::chrono_literals;
using bench::AllocationCounter;

// A loop on a virtual clock that jumps to the next deadline when idle.
EventLoopOptions virtual_time(ManualClock& clock) {
    EventLoopOptions options;
    options.clock = &clock;
    return options;
}

void CallSoonChained(benchmark::State& state) {
    EventLoop loop;
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    for (auto _ : state) {
        std::int64_t remaining = n;
        struct Step {
            EventLoop* loop;
            std::int64_t* remaining;
            void operator()() const {
                if (--*remaining > 0)
                    loop->call_soon(Step{loop, remaining});
                else
                    loop->stop();
            }
        };
        loop.call_soon(Step{&loop, &remaining});
        loop.run_forever();
    }
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(CallSoonChained)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void CallSoonBatched(benchmark::State& state) {
    EventLoop loop;
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    std::int64_t ran = 0;
    for (auto _ : state) {
        for (std::int64_t i = 0; i < n; ++i) loop.call_soon([&ran] { ++ran; });
        loop.run_once();
    }
    benchmark::DoNotOptimize(ran);
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(CallSoonBatched)->Arg(10'000)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void TimersFire(benchmark::State& state) {
    ManualClock clock;
    EventLoop loop(virtual_time(clock));
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    std::mt19937 rng(42);
    std::uniform_int_distribution<int> delay_ms(0, 10'000);
    std::int64_t fired = 0;
    for (auto _ : state) {
        for (std::int64_t i = 0; i < n; ++i) {
            loop.call_later(std::chrono::milliseconds(delay_ms(rng)), [&fired] { ++fired; });
        }
        while (loop.timer_count() > 0) loop.run_once();
    }
    benchmark::DoNotOptimize(fired);
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(TimersFire)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void TimersZeroTimeout(benchmark::State& state) {
    EventLoop loop;
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    std::int64_t fired = 0;
    for (auto _ : state) {
        for (std::int64_t i = 0; i < n; ++i)
            loop.call_later(Duration::zero(), [&fired] { ++fired; });
        while (loop.timer_count() > 0) loop.run_once();
    }
    benchmark::DoNotOptimize(fired);
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(TimersZeroTimeout)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void TimersCancel(benchmark::State& state) {
    ManualClock clock;
    EventLoop loop(virtual_time(clock));
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    for (auto _ : state) {
        for (std::int64_t i = 0; i < n; ++i) loop.call_later(1s, [] {}).cancel();
    }
    // No run_once: with only cancelled timers left the loop would block in the selector
    // forever. Compaction keeps the heap small on its own; this checks that it did.
    if (loop.timer_count() > static_cast<std::size_t>(n))
        state.SkipWithError("cancelled timers were never compacted");
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(TimersCancel)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void FutureResolve(benchmark::State& state) {
    EventLoop loop;
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    std::int64_t seen = 0;
    for (auto _ : state) {
        for (std::int64_t i = 0; i < n; ++i) {
            Future<int> f = loop.create_future<int>();
            f.add_done_callback([&seen](Future<int>& done) { seen += done.result(); });
            f.set_result(1);
        }
        loop.run_once();
    }
    benchmark::DoNotOptimize(seen);
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(FutureResolve)->Arg(100'000)->Unit(benchmark::kMillisecond);

Coro<int> trivial(int x) {
    co_return x;
}

Coro<std::int64_t> create_and_await(std::int64_t n) {
    std::int64_t sum = 0;
    for (std::int64_t i = 0; i < n; ++i) sum += co_await get_running_loop().create_task(trivial(1));
    co_return sum;
}

void TaskCreateAwait(benchmark::State& state) {
    EventLoop loop;
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    for (auto _ : state) benchmark::DoNotOptimize(loop.run_until_complete(create_and_await(n)));
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(TaskCreateAwait)->Arg(100'000)->Unit(benchmark::kMillisecond);

Coro<> yielder(std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i) co_await sleep(Duration::zero());
}

Coro<> ping_pong(std::int64_t n) {
    co_await gather(yielder(n), yielder(n));
}

void TaskSwitch(benchmark::State& state) {
    EventLoop loop;
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    for (auto _ : state) loop.run_until_complete(ping_pong(n));
    allocations.report(state, state.iterations() * n * 2);
    state.SetItemsProcessed(state.iterations() * n * 2);
}
BENCHMARK(TaskSwitch)->Arg(500'000)->Unit(benchmark::kMillisecond);

void CallSoonThreadsafe(benchmark::State& state) {
    EventLoop loop;
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    for (auto _ : state) {
        std::int64_t ran = 0;
        std::thread producer([&] {
            for (std::int64_t i = 0; i < n; ++i) {
                loop.call_soon_threadsafe([&loop, &ran, n] {
                    if (++ran == n) loop.stop();
                });
            }
        });
        loop.run_forever();
        producer.join();
    }
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(CallSoonThreadsafe)->Arg(200'000)->Unit(benchmark::kMillisecond);

Coro<> executor_round_trips(std::int64_t n) {
    for (std::int64_t i = 0; i < n; ++i)
        co_await get_running_loop().run_in_executor(nullptr, [] {});
}

void ExecutorRoundTrip(benchmark::State& state) {
    const std::int64_t n = bench::scaled(state.range(0));
    const AllocationCounter allocations;
    for (auto _ : state) run(executor_round_trips(n));
    allocations.report(state, state.iterations() * n);
    state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(ExecutorRoundTrip)->Arg(20'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
