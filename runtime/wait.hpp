// runtime/wait.hpp: wait for some of a set of futures, with an optional timeout.
//
// asyncio: asyncio.wait (tasks.py, _wait) with FIRST_COMPLETED / FIRST_EXCEPTION /
//          ALL_COMPLETED.
//
//     auto [done, pending] = co_await wait(tasks, FIRST_COMPLETED, 500ms);
//
// Unlike gather, wait never raises the children's exceptions and never cancels them, not
// even on timeout: it only reports which are done. Each future gets a done callback that
// counts down; the waiting task sleeps on one internal future, completed by the last needed
// callback or by the timeout timer. The callbacks are removed on the way out, so a long-lived
// future passed to many waits does not collect dead callbacks.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "runtime/awaitable_traits.hpp"

namespace looplab {

enum class ReturnWhen { FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED };
inline constexpr ReturnWhen FIRST_COMPLETED = ReturnWhen::FIRST_COMPLETED;
inline constexpr ReturnWhen FIRST_EXCEPTION = ReturnWhen::FIRST_EXCEPTION;
inline constexpr ReturnWhen ALL_COMPLETED = ReturnWhen::ALL_COMPLETED;

template <class T>
struct WaitResult {
    std::vector<Future<T>> done;
    std::vector<Future<T>> pending;
};

template <class T>
Coro<WaitResult<T>> wait(std::vector<Future<T>> futures, ReturnWhen when = ALL_COMPLETED,
                         std::optional<Duration> timeout = std::nullopt) {
    if (futures.empty()) throw std::invalid_argument("wait() needs at least one future");
    EventLoop& loop = get_running_loop();

    // Shared with the callbacks, which may already be queued when this coroutine returns.
    struct Shared {
        std::size_t remaining;
        Future<void> waiter;
        ReturnWhen when;
        TimerHandle timer;
        void wake() {
            timer.cancel();
            if (!waiter.done()) waiter.set_result();
        }
    };
    auto shared =
        std::make_shared<Shared>(Shared{futures.size(), loop.create_future<void>(), when, {}});
    shared->waiter.state()->set_label(
        labels::remaining_of("wait", &shared->remaining, futures.size()));
    if (timeout) {
        // A weak reference: Shared owns this timer, and a strong one would be a cycle that
        // only the clean-up below breaks, which never runs if the loop closes under us.
        shared->timer = loop.call_later(*timeout, [weak = std::weak_ptr<Shared>(shared)] {
            if (std::shared_ptr<Shared> s = weak.lock()) s->wake();
        });
    }

    std::vector<std::uint64_t> ids;
    ids.reserve(futures.size());
    for (auto& f : futures) {
        ids.push_back(f.state()->add_done_callback([shared](detail::FutureStateBase& s) {
            --shared->remaining;
            // exception() marks the failure as retrieved, so look only when FIRST_EXCEPTION
            // needs to know (as asyncio does): waiting for a future is not handling its error.
            if (shared->remaining == 0 || shared->when == FIRST_COMPLETED ||
                (shared->when == FIRST_EXCEPTION && !s.cancelled() && s.exception())) {
                shared->wake();
            }
        }));
    }

    std::exception_ptr cancelled;
    try {
        co_await shared->waiter;
    } catch (...) {
        cancelled = std::current_exception();  // our task was cancelled: clean up, then rethrow
    }
    shared->timer.cancel();
    for (std::size_t i = 0; i < futures.size(); ++i) futures[i].remove_done_callback(ids[i]);
    if (cancelled) std::rethrow_exception(cancelled);

    WaitResult<T> result;
    for (auto& f : futures) (f.done() ? result.done : result.pending).push_back(std::move(f));
    co_return result;
}

// wait() over tasks: Task<T> is a Future<T>.
template <class T>
Coro<WaitResult<T>> wait(std::vector<Task<T>> tasks, ReturnWhen when = ALL_COMPLETED,
                         std::optional<Duration> timeout = std::nullopt) {
    std::vector<Future<T>> futures(tasks.begin(), tasks.end());
    co_return co_await wait(std::move(futures), when, timeout);
}

}  // namespace looplab
