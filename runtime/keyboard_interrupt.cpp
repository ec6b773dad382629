// runtime/keyboard_interrupt.cpp: see keyboard_interrupt.hpp (asyncio: Runner._on_sigint).
#include "runtime/keyboard_interrupt.hpp"

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "runtime/signal_watch.hpp"
#include "runtime/task.hpp"

#ifdef __linux__
#include <sys/syscall.h>
#endif

namespace looplab::detail {

namespace {

bool sigint_has_default_disposition() {
    struct sigaction current {};
    if (::sigaction(SIGINT, nullptr, &current) != 0) return false;
    return !(current.sa_flags & SA_SIGINFO) && current.sa_handler == SIG_DFL;
}

}  // namespace

bool is_main_thread() noexcept {
#ifdef __linux__
    return ::syscall(SYS_gettid) == ::getpid();
#else
    return false;  // no portable test: Ctrl-C keeps its default action there
#endif
}

InterruptMainTask::InterruptMainTask(EventLoop& loop, RefPtr<FutureStateBase> main) {
    if (!is_main_thread() || !sigint_has_default_disposition()) return;
    loop_ = &loop;
    auto on_sigint = [this, &loop, main = std::move(main)] {
        interrupted_ = true;
        // From now on a second Ctrl-C takes SIGINT's default action: it kills.
        loop.remove_signal_handler(SIGINT);
        loop_ = nullptr;
        if (!main->done()) main->cancel("interrupted by SIGINT (Ctrl-C)");
    };
    loop.add_signal_handler(SIGINT, std::move(on_sigint));
    SignalWatch::set_repeat_kills(SIGINT, true);
}

InterruptMainTask::~InterruptMainTask() {
    if (loop_ && !loop_->is_closed()) loop_->remove_signal_handler(SIGINT);
}

bool InterruptMainTask::ended(TaskBase& main) {
    return interrupted_ && main.ref()->cancelled() && main.uncancel() == 0;
}

void die_of_sigint() {
    // Die of SIGINT, so that the shell (and a parent's waitpid) sees an interrupted program.
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    ::sigaction(SIGINT, &fallback, nullptr);
    ::raise(SIGINT);
    std::_Exit(128 + SIGINT);  // SIGINT blocked by the caller: the same status by hand
}

}  // namespace looplab::detail
