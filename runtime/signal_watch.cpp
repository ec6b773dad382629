// runtime/signal_watch.cpp: the C handler, the process's slots, and the loop's side. The
// header proves the three properties (async-signal-safe, no raise lost, no write after close).
#include "runtime/signal_watch.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <mutex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include "runtime/errors.hpp"

namespace looplab::detail {

namespace {

static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "a signal handler may only touch lock-free atomics");

// One per signal number, for the whole process. The handler reads all three; the loops write
// them only under owners_mutex (the handler never takes it).
struct Slot {
    std::atomic<int> wake_fd{-1};  // the owning loop's wake-up fd; -1: no loop holds the signal
    std::atomic<bool> raised{false};
    std::atomic<bool> repeat_kills{false};
};

Slot slots[NSIG];
std::atomic<int> handlers_running{0};  // handlers between counting in and out (see the header)
std::mutex owners_mutex;               // add / remove on any loop's thread, never the handler

extern "C" void on_signal(int sig) {
    const int saved_errno = errno;  // write() below must not change what the interrupted code sees
    handlers_running.fetch_add(1);
    Slot& slot = slots[sig];
    const bool again = slot.raised.exchange(true);
    if (again && slot.repeat_kills.load()) {
        // The loop has not taken the first one: it is stuck. Do what the default action does.
        struct sigaction fallback {};
        fallback.sa_handler = SIG_DFL;
        ::sigaction(sig, &fallback, nullptr);
        ::raise(sig);  // blocked while this handler runs; delivered, with SIG_DFL, on return
    }
    const int fd = slot.wake_fd.load();
    if (fd >= 0) {
        const std::uint64_t one = 1;  // an eventfd wants 8 bytes; a pipe takes them too
        [[maybe_unused]] const ssize_t n = ::write(fd, &one, sizeof one);
    }
    handlers_running.fetch_sub(1);
    errno = saved_errno;
}

void install(int sig, void (*handler)(int)) {
    struct sigaction action {};
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = handler == SIG_DFL ? 0 : SA_RESTART;
    if (::sigaction(sig, &action, nullptr) != 0) {
        throw std::system_error(errno, std::generic_category(),
                                "sigaction(" + std::to_string(sig) + ")");
    }
}

}  // namespace

SignalWatch::SignalWatch(std::shared_ptr<ThreadsafeInbox> inbox) : inbox_(std::move(inbox)) {}

SignalWatch::~SignalWatch() {
    while (!held_.empty()) remove(held_.back().sig);
    // No handler may still be about to write to the inbox's fd once we let go of it.
    while (handlers_running.load() != 0) std::this_thread::yield();
}

bool SignalWatch::is_signal(int sig) noexcept {
    return sig >= 1 && sig < NSIG;
}

bool SignalWatch::holds(int sig) const noexcept {
    return std::any_of(held_.begin(), held_.end(), [sig](const Held& h) { return h.sig == sig; });
}

void SignalWatch::add(int sig, Handle callback) {
    if (!is_signal(sig)) {
        throw std::invalid_argument("add_signal_handler: " + std::to_string(sig) +
                                    " is not a signal number");
    }
    for (Held& h : held_) {
        if (h.sig != sig) continue;
        h.callback.cancel();  // replaces this loop's earlier handler (asyncio: the same)
        h.callback = std::move(callback);
        return;
    }
    std::lock_guard lock(owners_mutex);
    Slot& slot = slots[sig];
    if (slot.wake_fd.load() >= 0) {
        throw InvalidStateError("add_signal_handler: signal " + std::to_string(sig) +
                                " is already handled by another event loop");
    }
    slot.raised.store(false);
    slot.wake_fd.store(inbox_->write_fd());
    try {
        install(sig, on_signal);
    } catch (...) {
        slot.wake_fd.store(-1);
        throw;
    }
    held_.push_back({sig, std::move(callback)});
}

bool SignalWatch::remove(int sig) {
    const auto it =
        std::find_if(held_.begin(), held_.end(), [sig](const Held& h) { return h.sig == sig; });
    if (it == held_.end()) return false;
    it->callback.cancel();
    held_.erase(it);
    std::lock_guard lock(owners_mutex);
    Slot& slot = slots[sig];
    slot.repeat_kills.store(false);
    install(sig, SIG_DFL);  // cannot fail: sig was caught a moment ago
    slot.wake_fd.store(-1);
    slot.raised.store(false);
    return true;
}

void SignalWatch::queue_raised(std::vector<Handle>& ready) {
    for (Held& h : held_) {
        Slot& slot = slots[h.sig];
        // Cheap test first: this runs every iteration, and almost always nothing was raised.
        if (!slot.raised.load(std::memory_order_relaxed)) continue;
        if (slot.raised.exchange(false) && !h.callback.cancelled()) ready.push_back(h.callback);
    }
}

void SignalWatch::set_repeat_kills(int sig, bool on) noexcept {
    if (is_signal(sig)) slots[sig].repeat_kills.store(on);
}

}  // namespace looplab::detail
