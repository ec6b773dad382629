// runtime/awaitable_traits.hpp: turning "something awaitable" into a Future.
//
// asyncio: asyncio.ensure_future, which the combinators (gather, wait_for, shield) call on
//          their arguments: a coroutine becomes a Task, a Future stays itself.
//
// The combinators accept a Coro<T>, a Task<T> or a Future<T>; to_future() gives each of them
// one shape, Future<T>, and awaited_t<A> names the T.
#pragma once

#include <utility>

#include "runtime/task.hpp"

namespace looplab::detail {

template <class T>
Future<T> to_future(Coro<T>&& coro) {
    return get_running_loop().create_task(std::move(coro));
}
template <class T>
Future<T> to_future(const Future<T>& future) {
    return future;
}
template <class T>
Future<T> to_future(const Task<T>& task) {
    return task;
}

template <class A>
using awaited_t = typename decltype(to_future(std::declval<A>()))::value_type;

// Copies a finished future's outcome (value, exception or cancellation) into a pending one.
template <class T>
void copy_outcome(Future<T>& from, Future<T>& to) {
    if (from.cancelled()) {
        to.cancel();
    } else if (auto error = from.exception()) {
        to.set_exception(error);
    } else if constexpr (std::is_void_v<T>) {
        to.set_result();
    } else {
        to.set_result(from.result());
    }
}

}  // namespace looplab::detail
