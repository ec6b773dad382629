// runtime/gather.hpp: run awaitables concurrently and collect all their results.
//
// asyncio: asyncio.gather (tasks.py, _GatheringFuture).
//
//     auto [a, b] = co_await gather(fetch(x), fetch(y));            // tuple, in argument order
//     std::vector<std::string> all = co_await gather(std::move(coros));  // over a range
//     auto outcomes = co_await gather(return_exceptions, fetch(x), fetch(y));
//
// Each Coro argument becomes a Task at once, so they all run concurrently. gather returns a
// Future, completed when every child is done. The rules are asyncio's:
//   - the first child to fail (exception, or cancelled) fails the gather with that exception
//     (CancelledError for a cancelled child); the other children are NOT cancelled and keep
//     running;
//   - with return_exceptions, failures are results too (Outcome<T> holds either), and the
//     gather waits for every child;
//   - cancelling the gather cancels every child that is not done; the gather then ends with
//     CancelledError once they have finished.
// void children give std::monostate in the result.
#pragma once

#include <cstddef>
#include <memory>
#include <tuple>
#include <vector>

#include "runtime/awaitable_traits.hpp"

namespace looplab {

struct ReturnExceptions {};
// Pass as the first argument: gather(return_exceptions, a, b, ...).
inline constexpr ReturnExceptions return_exceptions{};

namespace detail {

// The outer future of a gather: counts its children and builds the result when all are done.
template <class R>
class GatherState final : public FutureState<R> {
public:
    GatherState(EventLoop& loop, std::vector<RefPtr<FutureStateBase>> children,
                bool return_exceptions, UniqueFunction<R()> collect)
        : FutureState<R>(&loop),
          children_(std::move(children)),
          collect_(std::move(collect)),
          return_exceptions_(return_exceptions) {}

    void start() {
        this->set_label(labels::done_of("gather", &finished_, children_.size()));
        if (children_.empty()) {
            this->set_result(collect_());
            return;
        }
        for (auto& child : children_) {
            child->add_done_callback(
                [self = RefPtr<GatherState>(this)](FutureStateBase& c) { self->on_child_done(c); });
        }
    }

    // Cancelling the gather cancels the children; the gather itself ends when they do.
    bool cancel(std::string message) override {
        if (this->done()) return false;
        bool any = false;
        for (auto& child : children_) any = child->cancel(message) || any;
        if (any) cancel_requested_ = true;
        return any;
    }

private:
    void on_child_done(FutureStateBase& child) {
        ++finished_;
        if (this->done()) {
            child.mark_retrieved();  // the gather already failed; nobody will look at this one
            return;
        }
        if (!return_exceptions_) {
            if (std::exception_ptr error = child.exception()) {  // CancelledError if cancelled
                this->set_exception(error);
                return;
            }
        }
        if (finished_ < children_.size()) return;
        if (cancel_requested_) {
            this->set_exception(std::make_exception_ptr(CancelledError()));
            return;
        }
        try {
            this->set_result(collect_());
        } catch (...) {
            this->set_exception(std::current_exception());
        }
    }

