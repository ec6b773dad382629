// runtime/task_group.cpp: the rules of task_group.hpp, step by step as asyncio's TaskGroup.
#include "runtime/task_group.hpp"

#include <algorithm>

#include "runtime/errors.hpp"

namespace looplab {

void TaskGroup::enter() {
    if (entered_) throw InvalidStateError("TaskGroup has already been entered");
    parent_ = current_task();
    if (!parent_) throw InvalidStateError("TaskGroup must be used inside a task");
    loop_ = &parent_->loop();
    entered_ = true;
}

void TaskGroup::check_can_start() const {
    if (!entered_) throw InvalidStateError("TaskGroup has not been entered");
    if (finished_) throw InvalidStateError("TaskGroup is finished");
    if (aborting_) throw InvalidStateError("TaskGroup is shutting down");
}

void TaskGroup::adopt(TaskBase& task) {
    tasks_.push_back(task.ref());
    // The group outlives this callback: exit() does not return until every child's callback
    // has run (tasks_ empty).
    task.future().add_done_callback([this](detail::FutureStateBase& t) { on_task_done(t); });
}

void TaskGroup::abort() {
    aborting_ = true;
    for (auto& t : tasks_) {
        if (!t->done()) t->cancel();
    }
}

void TaskGroup::on_task_done(detail::FutureStateBase& task) {
    std::erase_if(tasks_, [&](const auto& t) { return t.get() == &task; });
    if (on_completed_ && tasks_.empty() && !on_completed_.done()) on_completed_.set_result();
    if (task.cancelled()) return;
    std::exception_ptr error = task.exception();
    if (!error) return;
    errors_.push_back(error);
    if (parent_->done()) {
        loop_->call_exception_handler(
            {"TaskGroup child failed after its parent task finished", error, parent_->get_name()});
        return;
    }
    if (!aborting_ && !parent_cancel_requested_) {
        // Stop the body too (it may be awaiting something long); exit() takes this request
        // back with uncancel(), so the parent is not left cancelled by us.
        abort();
        parent_cancel_requested_ = true;
        parent_->cancel();
    }
}

Coro<void> TaskGroup::exit(std::exception_ptr body_error) {
    exiting_ = true;
    std::exception_ptr propagate_cancellation =
        holds<CancelledError>(body_error) ? body_error : std::exception_ptr();
    if (body_error && !aborting_) abort();

    // A loop, because the wait itself may be cancelled more than once.
    while (!tasks_.empty()) {
        on_completed_ = loop_->create_future<void>();
        on_completed_.state()->set_label(labels::text("TaskGroup exit: its tasks finishing"));
        try {
            co_await Future<void>(on_completed_);
        } catch (const CancelledError&) {
            if (!aborting_) {
                propagate_cancellation = std::current_exception();
                abort();
            }
        }
        on_completed_ = Future<void>();
    }
    finished_ = true;

    if (parent_cancel_requested_ && parent_->uncancel() == 0) {
        propagate_cancellation = nullptr;  // the only cancellation was our own
    }
    if (propagate_cancellation && errors_.empty()) std::rethrow_exception(propagate_cancellation);
    if (body_error && !holds<CancelledError>(body_error)) errors_.push_back(body_error);
    if (!errors_.empty())
        throw ExceptionGroup("unhandled errors in a TaskGroup", std::move(errors_));
}

}  // namespace looplab
