// runtime/executor/thread_pool_executor.hpp: run blocking calls on a pool of threads.
//
// asyncio: concurrent.futures.ThreadPoolExecutor, the default executor behind
//          loop.run_in_executor(None, fn, *args) and asyncio.to_thread().
// libuv:   the threadpool in src/threadpool.c (uv_queue_work), which backs getaddrinfo and
//          file I/O.
//
// The pool is independent of any event loop: submit() returns a ConcurrentFuture that any
// thread may block on. run_in_executor adds a done callback that hands the result to the
// loop with call_soon_threadsafe.
//
// What a worker thread does (one loop, like Python's _worker):
//   1. wait on the executor's condition variable until the queue is non-empty or the pool
//      is shut down; shut down with an empty queue means exit;
//   2. pop the oldest item (FIFO);
//   3. mark its future running (set_running_or_notify_cancel) unless it was cancelled
//      while it waited, in which case skip it;
//   4. run the call, catching whatever it throws;
//   5. count itself available again (and record the item's timings);
//   6. complete the future, which runs its done callbacks here, in this worker;
//   7. go back to 1.
// Step 5 comes before 6 on purpose: by the time anyone sees the result, this worker already
// counts as idle, so "submit, wait for the result, submit again" reuses it every time
// instead of racing it back to the queue (see below).
//
// Threads start lazily (Python's _adjust_thread_count): submit() starts one more thread only
// when no worker is idle and fewer than max_workers threads exist. Python counts idle
// workers with a semaphore released after each item; looplab keeps the same rule but counts
// exactly, under the executor's mutex: a new thread is started when the queued items
// outnumber the workers that are not inside a call (waiting, or about to look at the queue).
// Threads never exit before shutdown, so threads_started is also the number alive.
//
// Lock discipline. `mutex_` guards the queue, the counters and the thread list. No user code
// runs while it (or any future's mutex) is held: not the call, not a done callback, not even
// the destructor of the call's captured arguments. Why: a done callback runs on the worker and
// may well call back into submit() or cancel() (run_in_executor chains, retries); holding
// mutex_ there would self-deadlock, or deadlock against a thread holding a future's mutex.
// So shutdown(cancel_futures) drains the queue under the lock and cancels the futures after
// releasing it. The only nesting is join_mutex_ -> (nothing): joiners hold join_mutex_ while
// joining, and workers never take it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/executor/concurrent_future.hpp"
#include "runtime/observe/tracer.hpp"

namespace looplab {

namespace detail {

// One submitted call (Python's _WorkItem): the future plus the call's function and
// arguments. Type-erased so the queue can hold calls of every result type. The worker drives
// it through the steps above, each with no lock held.
class WorkItem {
public:
    virtual ~WorkItem() = default;
    // Step 3. False: the future was cancelled while queued; do not invoke.
    virtual bool start() = 0;
    // Step 4. Runs the call once and keeps its value or exception for publish().
    virtual void invoke() noexcept = 0;
    // Step 6. Completes the future with what invoke() kept; runs the done callbacks.
    virtual void publish() noexcept = 0;
    // shutdown(cancel_futures=true): cancel the future of an item that never started.
    virtual void cancel() noexcept = 0;

    std::chrono::steady_clock::time_point enqueued_at;  // set by submit, for stats
    // Tracing (submit_traced): the tracer of the loop that submitted the call, and the
    // item's id on the trace. Null / 0 for an untraced submit.
    Tracer* tracer = nullptr;
    std::uint64_t trace_id = 0;
};

template <class R, class Fn, class... Args>
class WorkItemFor final : public WorkItem {
public:
    template <class F, class... A>
    WorkItemFor(ConcurrentFuture<R> future, F&& fn, A&&... args)
        : future_(std::move(future)), fn_(std::forward<F>(fn)), args_(std::forward<A>(args)...) {}

    bool start() override { return future_.set_running_or_notify_cancel(); }

    void invoke() noexcept override {
        try {
            // Called once, so the function and arguments are passed as rvalues, as
            // std::thread does: a move-only argument can be consumed by the call.
            auto call = [this](Args&... args) -> decltype(auto) {
                return std::invoke(std::move(fn_), std::move(args)...);
            };
            if constexpr (std::is_void_v<R>) {
                std::apply(call, args_);
                value_.emplace();
            } else {
                value_.emplace(std::apply(call, args_));
            }
        } catch (...) {
            error_ = std::current_exception();
        }
    }

    void publish() noexcept override {
        // Cannot throw InvalidStateError: start() made the future running, and a running
        // future can be neither cancelled nor completed by anyone but this item.
        if (error_) {
            future_.set_exception(std::move(error_));
        } else if constexpr (std::is_void_v<R>) {
            future_.set_result();
        } else {
            future_.set_result(std::move(*value_));
        }
    }

