// runtime/event_loop_signals.cpp: EventLoop::add_signal_handler / remove_signal_handler.
//
// asyncio: _UnixSelectorEventLoop.add_signal_handler / remove_signal_handler (unix_events.py),
//          which is where asyncio keeps them too: apart from the loop's core.
//
// The loop's whole part is small: a SignalWatch (signal_watch.hpp: the C handler, the slots and
// the proofs) made on first use, told the loop's wake-up fd, and asked in phase 4 of each
// iteration which callbacks to queue (event_loop.cpp, queue_threadsafe_calls).
#include <stdexcept>
#include <string>

#include "runtime/event_loop.hpp"
#include "runtime/signal_watch.hpp"

namespace looplab {

void EventLoop::add_signal_handler(int sig, Callback fn, SourceLocation where) {
    check_open("add_signal_handler");
    check_thread("add_signal_handler");
    if (!signals_) signals_ = std::make_unique<detail::SignalWatch>(inbox_);
    signals_->add(sig, Handle(detail::make_handle_state(std::move(fn), where)));
}

bool EventLoop::remove_signal_handler(int sig) {
    check_thread("remove_signal_handler");
    if (!detail::SignalWatch::is_signal(sig)) {
        throw std::invalid_argument("remove_signal_handler: " + std::to_string(sig) +
                                    " is not a signal number");
    }
    return signals_ && signals_->remove(sig);
}

}  // namespace looplab
