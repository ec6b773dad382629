// runtime/runner.cpp: Runner's checks and its close (see runner.hpp), and the clean-up that
// looplab::run shares with it (asyncio: runners._cancel_all_tasks).
#include "runtime/runner.hpp"

#include <iostream>
#include <vector>

namespace looplab {

namespace detail {

namespace {

// Waits until every given task is done, without caring how each one ended.
Coro<void> wait_all_done(std::vector<RefPtr<FutureStateBase>> tasks) {
    for (auto& t : tasks) {
        if (t->done()) continue;
        Future<void> done = get_running_loop().create_future<void>();
        t->add_done_callback([done](FutureStateBase&) mutable {
            if (!done.done()) done.set_result();
        });
        co_await Future<void>(done);
    }
}

}  // namespace

void finish_run(EventLoop& loop) {
    std::vector<RefPtr<FutureStateBase>> leftovers;
    for (TaskBase* t : loop.all_tasks()) {
        leftovers.push_back(t->ref());
        t->cancel();
    }
    if (!leftovers.empty()) {
        loop.run_until_complete(wait_all_done(leftovers));
        for (auto& t : leftovers) {
            if (t->cancelled()) continue;
            if (std::exception_ptr error = t->exception()) {
                loop.call_exception_handler({"unhandled exception during looplab::run() shutdown",
                                             error, t->describe_self()});
            }
        }
    }
    loop.run_until_complete(loop.shutdown_default_executor());
    loop.close();
}

}  // namespace detail

Runner::~Runner() {
    try {
        close();
    } catch (...) {
        // A destructor must not throw; say what went wrong instead of terminating.
        std::cerr << "looplab: Runner::close() failed: " << describe(std::current_exception())
                  << std::endl;
    }
}

void Runner::check_can_run() const {
    if (closed_) throw InvalidStateError("Runner is closed");
    if (try_get_running_loop()) {
        throw InvalidStateError("Runner.run() cannot be called from a running event loop");
    }
}

void Runner::close() {
    if (closed_) return;
    if (try_get_running_loop() == &loop_) {
        throw InvalidStateError("Runner.close() cannot be called from its running loop");
    }
    closed_ = true;
    if (try_get_running_loop()) {
        // Another loop runs in this thread, so this one cannot run its clean-up: close it as it
        // is (pending tasks are reported "destroyed but pending", which they are).
        loop_.close();
        return;
    }
    detail::finish_run(loop_);
}

EventLoop& Runner::get_loop() {
    if (closed_) throw InvalidStateError("Runner is closed");
    return loop_;
}

}  // namespace looplab
