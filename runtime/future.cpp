// runtime/future.cpp: the non-template half of Future (see future.hpp).
#include "runtime/future.hpp"

#include <algorithm>

namespace looplab::detail {

FutureStateBase::~FutureStateBase() {
    report_if_unretrieved();
}

void FutureStateBase::report_if_unretrieved() noexcept {
    if (!log_traceback_ || !loop_ || loop_->is_closed()) return;
    log_traceback_ = false;
    try {
        loop_->call_exception_handler(
            {describe_self() + " exception was never retrieved", exception_, describe_self()});
    } catch (...) {
        // Reporting must not throw out of a destructor.
    }
}

std::string FutureStateBase::describe_self() const {
    if (!label_) return "Future";
    return label_.text({loop_ ? loop_->time() : TimePoint{}, !done()});
}

void FutureStateBase::check_pending(const char* what) const {
    if (done()) {
        throw InvalidStateError(std::string(what) + ": " + describe_self() +
                                (cancelled() ? " is cancelled" : " is already done"));
    }
}

std::exception_ptr FutureStateBase::make_cancelled_error() const {
    return std::make_exception_ptr(CancelledError(cancel_message_));
}

bool FutureStateBase::cancel(std::string message) {
    if (done()) return false;
    cancel_message_ = std::move(message);
    finish(Status::cancelled);
    return true;
}

void FutureStateBase::set_exception(std::exception_ptr error) {
    check_pending("set_exception");
    if (!error) throw std::invalid_argument("set_exception: null exception_ptr");
    exception_ = std::move(error);
    log_traceback_ = true;
    finish(Status::finished);
}

std::exception_ptr FutureStateBase::exception() {
    if (!done()) throw InvalidStateError("exception(): " + describe_self() + " is not done yet");
    log_traceback_ = false;
    if (cancelled()) return make_cancelled_error();
    return exception_;
}

void FutureStateBase::rethrow_if_failed() {
    if (!done()) throw InvalidStateError("result(): " + describe_self() + " is not done yet");
    log_traceback_ = false;
    if (cancelled()) throw CancelledError(cancel_message_);
    if (exception_) std::rethrow_exception(exception_);
}

std::uint64_t FutureStateBase::add_done_callback(DoneCallback fn) {
    const std::uint64_t id = next_callback_id_++;
    if (done()) {
        schedule_callback(std::move(fn));
    } else if (!first_callback_ && more_callbacks_.empty()) {
        // The inline slot is only for the first callback in registration order: reusing it
        // after remove_done_callback emptied it would run this one before older ones.
        first_callback_.emplace(Entry{id, std::move(fn)});
    } else {
        more_callbacks_.push_back(Entry{id, std::move(fn)});
    }
    return id;
}

std::size_t FutureStateBase::remove_done_callback(std::uint64_t id) {
    std::size_t removed = 0;
    if (first_callback_ && first_callback_->id == id) {
        first_callback_.reset();
        ++removed;
    }
    removed += std::erase_if(more_callbacks_, [id](const Entry& e) { return e.id == id; });
    return removed;
}

// Done callbacks go through call_soon: never inline (see the contract in future.hpp). The
// closure holds a reference to this state so the future outlives the wait in the queue.
void FutureStateBase::schedule_callback(DoneCallback fn) {
    if (loop_->is_closed()) return;  // nothing will ever run them; drop them with the loop
    // No context captured here: a callback added through Future<T>::add_done_callback carries
    // the one current when it was added (future.hpp), and a task's wake-up switches to its own.
    loop_
        ->call_soon_without_context(
            [self = RefPtr<FutureStateBase>(this), fn = std::move(fn)]() mutable { fn(*self); })
        .set_label(labels::done_callback(*this));
}

void FutureStateBase::finish(Status status) {
    status_ = status;
    if (first_callback_) {
        DoneCallback fn = std::move(first_callback_->fn);
        first_callback_.reset();
        schedule_callback(std::move(fn));
    }
    std::vector<Entry> more = std::move(more_callbacks_);
    more_callbacks_.clear();
    for (Entry& e : more) schedule_callback(std::move(e.fn));
}

}  // namespace looplab::detail
