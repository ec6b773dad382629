// runtime/run.cpp: the clean-up half of looplab::run (asyncio: runners._cancel_all_tasks).
#include "runtime/run.hpp"

namespace looplab::detail {

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

}  // namespace looplab::detail
