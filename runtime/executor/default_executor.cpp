// runtime/executor/default_executor.cpp: the loop's default executor (asyncio:
// loop._default_executor).
//
// run_in_executor(nullptr, ...) and to_thread() use it. It is made on first use, so a
// program that never runs blocking calls never starts a thread. looplab::run shuts it down
// (waiting for the calls still queued) before closing the loop, as asyncio.run does.
#include <system_error>
#include <thread>

#include "runtime/executor/run_in_executor.hpp"
#include "runtime/task.hpp"

namespace looplab {

ThreadPoolExecutor& EventLoop::default_executor() {
    check_open("default_executor");
    if (default_executor_shut_down_) {
        throw InvalidStateError("the default executor has been shut down");
    }
    if (!default_executor_) {
        // Threads are named looplab_0, looplab_1, ... (asyncio: "asyncio_0", ...).
        default_executor_ = std::make_unique<ThreadPoolExecutor>(std::nullopt, "looplab");
    }
    return *default_executor_;
}

// Replacing an executor destroys the previous one, which waits (blocking the loop) for the
// calls it still has: set the default executor before the first run_in_executor.
void EventLoop::set_default_executor(std::unique_ptr<ThreadPoolExecutor> executor) {
    check_open("set_default_executor");
    default_executor_ = std::move(executor);
}

// Joining worker threads blocks, and the loop must not block, so (as asyncio does) the join
// happens in a helper thread, which posts back to the loop when it is done. Every result the
// pool delivers is posted before that (the workers post before they exit), so when this
// returns, every run_in_executor future of the default executor is complete. If the awaiting
// task is cancelled meanwhile, we still wait for the helper (it refers to our future) but
// then let the CancelledError go on.
Coro<void> EventLoop::shutdown_default_executor() {
    default_executor_shut_down_ = true;
    if (!default_executor_) co_return;
    Future<void> joined = create_future<void>();
    begin_external_work();
    // The reference to `joined` is taken here, on the loop thread, and only ever moved by the
    // helper (see run_in_executor.hpp for why a loop future's count must not be touched there).
    std::thread helper;
    try {
        helper = std::thread([pool = default_executor_.get(), inbox = inbox_, this,
                              target = joined.state_ref()]() mutable {
            pool->shutdown(/*wait=*/true);
            Callback done = [this, target = std::move(target)] {
                end_external_work();
                if (!target->done()) target->set_result();
            };
            if (!inbox->post(done)) detail::ThreadsafeInbox::abandon(std::move(done));
        });
    } catch (const std::system_error&) {
        // No thread to spare: join right here, blocking the loop, rather than not at all.
        end_external_work();
        default_executor_->shutdown(/*wait=*/true);
        co_return;
    }
    std::exception_ptr cancelled;
    try {
        co_await Future<void>(joined);
    } catch (...) {
        cancelled = std::current_exception();
    }
    helper.join();
    if (cancelled) std::rethrow_exception(cancelled);
}

}  // namespace looplab
