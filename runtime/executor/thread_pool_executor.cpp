// runtime/executor/thread_pool_executor.cpp: the pool's threads, queue and shutdown. The header
// comment describes the worker loop, the thread-start rule and the lock discipline.
#include "runtime/executor/thread_pool_executor.hpp"

#include <algorithm>
#include <atomic>
#include <stdexcept>

#include "runtime/observe/trace_points.hpp"

#if defined(__linux__) || defined(__APPLE__)
#include <pthread.h>
#endif

namespace looplab {

namespace {

using SteadyClock = std::chrono::steady_clock;

std::size_t default_max_workers() {
    const unsigned cpus = std::thread::hardware_concurrency();  // 0 when unknown
    return std::min<std::size_t>(32, (cpus == 0 ? 1 : cpus) + 4);
}

std::size_t checked_max_workers(std::optional<std::size_t> max_workers) {
    if (!max_workers) return default_max_workers();
    if (*max_workers == 0) throw std::invalid_argument("max_workers must be greater than 0");
    return *max_workers;
}

std::string prefix_or_default(std::string prefix) {
    if (!prefix.empty()) return prefix;
    static std::atomic<std::size_t> unnamed_executors{0};
    return "ThreadPoolExecutor-" + std::to_string(unnamed_executors.fetch_add(1));
}

// Names the calling thread, so the pool shows up in top -H, gdb and perf. Linux allows 15
// bytes (pthread_setname_np fails with ERANGE beyond that), so a long prefix is cut but the
// "_index" suffix is always kept: the index is what tells the threads apart.
void set_current_thread_name(const std::string& prefix, std::size_t index) {
    const std::string suffix = "_" + std::to_string(index);
    constexpr std::size_t kMaxName = 15;
    std::string name = prefix.substr(0, kMaxName > suffix.size() ? kMaxName - suffix.size() : 0);
    name += suffix;
    name.resize(std::min(name.size(), kMaxName));
#if defined(__linux__)
    pthread_setname_np(pthread_self(), name.c_str());
#elif defined(__APPLE__)
    pthread_setname_np(name.c_str());
#endif
}

}  // namespace

ThreadPoolExecutor::ThreadPoolExecutor(std::optional<std::size_t> max_workers,
                                       std::string thread_name_prefix)
    : max_workers_(checked_max_workers(max_workers)),
      thread_name_prefix_(prefix_or_default(std::move(thread_name_prefix))) {}

ThreadPoolExecutor::~ThreadPoolExecutor() {
    shutdown(/*wait=*/true);
}

void ThreadPoolExecutor::enqueue(std::unique_ptr<detail::WorkItem> item) {
    item->enqueued_at = SteadyClock::now();
    // Declared before the lock so that, on the failure path below, the item is destroyed
    // after the lock is released: its destructor destroys the caller's fn and args.
    std::unique_ptr<detail::WorkItem> undone;
    Tracer* const tracer = item->tracer;
    const std::uint64_t trace_id = item->trace_id;
    std::size_t queued = 0;
    std::int64_t queued_at = 0;
    {
        std::lock_guard lock(mutex_);
        if (shutdown_) throw std::runtime_error("cannot schedule new futures after shutdown");
        // Stamped under the lock, so it is earlier than the executor_run of the worker that
        // takes the item, even if that worker records first.
        if (tracer) [[unlikely]] {
            queued_at = trace_now();
        }
        queue_.push_back(std::move(item));
        // The thread-start rule (header comment): every queued item needs a worker that is
        // not busy with a call. If there are more items than such workers, add one.
        if (queue_.size() > available_ && threads_.size() < max_workers_) {
            try {
                start_worker_locked();
            } catch (...) {
                // Undo, so that a failed submit schedules nothing.
                undone = std::move(queue_.back());
                queue_.pop_back();
                throw;
            }
        }
        ++stats_.submitted;
        stats_.peak_queue_depth = std::max(stats_.peak_queue_depth, queue_.size());
        queued = queue_.size();
    }
    // Notify after unlocking: the woken worker can take the lock at once. No wakeup is lost,
    // since a worker checks the queue under the lock before it waits.
    work_available_.notify_one();
    // Recorded outside our lock: the tracer takes its own.
    if (tracer) [[unlikely]] {
        trace::executor_queued(*tracer, trace_id, queued, queued_at);
    }
}

void ThreadPoolExecutor::start_worker_locked() {
    const std::size_t index = threads_.size();
    threads_.reserve(index + 1);  // so that emplace_back below cannot throw after the start
    worker_ids_.reserve(index + 1);
    threads_.emplace_back(&ThreadPoolExecutor::worker_main, this, index);
    worker_ids_.push_back(threads_.back().get_id());
    // The new thread counts as available at once: it will take an item without further
    // help, so the next submit must not start another thread for the same item.
    ++available_;
    ++stats_.threads_started;
}

void ThreadPoolExecutor::worker_main(std::size_t index) {
    set_current_thread_name(thread_name_prefix_, index);
    std::unique_lock lock(mutex_);
    for (;;) {
        // 1. Wait for work; exit once shut down and drained.
        work_available_.wait(lock, [this] { return !queue_.empty() || shutdown_; });
        if (queue_.empty()) return;

        // 2. Take the oldest item.
        std::unique_ptr<detail::WorkItem> item = std::move(queue_.front());
        queue_.pop_front();
        --available_;
        const auto taken_at = SteadyClock::now();
        lock.unlock();

        // 3-4. Run it unless it was cancelled while queued. No lock held: user code.
        const bool started = item->start();
        SteadyClock::time_point returned_at;
        if (started) {
            const std::int64_t traced_start = item->tracer ? trace_now() : 0;
            item->invoke();
            returned_at = SteadyClock::now();
            if (item->tracer) [[unlikely]] {
                trace::executor_run(*item->tracer, item->trace_id, traced_start, index);
            }
        }

        // 5. Available again, before the result is visible (header comment: so that a
        // submit made after result() returns finds this worker idle).
        lock.lock();
        ++available_;
        if (started) {
            ++stats_.completed;
            const auto queued =
                std::chrono::duration_cast<std::chrono::nanoseconds>(taken_at - item->enqueued_at);
            const auto running =
                std::chrono::duration_cast<std::chrono::nanoseconds>(returned_at - taken_at);
            stats_.total_time_queued += queued;
            stats_.max_time_queued = std::max(stats_.max_time_queued, queued);
            stats_.total_time_running += running;
            stats_.max_time_running = std::max(stats_.max_time_running, running);
        } else {
            ++stats_.cancelled;
        }
        lock.unlock();

        // 6. Complete the future: its done callbacks run here, in this worker. Then drop the
        // item (the call's captures are destroyed) still without the lock.
        if (started) item->publish();
        item.reset();
        lock.lock();
    }
}

void ThreadPoolExecutor::shutdown(bool wait, bool cancel_futures) {
    std::deque<std::unique_ptr<detail::WorkItem>> drained;
    bool called_from_worker = false;
    {
        std::lock_guard lock(mutex_);
        shutdown_ = true;
        if (cancel_futures) {
            drained.swap(queue_);
            stats_.cancelled += drained.size();
        }
        called_from_worker = std::find(worker_ids_.begin(), worker_ids_.end(),
                                       std::this_thread::get_id()) != worker_ids_.end();
    }
    // Wake every worker: with the flag set, each one drains what is left and exits.
    work_available_.notify_all();

    // Outside the lock: cancelling runs the futures' done callbacks (user code).
    for (auto& item : drained) item->cancel();
    drained.clear();

    if (!wait) return;
    if (called_from_worker) {
        throw std::runtime_error(
            "ThreadPoolExecutor::shutdown(wait=true) called from one of its own workers: "
            "a thread cannot join itself");
    }
    // threads_ no longer changes (shutdown_ is set, so submit cannot start threads), so it
    // is read here without mutex_. join_mutex_ makes a second concurrent shutdown(wait) wait
    // for this one instead of joining the same std::thread twice.
    std::lock_guard join_lock(join_mutex_);
    for (auto& t : threads_) {
        if (t.joinable()) t.join();
    }
}

ThreadPoolExecutor::Stats ThreadPoolExecutor::stats() const {
    std::lock_guard lock(mutex_);
    Stats s = stats_;
    s.queue_depth = queue_.size();
    return s;
}

}  // namespace looplab
