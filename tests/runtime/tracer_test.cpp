// tests/runtime/tracer_test.cpp: what the loop, its tasks and its executor record on a
// tracer, and that with no tracer the traced paths allocate nothing.
//
// Allocations are counted by replacing the global operator new in this file (it then serves
// the whole runtime_tests binary), counting only on a thread that asked to be counted: other
// tests, and other threads of this one, are not disturbed.
#include "runtime/observe/tracer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <map>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/executor/thread_pool_executor.hpp"
#include "runtime/future.hpp"
#include "runtime/observe/loop_metrics.hpp"
#include "runtime/observe/trace_recorder.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

// ThreadSanitizer's runtime defines the global operator new itself (statically linked: a
// second definition does not link), so under TSan the allocation counting, and the tests that
// need it, are compiled out. They run in the plain and the ASan+UBSan builds.
#if defined(__SANITIZE_THREAD__)
#define LOOPLAB_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOOPLAB_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef LOOPLAB_COUNT_ALLOCATIONS
#define LOOPLAB_COUNT_ALLOCATIONS 1
#endif

#if LOOPLAB_COUNT_ALLOCATIONS
// ---- counting allocations ------------------------------------------------------------------

namespace {
thread_local bool counting = false;
std::atomic<long> counted{0};

void* counted_alloc(std::size_t n) {
    if (counting) counted.fetch_add(1, std::memory_order_relaxed);
    return std::malloc(n == 0 ? 1 : n);
}
void* counted_aligned_alloc(std::size_t n, std::align_val_t align) {
    if (counting) counted.fetch_add(1, std::memory_order_relaxed);
    const std::size_t a = static_cast<std::size_t>(align);
    return std::aligned_alloc(a, (n + a - 1) / a * a);
}
// Out of line: inlined into operator delete, g++ sees a `new` paired with free() and warns
// (-Wmismatched-new-delete), although new here is malloc.
[[gnu::noinline]] void counted_free(void* p) noexcept {
    std::free(p);
}
}  // namespace

