// runtime/shield.hpp: protect an awaitable from being cancelled by its awaiter.
//
// asyncio: asyncio.shield (tasks.py).
//
//     co_await shield(save_to_disk());   // cancelling us does not stop the save
//
// shield returns a new outer future mirroring the inner one. Cancelling the awaiting task
// cancels only the outer future: the awaiter gets CancelledError at once, while the inner
// task runs on to the end. If the inner one is cancelled by someone else, the outer is
// cancelled too. (The inner task stays alive because the loop holds its scheduled steps.)
#pragma once

#include "runtime/awaitable_traits.hpp"

namespace looplab {

template <class Aw>
auto shield(Aw aw) -> Future<detail::awaited_t<Aw>> {
    using T = detail::awaited_t<Aw>;
    Future<T> inner = detail::to_future(std::move(aw));
    if (inner.done()) return inner;
    Future<T> outer = inner.get_loop().template create_future<T>();
    outer.state()->set_label(labels::about(*inner.state(), "inside shield"));

    const std::uint64_t id = inner.add_done_callback([outer](Future<T>& in) mutable {
        if (outer.cancelled()) {
            if (!in.cancelled()) in.state()->mark_retrieved();  // nobody waits for it any more
            return;
        }
        detail::copy_outcome(in, outer);
    });
    outer.add_done_callback([inner, id](Future<T>&) mutable {
        if (!inner.done()) inner.remove_done_callback(id);
    });
    return outer;
}

}  // namespace looplab
