// runtime/timeout.cpp: the Timeout scope's states (see the diagram in timeout.hpp).
#include "runtime/timeout.hpp"

#include <string>

namespace looplab {

const char* Timeout::state_name() const noexcept {
    switch (state_) {
        case State::created:
            return "created";
        case State::active:
            return "active";
        case State::expiring:
            return "expiring";
        case State::expired:
            return "expired";
        case State::finished:
            return "finished";
    }
    return "?";
}

void Timeout::enter() {
    if (state_ != State::created) throw InvalidStateError("Timeout has already been entered");
    task_ = current_task();
    if (!task_) throw InvalidStateError("Timeout should be used inside a task");
    state_ = State::active;
    cancelling_at_enter_ = task_->cancelling();
    reschedule(when_);
}

void Timeout::reschedule(std::optional<TimePoint> when) {
    if (state_ != State::active) {
        if (state_ == State::created) throw InvalidStateError("Timeout has not been entered");
        throw InvalidStateError(std::string("Cannot change state of ") + state_name() + " Timeout");
    }
    when_ = when;
    timer_.cancel();
    timer_ = Handle();
    if (!when) return;
    EventLoop& loop = task_->loop();
    // A deadline already past acts before the task's next step, like asyncio's call_soon here:
    // a timer would only be queued in phase 5, after a step already in the ready queue.
    if (*when <= loop.time()) {
        timer_ = loop.call_soon([this] { on_timeout(); });
    } else {
        timer_ = loop.call_at(*when, [this] { on_timeout(); });
    }
    timer_.set_label(labels::about(task_->future(), "cancelled by timeout"));
}

void Timeout::on_timeout() {
    task_->cancel("timeout");
    state_ = State::expiring;
    timer_ = Handle();
}

bool Timeout::exit(bool cancelled) {
    timer_.cancel();
    timer_ = Handle();
    if (state_ == State::expiring) {
        state_ = State::expired;
        // Take our own request back; if none other is left, the cancellation was ours.
        return task_->uncancel() <= cancelling_at_enter_ && cancelled;
    }
    state_ = State::finished;
    return false;
}

}  // namespace looplab
