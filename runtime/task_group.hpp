// runtime/task_group.hpp: structured concurrency: children never outlive their scope.
//
// asyncio: asyncio.TaskGroup (taskgroups.py, 3.11).
// Trio:    the nursery, where the idea comes from.
//
//     co_await task_group([&](TaskGroup& tg) -> Coro<> {
//         tg.create_task(fetch(a));
//         tg.create_task(fetch(b));
//         co_return;
//     });   // returns when both are done
//
// The rules are asyncio's:
//   - the scope does not end until every child task is done;
//   - the first child to fail (not counting cancellation) cancels every other child and the
//     body itself (the parent task), so the scope ends promptly;
//   - every failure is raised together as one ExceptionGroup; a cancellation of the parent
//     from outside still propagates as CancelledError (if no child failed).
// C++ has no `async with`, so the scope is a function taking the body; the body must be a
// lambda returning Coro<>, and task_group keeps that lambda alive for as long as it runs.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "runtime/task.hpp"

namespace looplab {

class TaskGroup {
public:
    TaskGroup() = default;
    TaskGroup(const TaskGroup&) = delete;
    TaskGroup& operator=(const TaskGroup&) = delete;

    // Starts a child task in the group. InvalidStateError if the group has finished, or is
    // shutting down after a failure.
    template <class T>
    Task<T> create_task(Coro<T> coro, std::string name = {},
                        SourceLocation where = SourceLocation::current()) {
        check_can_start();
        Task<T> task = loop_->create_task(std::move(coro), std::move(name), where);
        adopt(task.base());
        return task;
    }

    // The scope's entry and exit (asyncio: __aenter__ / __aexit__); task_group() calls them.
    void enter();
    Coro<void> exit(std::exception_ptr body_error);

private:
    void check_can_start() const;
    void adopt(TaskBase& task);
    void on_task_done(detail::FutureStateBase& task);
    void abort();

    EventLoop* loop_ = nullptr;
    TaskBase* parent_ = nullptr;
    std::vector<detail::RefPtr<detail::FutureStateBase>> tasks_;  // children not done yet
    std::vector<std::exception_ptr> errors_;
    Future<void> on_completed_;  // set when tasks_ becomes empty while exit() waits
    bool entered_ = false;
    bool exiting_ = false;
    bool finished_ = false;
    bool aborting_ = false;
    bool parent_cancel_requested_ = false;
};

// Runs body(group) and then waits for every task it started in the group (see above).
template <class Body>
Coro<void> task_group(Body body) {
    TaskGroup group;
    group.enter();
    std::exception_ptr body_error;
    try {
        co_await body(group);
    } catch (...) {
        body_error = std::current_exception();
    }
    co_await group.exit(body_error);
}

}  // namespace looplab