void* operator new(std::size_t n) {
    if (void* p = counted_alloc(n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    if (void* p = counted_alloc(n)) return p;
    throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return counted_alloc(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return counted_alloc(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned_alloc(n, a)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
    if (void* p = counted_aligned_alloc(n, a)) return p;
    throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
    counted_free(p);
}
void operator delete[](void* p) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    counted_free(p);
}

#endif  // LOOPLAB_COUNT_ALLOCATIONS

namespace looplab {
namespace {

#if LOOPLAB_COUNT_ALLOCATIONS
// Counts the allocations this thread makes while alive.
class AllocationCount {
public:
    AllocationCount() : start_(counted.load()) { counting = true; }
    ~AllocationCount() { counting = false; }
    long so_far() const { return counted.load() - start_; }

private:
    long start_;
};

#endif

// A tracer that keeps nothing: tracing "on" at the cost of building the events only.
class DiscardingTracer final : public Tracer {
public:
    void record(TraceEvent) override { ++recorded; }
    std::atomic<int> recorded{0};
};

std::vector<TraceEvent> of_kind(const std::vector<TraceEvent>& events, TraceKind kind) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : events)
        if (e.kind == kind) out.push_back(e);
    return out;
}

std::vector<TraceEvent> with_id(const std::vector<TraceEvent>& events, std::uint64_t id) {
    std::vector<TraceEvent> out;
    for (const TraceEvent& e : events)
        if (e.id == id) out.push_back(e);
    return out;
}

std::int64_t end_of(const TraceEvent& e) {
    return e.start_ns + e.duration_ns;
}

int add_one(int x) {
    return x + 1;
}

#if LOOPLAB_COUNT_ALLOCATIONS
// ---- no tracer: no allocation -------------------------------------------------------------

TEST(TracerOff, CallSoonAndRunOnceAllocateNothing) {
    EventLoop loop;
    int ran = 0;
    // Warm up: the handle free list and the ready queues reach their working size.
    for (int i = 0; i < 100; ++i) {
        loop.call_soon([&ran] { ++ran; });
        loop.run_once();
    }
    AllocationCount allocations;
    for (int i = 0; i < 1000; ++i) {
        loop.call_soon([&ran] { ++ran; });
        loop.run_once();
    }
    EXPECT_EQ(allocations.so_far(), 0);
    EXPECT_EQ(ran, 1100);
}

Coro<> yield_many(int n, int* steps) {
    for (int i = 0; i < n; ++i) {
        ++*steps;
        co_await sleep(Duration::zero());
    }
}

TEST(TracerOff, TaskStepsAllocateNothing) {
    EventLoop loop;
    int steps = 0;
    Task<> task = loop.create_task(yield_many(2000, &steps), "yielder");
    for (int i = 0; i < 100; ++i) loop.run_once();  // warm up
    AllocationCount allocations;
    for (int i = 0; i < 1000; ++i) loop.run_once();
    EXPECT_EQ(allocations.so_far(), 0);
    EXPECT_GE(steps, 1000);
    task.cancel();
    EXPECT_THROW(loop.run_until_complete(Future<void>(task)), CancelledError);
}

TEST(TracerOn, TaskStepsDoAllocateSoTheCountAboveCanSeeThem) {
    EventLoop loop;
    DiscardingTracer tracer;
    int steps = 0;
    Task<> task = loop.create_task(yield_many(400, &steps), "yielder");
    for (int i = 0; i < 100; ++i) loop.run_once();
    loop.set_tracer(&tracer);
    {
        AllocationCount allocations;
        for (int i = 0; i < 100; ++i) loop.run_once();
        EXPECT_GT(allocations.so_far(), 0);  // the events' strings
    }
    EXPECT_GT(tracer.recorded.load(), 100);
    loop.set_tracer(nullptr);
    task.cancel();
    try {
        loop.run_until_complete(Future<void>(task));
    } catch (const CancelledError&) {
    }
}

// Awaiting futures that a callback completes: the futures are made before counting starts.
Coro<> await_each(std::vector<Future<int>>* futures, int* sum) {
    for (Future<int>& f : *futures) *sum += co_await f;
}

// Completes futures[i] in one iteration; its done callbacks run in the next. Never an
// iteration with nothing to do: that would block forever in the selector.
void complete_in_two_iterations(EventLoop& loop, std::vector<Future<int>>& futures, int i) {
    loop.call_soon([&futures, i] { futures[i].set_result(1); });
    loop.run_once();
    loop.run_once();
}

constexpr int kRounds = 200;

TEST(TracerOff, AwaitingFuturesInATaskAllocatesNoMoreThanCompletingThem) {
    // Completing a future already allocates once per done callback (the callback is wrapped
    // for call_soon), with or without a task. A task awaiting each future, with its traced
    // step and wait, must add nothing to that: the count equals that of the same futures
    // completed with a plain done callback of the same size and no task at all.
    auto with_task = [] {
        EventLoop loop;
        std::vector<Future<int>> futures;
        for (int i = 0; i < kRounds; ++i) futures.push_back(loop.create_future<int>());
        int sum = 0;
        Task<> task = loop.create_task(await_each(&futures, &sum), "awaiter");
        loop.run_once();  // the first step: the task now waits for futures[0]
        for (int i = 0; i < 20; ++i) complete_in_two_iterations(loop, futures, i);  // warm up
        AllocationCount allocations;
        for (int i = 20; i < kRounds; ++i) complete_in_two_iterations(loop, futures, i);
        const long n = allocations.so_far();
        EXPECT_EQ(sum, kRounds);
        EXPECT_TRUE(task.done());
        return n;
    };
    auto without_task = [] {
        EventLoop loop;
        std::vector<Future<int>> futures;
        int sum = 0;
        for (int i = 0; i < kRounds; ++i) {
            futures.push_back(loop.create_future<int>());
            futures.back().state()->add_done_callback(
                [&sum](detail::FutureStateBase&) { ++sum; });  // one pointer, like a wake-up
        }
        for (int i = 0; i < 20; ++i) complete_in_two_iterations(loop, futures, i);
        AllocationCount allocations;
        for (int i = 20; i < kRounds; ++i) complete_in_two_iterations(loop, futures, i);
        const long n = allocations.so_far();
        EXPECT_EQ(sum, kRounds);
        return n;
    };
    EXPECT_EQ(with_task(), without_task());
}

// The fewest allocations the loop thread made in one round trip, over n round trips. The
// minimum, because a vector somewhere may grow once, depending on how the threads interleaved;
// the steady cost is what the traced path must not change.
Coro<long> fewest_allocations_per_round_trip(EventLoop& loop, ThreadPoolExecutor& pool, int n) {
    int value = co_await loop.run_in_executor(&pool, add_one, 0);  // warm-up
    long fewest = -1;
    for (int i = 0; i < n; ++i) {
        AllocationCount count;
        value = co_await loop.run_in_executor(&pool, add_one, value);
        const long made = count.so_far();
        if (fewest < 0 || made < fewest) fewest = made;
    }
    EXPECT_EQ(value, n + 1);
    co_return fewest;
}

TEST(TracerOff, RunInExecutorAllocatesOnlyWhatItAllocatesUntraced) {
    // A round trip allocates by design (the work item, the concurrent future, the loop
    // future). Counted on the loop thread: with tracing off, whether the loop never had a
    // tracer or had one removed, the count is strictly smaller than with a tracer: the traced
    // path allocates only when tracing. (Not "exactly equal" between the two untraced runs: in
    // about 1 run in 100 one of them steadily made one allocation more per round trip, 7
    // against 6, depending on how the two threads' handle free lists stood when it began.)
    ThreadPoolExecutor pool(1);
    auto measure = [&pool](int tracer_state) {  // 0 never set, 1 set then removed, 2 set
        EventLoop loop;
        DiscardingTracer tracer;
        if (tracer_state >= 1) loop.set_tracer(&tracer);
        if (tracer_state == 1) loop.set_tracer(nullptr);
        const long fewest =
            loop.run_until_complete(fewest_allocations_per_round_trip(loop, pool, 50));
        loop.set_tracer(nullptr);
        return fewest;
    };
    const long never = measure(0);
    const long removed = measure(1);
    const long traced = measure(2);
    RecordProperty(
        "allocations_never_removed_traced",
        std::to_string(never) + " " + std::to_string(removed) + " " + std::to_string(traced));
    EXPECT_GT(never, 0);
    EXPECT_LT(never, traced);
    EXPECT_LT(removed, traced);
}

// On the worker: from the end of one call to the start of the next, the worker traces
// (executor_run), completes the future and posts the result to the loop. With tracing off that
// window allocates nothing.
std::atomic<long> worker_window_allocations{0};
thread_local long worker_window_start = -1;

int open_window(int x) {
    counting = true;
    worker_window_start = counted.load();
    return x;
}
int close_window(int x) {
    if (worker_window_start >= 0) {
        worker_window_allocations += counted.load() - worker_window_start;
    }
    counting = false;
    return x;
}

Coro<> worker_windows(EventLoop& loop, ThreadPoolExecutor& pool) {
    for (int i = 0; i < 20; ++i) co_await loop.run_in_executor(&pool, open_window, i);  // warm-up
    co_await loop.run_in_executor(&pool, close_window, 0);
    worker_window_allocations = 0;
    for (int i = 0; i < 50; ++i) {
        co_await loop.run_in_executor(&pool, open_window, i);
        co_await loop.run_in_executor(&pool, close_window, i);
    }
}

TEST(TracerOff, TheWorkersTracedPathAllocatesNothing) {
    ThreadPoolExecutor pool(1);
    EventLoop loop;
    loop.run_until_complete(worker_windows(loop, pool));
    EXPECT_EQ(worker_window_allocations.load(), 0);
}

#endif  // LOOPLAB_COUNT_ALLOCATIONS

// ---- what is recorded ------------------------------------------------------------------------

Coro<int> child_work() {
    co_await sleep(Duration::zero());
    co_return 5;
}

Coro<int> parent_work(std::vector<Future<int>>* futures) {
    EventLoop& loop = get_running_loop();
    Task<int> child = loop.create_task(child_work(), "child");
    int sum = co_await child;
    for (Future<int>& f : *futures) sum += co_await f;
    co_await sleep(Duration::zero());
    co_return sum;
}

TEST(Tracer, EventsOfOneTaskAreWellNestedAndInOrder) {
    TraceRecorder recorder;
    EventLoop loop;
    loop.set_tracer(&recorder);
    std::vector<Future<int>> futures;
    for (int i = 0; i < 3; ++i) futures.push_back(loop.create_future<int>());
    for (int i = 0; i < 3; ++i) {
        loop.call_later(std::chrono::milliseconds(1 + i),
                        [&futures, i] { futures[i].set_result(i); });
    }
    Task<int> parent = loop.create_task(parent_work(&futures), "parent");
    EXPECT_EQ(loop.run_until_complete(Future<int>(parent)), 5 + 0 + 1 + 2);
    loop.set_tracer(nullptr);

    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> created = of_kind(all, TraceKind::task_created);
    const auto parent_created = std::find_if(
        created.begin(), created.end(), [](const TraceEvent& e) { return e.name == "parent"; });
    ASSERT_NE(parent_created, created.end());
    EXPECT_NE(std::string(parent_created->where.file_name()).find("tracer_test.cpp"),
              std::string::npos);
    const std::vector<TraceEvent> mine = with_id(all, parent_created->id);

    // created first, done last (with outcome "result"), steps in between.
    ASSERT_GE(mine.size(), 4u);
    EXPECT_EQ(mine.front().kind, TraceKind::task_created);
    EXPECT_EQ(mine.back().kind, TraceKind::task_done);
    EXPECT_EQ(mine.back().a, static_cast<std::int64_t>(TaskOutcome::result));
    // Steps never overlap, and every wait sits between the end of one step and the start of
    // the next.
    std::int64_t last_end = mine.front().start_ns;
    int steps = 0;
    std::vector<std::string> waits;
    for (const TraceEvent& e : mine) {
        EXPECT_GE(e.start_ns, last_end) << "event " << static_cast<int>(e.kind);
        last_end = end_of(e);
        if (e.kind == TraceKind::task_step) ++steps;
        if (e.kind == TraceKind::task_wait) waits.push_back(e.name);
    }
    // Every wait is followed by one more step, and the last step finished the task. How many
    // of the futures were still pending when awaited depends on the timers, not on us.
    EXPECT_EQ(steps, static_cast<int>(waits.size()) + 1);
    ASSERT_GE(waits.size(), 2u);
    EXPECT_EQ(waits.front(), "Task 'child'");
    EXPECT_NE(waits.back().find("sleep(0)"), std::string::npos);
    for (std::size_t i = 1; i + 1 < waits.size(); ++i) {
        EXPECT_EQ(waits[i], "a Future nobody labelled (loop.create_future)");
    }
}

TEST(Tracer, EachThreadsEventsAreRecordedInTheOrderTheyEnd) {
    TraceRecorder recorder;
    ThreadPoolExecutor pool(2);
    EventLoop loop;
    loop.set_tracer(&recorder);
    std::vector<Future<int>> futures;
    for (int i = 0; i < 3; ++i) futures.push_back(loop.create_future<int>());
    for (int i = 0; i < 3; ++i) loop.call_soon([&futures, i] { futures[i].set_result(i); });
    auto work = [&]() -> Coro<int> {
        int a = co_await loop.run_in_executor(&pool, add_one, 1);
        int b = co_await parent_work(&futures);
        co_return a + b;
    };
    EXPECT_EQ(loop.run_until_complete(work()), 2 + 8);
    loop.set_tracer(nullptr);
    std::map<std::uint32_t, std::int64_t> last_end;
    for (const TraceEvent& e : recorder.events()) {
        auto [it, first] = last_end.try_emplace(e.thread, end_of(e));
        if (!first) {
            EXPECT_GE(end_of(e), it->second) << "kind " << static_cast<int>(e.kind);
            it->second = end_of(e);
        }
        EXPECT_GE(e.duration_ns, 0);
    }
}

TEST(Tracer, CallbacksAreNamedInWordsAfterTheirTaskOrTheirSchedulingSite) {
    TraceRecorder recorder;
    EventLoop loop;
    loop.set_tracer(&recorder);
    bool plain_ran = false;
    loop.call_soon([&plain_ran] { plain_ran = true; });
    Task<int> task = loop.create_task(child_work(), "named-task");
    loop.run_until_complete(Future<int>(task));
    loop.set_tracer(nullptr);
    ASSERT_TRUE(plain_ran);

    const std::vector<TraceEvent> callbacks = of_kind(recorder.events(), TraceKind::callback);
    auto named = [&](const std::string& name) {
        return std::count_if(callbacks.begin(), callbacks.end(),
                             [&](const TraceEvent& e) { return e.name == name; });
    };
    // Two steps: to the sleep(0), and after it.
    EXPECT_EQ(named("Task 'named-task' starts"), 1);
    EXPECT_EQ(named("Task 'named-task' continues after sleep(0)"), 1);
    const auto by_site = std::count_if(callbacks.begin(), callbacks.end(), [](const TraceEvent& e) {
        return e.name.rfind("callback from tracer_test.cpp:", 0) == 0 &&
               e.name.find(" in TestBody") != std::string::npos;
    });
    EXPECT_EQ(by_site, 1);
}

TEST(Tracer, IterationsAndPollsDescribeTheLoop) {
    TraceRecorder recorder;
    EventLoop loop;
    loop.set_tracer(&recorder);
    loop.call_soon([] {});
    loop.call_soon([] {});
    loop.run_once();  // two ready: the poll must not block
    loop.call_later(std::chrono::milliseconds(1), [] {});
    loop.run_once();  // nothing ready, one timer: the poll waits for it
    loop.set_tracer(nullptr);

    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> iterations = of_kind(all, TraceKind::iteration);
    const std::vector<TraceEvent> polls = of_kind(all, TraceKind::poll);
    ASSERT_EQ(iterations.size(), 2u);
    ASSERT_EQ(polls.size(), 2u);
    EXPECT_EQ(iterations[0].a, 1);
    EXPECT_EQ(iterations[0].b, 2);
    EXPECT_EQ(iterations[1].a, 2);
    EXPECT_EQ(polls[0].a, 0);  // callbacks were ready: timeout zero
    EXPECT_GT(polls[1].a, 0);  // until the timer
    // Each poll lies inside its iteration.
    for (int i = 0; i < 2; ++i) {
        EXPECT_GE(polls[i].start_ns, iterations[i].start_ns);
        EXPECT_LE(end_of(polls[i]), end_of(iterations[i]));
    }
}

TEST(Tracer, ExecutorWorkIsQueuedRunOnAWorkerThreadAndReturned) {
    TraceRecorder recorder;
    recorder.name_this_thread("loop");
    ThreadPoolExecutor pool(2);
    EventLoop loop;
    loop.set_tracer(&recorder);
    auto work = [&]() -> Coro<int> {
        auto a = loop.run_in_executor(&pool, add_one, 1);
        auto b = loop.run_in_executor(&pool, add_one, 2);
        int sum = co_await a;
        sum += co_await b;
        co_return sum;
    };
    EXPECT_EQ(loop.run_until_complete(work()), 5);
    loop.set_tracer(nullptr);

    const std::vector<TraceEvent> all = recorder.events();
    const std::vector<TraceEvent> runs = of_kind(all, TraceKind::executor_run);
    ASSERT_EQ(runs.size(), 2u);
    const std::uint32_t loop_thread = of_kind(all, TraceKind::iteration).front().thread;
    for (const TraceEvent& run : runs) {
        EXPECT_NE(run.thread, loop_thread);
        EXPECT_GE(run.a, 0);
        EXPECT_LT(run.a, 2);
        const std::vector<TraceEvent> item = with_id(all, run.id);
        const auto queued = of_kind(item, TraceKind::executor_queued);
        const auto returned = of_kind(item, TraceKind::executor_returned);
        ASSERT_EQ(queued.size(), 1u);
        ASSERT_EQ(returned.size(), 1u);
        EXPECT_EQ(queued[0].thread, loop_thread);
        EXPECT_EQ(returned[0].thread, loop_thread);
        EXPECT_GE(queued[0].a, 1);
        EXPECT_LE(queued[0].start_ns, run.start_ns);
        EXPECT_LE(end_of(run), returned[0].start_ns);
    }
    EXPECT_NE(runs[0].id, runs[1].id);
}

Coro<int> fails() {
    co_await sleep(Duration::zero());
    throw std::runtime_error("no");
}

Coro<int> waits_forever(Future<int> f) {
    co_return co_await f;
}

TEST(Tracer, TaskDoneSaysHowTheTaskEnded) {
    TraceRecorder recorder;
    EventLoop loop;
    loop.set_tracer(&recorder);
    Task<int> ok = loop.create_task(child_work(), "ok");
    Task<int> failed = loop.create_task(fails(), "failed");
    Task<int> cancelled = loop.create_task(waits_forever(loop.create_future<int>()), "cancelled");
    loop.run_once();
    cancelled.cancel();
    auto all_done = [&]() -> Coro<> {
        while (!(ok.done() && failed.done() && cancelled.done())) co_await sleep(Duration::zero());
    };
    loop.run_until_complete(all_done());
    EXPECT_THROW(failed.result(), std::runtime_error);
    loop.set_tracer(nullptr);

    std::map<std::string, std::int64_t> outcome;
    for (const TraceEvent& e : of_kind(recorder.events(), TraceKind::task_done))
        outcome[e.name] = e.a;
    EXPECT_EQ(outcome.at("ok"), static_cast<std::int64_t>(TaskOutcome::result));
    EXPECT_EQ(outcome.at("failed"), static_cast<std::int64_t>(TaskOutcome::exception));
    EXPECT_EQ(outcome.at("cancelled"), static_cast<std::int64_t>(TaskOutcome::cancelled));
}

// ---- metrics ---------------------------------------------------------------------------------

TEST(LoopMetrics, CountIterationsEventsAndWakesFromTheMomentTheyAreInstalled) {
    EventLoop loop;
    loop.call_soon([] {});
    loop.run_once();  // before the observer: not counted
    LoopMetricsObserver metrics;
    loop.add_observer(&metrics);
    loop.call_soon([] {});
    loop.run_once();
    loop.call_soon_threadsafe([] {});  // a wake-up: one ready fd (the inbox's)
    loop.run_once();
    const LoopMetrics& m = metrics.metrics();
    EXPECT_EQ(m.iterations, 2u);
    EXPECT_EQ(m.events, 1u);
    EXPECT_EQ(m.wakes, 1u);
    EXPECT_DOUBLE_EQ(m.events_per_wake(), 1.0);
    loop.remove_observer(&metrics);
    loop.call_soon([] {});
    loop.run_once();  // removed: not counted
    EXPECT_EQ(metrics.metrics().iterations, 2u);
}

TEST(LoopMetrics, IdleTimeIsTheTimeBlockedInTheSelector) {
    EventLoop loop;
    LoopMetricsObserver metrics;
    loop.add_observer(&metrics);
    loop.call_later(std::chrono::milliseconds(1), [] {});
    loop.run_once();  // blocks about 1 ms for the timer
    EXPECT_GT(metrics.metrics().idle_time.count(), 0);
    loop.remove_observer(&metrics);
}

}  // namespace
}  // namespace looplab