    std::vector<RefPtr<FutureStateBase>> children_;
    UniqueFunction<R()> collect_;
    std::size_t finished_ = 0;
    bool return_exceptions_;
    bool cancel_requested_ = false;
};

template <class T>
ValueOf<T> take_value(Future<T>& f) {
    return f.state()->take_result();
}

template <class T>
Outcome<T> take_outcome(Future<T>& f) {
    if (std::exception_ptr error = f.exception()) return Outcome<T>(error);
    return Outcome<T>(f.state()->take_result());
}

template <class R>
Future<R> start_gather(std::vector<RefPtr<FutureStateBase>> children, bool return_exceptions,
                       UniqueFunction<R()> collect) {
    RefPtr<GatherState<R>> state(new GatherState<R>(get_running_loop(), std::move(children),
                                                    return_exceptions, std::move(collect)));
    state->start();
    return Future<R>(RefPtr<FutureState<R>>(std::move(state)));
}

template <class... Ts>
std::vector<RefPtr<FutureStateBase>> states_of(const std::tuple<Future<Ts>...>& futures) {
    return std::apply(
        [](const auto&... f) { return std::vector<RefPtr<FutureStateBase>>{f.state_ref()...}; },
        futures);
}

// The children's futures, made in argument order. The tuple is brace-initialised because a
// braced list is evaluated left to right, while function arguments are not: through
// make_shared's arguments g++ 12 evaluated them right to left, so the children's tasks were
// created, and so started, in reverse (asyncio starts them in argument order).
template <class... Aws>
auto futures_in_order(Aws&&... aws) {
    using Futures = std::tuple<Future<awaited_t<Aws>>...>;
    return std::make_shared<Futures>(Futures{to_future(std::forward<Aws>(aws))...});
}

}  // namespace detail

// Variadic: a tuple of the children's results, in argument order.
template <class... Aws>
auto gather(Aws&&... aws) -> Future<std::tuple<detail::ValueOf<detail::awaited_t<Aws>>...>> {
    using R = std::tuple<detail::ValueOf<detail::awaited_t<Aws>>...>;
    auto futures = detail::futures_in_order(std::forward<Aws>(aws)...);
    return detail::start_gather<R>(detail::states_of(*futures), false, [futures]() -> R {
        return std::apply([](auto&... f) { return R{detail::take_value(f)...}; }, *futures);
    });
}

// Variadic with return_exceptions: a tuple of Outcome<T>, one per child.
template <class... Aws>
auto gather(ReturnExceptions, Aws&&... aws)
    -> Future<std::tuple<Outcome<detail::awaited_t<Aws>>...>> {
    using R = std::tuple<Outcome<detail::awaited_t<Aws>>...>;
    auto futures = detail::futures_in_order(std::forward<Aws>(aws)...);
    return detail::start_gather<R>(detail::states_of(*futures), true, [futures]() -> R {
        return std::apply([](auto&... f) { return R{detail::take_outcome(f)...}; }, *futures);
    });
}

namespace detail {

// The children of a range gather, as futures (Coros become tasks here, in range order), and
// their states for the GatherState to watch.
template <class A>
struct RangeChildren {
    using T = awaited_t<A>;
    std::shared_ptr<std::vector<Future<T>>> futures = std::make_shared<std::vector<Future<T>>>();
    std::vector<RefPtr<FutureStateBase>> states;

    explicit RangeChildren(std::vector<A>& aws) {
        futures->reserve(aws.size());
        states.reserve(aws.size());
        for (auto& a : aws) {
            futures->push_back(to_future(std::move(a)));
            states.push_back(futures->back().state_ref());
        }
    }
};

}  // namespace detail

// Over a range: a vector of results in the range's order.
template <class A>
auto gather(std::vector<A> aws) -> Future<std::vector<detail::ValueOf<detail::awaited_t<A>>>> {
    using R = std::vector<detail::ValueOf<detail::awaited_t<A>>>;
    detail::RangeChildren<A> children(aws);
    return detail::start_gather<R>(std::move(children.states), false,
                                   [futures = children.futures]() -> R {
                                       R out;
                                       out.reserve(futures->size());
                                       for (auto& f : *futures)
                                           out.push_back(detail::take_value(f));
                                       return out;
                                   });
}

// Over a range with return_exceptions: a vector of Outcome<T>.
template <class A>
auto gather(ReturnExceptions, std::vector<A> aws)
    -> Future<std::vector<Outcome<detail::awaited_t<A>>>> {
    using R = std::vector<Outcome<detail::awaited_t<A>>>;
    detail::RangeChildren<A> children(aws);
    return detail::start_gather<R>(std::move(children.states), true,
                                   [futures = children.futures]() -> R {
                                       R out;
                                       out.reserve(futures->size());
                                       for (auto& f : *futures)
                                           out.push_back(detail::take_outcome(f));
                                       return out;
                                   });
}

}  // namespace looplab