    void cancel() noexcept override { future_.cancel(); }

private:
    using Value = std::conditional_t<std::is_void_v<R>, std::monostate, R>;
    ConcurrentFuture<R> future_;
    Fn fn_;
    std::tuple<Args...> args_;
    std::optional<Value> value_;  // the call's value, between invoke() and publish()
    std::exception_ptr error_;    // or the call's exception
};

// What submit(fn, args...) produces: the decayed call's result, without references or
// cv-qualifiers (a function returning const std::string& yields a future holding a copy: the
// referenced object may be gone by the time anyone reads the result).
template <class F, class... Args>
using SubmitResult =
    std::remove_cvref_t<std::invoke_result_t<std::decay_t<F>, std::decay_t<Args>...>>;

}  // namespace detail

class ThreadPoolExecutor {
public:
    // Counters for demos and tests: they make the cost of threads visible. All times are
    // steady_clock durations.
    struct Stats {
        std::size_t threads_started = 0;   // worker threads created so far (never more than max)
        std::size_t queue_depth = 0;       // items queued right now, not yet taken by a worker
        std::size_t peak_queue_depth = 0;  // the largest queue_depth seen
        std::uint64_t submitted = 0;       // successful submit() calls
        std::uint64_t completed = 0;       // calls that ran (returned or threw)
        std::uint64_t cancelled = 0;       // items whose call never ran (cancelled while queued)
        // Over the `completed` items: from submit() to a worker taking the item ...
        std::chrono::nanoseconds total_time_queued{0};
        std::chrono::nanoseconds max_time_queued{0};
        // ... and from the worker taking it to the call returning (done callbacks excluded).
        std::chrono::nanoseconds total_time_running{0};
        std::chrono::nanoseconds max_time_running{0};
    };

    // max_workers defaults to min(32, hardware threads + 4), Python's default: I/O-bound
    // calls spend most of their time blocked, so a few more threads than cores pay off, and
    // 32 caps the memory of many idle stacks on big machines. Throws std::invalid_argument
    // for 0. Threads are named prefix + "_" + index; an empty prefix becomes
    // "ThreadPoolExecutor-N" (N counts such executors in this process), as in Python.
    explicit ThreadPoolExecutor(std::optional<std::size_t> max_workers = {},
                                std::string thread_name_prefix = "");

    // shutdown(wait=true): every queued call still runs, then the workers are joined.
    // Calling it (destroying the executor) from one of its own workers is a bug: shutdown
    // throws, and the destructor, being noexcept, then terminates.
    ~ThreadPoolExecutor();

    ThreadPoolExecutor(const ThreadPoolExecutor&) = delete;
    ThreadPoolExecutor& operator=(const ThreadPoolExecutor&) = delete;

    // Schedules fn(args...) to run on a worker and returns its future. fn and args are
    // decay-copied here, in the caller's thread (like std::thread), and destroyed on the
    // worker after the call. What fn throws is stored in the future and rethrown by
    // result(). Starts a worker thread if none is idle and fewer than max_workers() exist.
    // Throws std::runtime_error after shutdown(), and whatever copying fn/args or starting
    // a thread throws (then nothing was scheduled).
    template <class F, class... Args>
    requires std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>
    auto submit(F&& fn, Args&&... args) -> ConcurrentFuture<detail::SubmitResult<F, Args...>> {
        return submit_traced(nullptr, 0, std::forward<F>(fn), std::forward<Args>(args)...);
    }

    // submit(), recording the item on `tracer` (nullptr: untraced) as work item `trace_id`:
    // executor_queued here, executor_run on the worker that runs it (tracer.hpp). The pool
    // belongs to no loop, so the caller says which tracer: run_in_executor passes its loop's.
    template <class F, class... Args>
    requires std::is_invocable_v<std::decay_t<F>, std::decay_t<Args>...>
    auto submit_traced(Tracer* tracer, std::uint64_t trace_id, F&& fn, Args&&... args)
        -> ConcurrentFuture<detail::SubmitResult<F, Args...>> {
        using R = detail::SubmitResult<F, Args...>;
        ConcurrentFuture<R> future;
        auto item =
            std::make_unique<detail::WorkItemFor<R, std::decay_t<F>, std::decay_t<Args>...>>(
                future, std::forward<F>(fn), std::forward<Args>(args)...);
        item->tracer = tracer;
        item->trace_id = trace_id;
        enqueue(std::move(item));
        return future;
    }

    // Stops accepting work: submit() throws from now on. Idempotent; callable from any
    // thread but the pool's own workers when wait is true.
    //   cancel_futures: cancel every item still queued (their done callbacks run in this
    //                   thread); items already running always finish.
    //   wait:           return only after every worker has exited, i.e. after every item
    //                   not cancelled has run. Throws std::runtime_error if called with
    //                   wait=true from one of this pool's workers (a thread cannot join
    //                   itself; Python raises RuntimeError for the same reason).
    // With wait=false the workers finish the queue in the background; the destructor joins.
    void shutdown(bool wait = true, bool cancel_futures = false);

    std::size_t max_workers() const noexcept { return max_workers_; }
    const std::string& thread_name_prefix() const noexcept { return thread_name_prefix_; }

    // A consistent snapshot (taken under the lock). After shutdown(wait=true),
    // submitted == completed + cancelled.
    Stats stats() const;

private:
    void enqueue(std::unique_ptr<detail::WorkItem> item);
    void start_worker_locked();
    void worker_main(std::size_t index);

    const std::size_t max_workers_;
    const std::string thread_name_prefix_;

    mutable std::mutex mutex_;
    std::condition_variable work_available_;  // queue_ became non-empty, or shutdown_ was set
    std::deque<std::unique_ptr<detail::WorkItem>> queue_;  // FIFO, oldest at the front
    bool shutdown_ = false;
    // Workers not inside a call: waiting, just started, or between calls. An item queued
    // while queue_.size() <= available_ will be picked up without a new thread.
    std::size_t available_ = 0;
    std::vector<std::thread> threads_;         // only grows, and only before shutdown_
    std::vector<std::thread::id> worker_ids_;  // the same threads' ids, for shutdown's check
    Stats stats_;                              // queue_depth is filled in by stats()

    std::mutex join_mutex_;  // held while joining, so concurrent shutdown(wait)s both wait
};

}  // namespace looplab
