// runtime/as_completed.hpp: results in the order they finish, not the order asked.
//
// asyncio: asyncio.as_completed (tasks.py).
//
//     auto results = as_completed(std::move(tasks), 5s);
//     for (std::size_t i = 0; i < results.size(); ++i) {
//         std::string page = co_await results.next();   // the next one to finish
//     }
//
// Each future gets a done callback that appends it to a "finished" queue and wakes the
// reader. next() takes the oldest finished future and returns its result (or throws its
// exception). After the timeout, next() throws TimeoutError for every future not finished
// by then (those that did finish first are still returned first).
#pragma once

#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "runtime/awaitable_traits.hpp"

namespace looplab {

template <class T>
class AsCompleted {
public:
    AsCompleted(std::vector<Future<T>> futures, std::optional<Duration> timeout)
        : shared_(std::make_shared<Shared>()), total_(futures.size()) {
        EventLoop& loop = get_running_loop();
        for (auto& f : futures) {
            f.add_done_callback([s = shared_](Future<T>& done) {
                // Past the timeout, every future not finished yet is a TimeoutError, even if
                // it finishes before the reader asks (asyncio removes these callbacks then).
                if (s->timed_out) return;
                s->finished.push_back(done);
                s->wake();
            });
        }
        if (timeout) {
            // A weak reference: Shared owns this timer, so a strong one would be a cycle that
            // nothing breaks once the timer has fired (LeakSanitizer finds it).
            shared_->timer = loop.call_later(*timeout, [weak = std::weak_ptr<Shared>(shared_)] {
                if (std::shared_ptr<Shared> s = weak.lock()) {
                    s->timed_out = true;
                    s->wake();
                }
            });
        }
    }

    // How many results next() will give.
    std::size_t size() const { return total_; }

    // The result of the next future to finish. TimeoutError once the timeout has passed and
    // nothing more has finished; std::out_of_range after size() calls.
    Coro<T> next() {
        if (taken_ == total_) throw std::out_of_range("as_completed: every result was taken");
        auto s = shared_;
        while (s->finished.empty()) {
            if (s->timed_out) throw TimeoutError("as_completed: timed out");
            s->waiter = get_running_loop().create_future<void>();
            s->waiter.state()->set_label(labels::done_of("as_completed.next", &taken_, total_));
            co_await Future<void>(s->waiter);
        }
        Future<T> f = std::move(s->finished.front());
        s->finished.pop_front();
        if (++taken_ == total_) s->timer.cancel();
        co_return f.result();
    }

private:
    struct Shared {
        std::deque<Future<T>> finished;
        Future<void> waiter;
        TimerHandle timer;
        bool timed_out = false;
        void wake() {
            if (waiter && !waiter.done()) waiter.set_result();
        }
    };
    std::shared_ptr<Shared> shared_;
    std::size_t total_;
    std::size_t taken_ = 0;
};

template <class A>
AsCompleted<detail::awaited_t<A>> as_completed(std::vector<A> aws,
                                               std::optional<Duration> timeout = std::nullopt) {
    using T = detail::awaited_t<A>;
    std::vector<Future<T>> futures;
    futures.reserve(aws.size());
    for (auto& a : aws) futures.push_back(detail::to_future(std::move(a)));
    return AsCompleted<T>(std::move(futures), timeout);
}

}  // namespace looplab
