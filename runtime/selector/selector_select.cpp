// runtime/selector/selector_select.cpp: SelectSelector, the select(2) backend (see
// selector_select.hpp).
//
// asyncio: selectors.SelectSelector
//
// to_timeval is [[maybe_unused]] because a starter copy (docs/make_starter.sh) has no select()
// body to call it.
//
// select() rebuilds three fd_sets from the map on every call (the kernel overwrites them with
// its answer), then walks the map once more to read the answer back.

#include "runtime/selector/selector_select.hpp"

#include <sys/time.h>

#include <cerrno>
#include <string>

#include "runtime/exercise_not_done.hpp"
#include "runtime/selector/selector_detail.hpp"

namespace looplab {

namespace {

constexpr std::string_view kName = "select";

// The timeout as select(2)'s timeval, rounded UP to the microsecond for the reason
// selector_detail.hpp gives for milliseconds; nullopt stays "no timeval" (wait forever).
[[maybe_unused]] timeval to_timeval(std::chrono::nanoseconds timeout) {
    const std::int64_t ns = timeout.count() < 0 ? 0 : timeout.count();
    const std::int64_t us = ns / 1000 + (ns % 1000 != 0 ? 1 : 0);
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(us / 1'000'000);
    tv.tv_usec = static_cast<suseconds_t>(us % 1'000'000);
    return tv;
}

}  // namespace

void SelectSelector::register_fd(int fd, SelectorEvents events, void* data) {
    // exercise(select_selector): begin
    detail::check_selector_args(kName, "register_fd", fd, events);
    if (fd >= FD_SETSIZE) {
        throw std::invalid_argument("select register_fd: fd " + std::to_string(fd) +
                                    " is not below FD_SETSIZE (" + std::to_string(FD_SETSIZE) +
                                    "); use poll or epoll");
    }
    if (watches_.contains(fd)) detail::throw_already_registered(kName, fd);
    watches_.emplace(fd, Watch{events, data});
    // exercise(select_selector): end
}

void SelectSelector::modify(int fd, SelectorEvents events, void* data) {
    // exercise(select_selector): begin
    detail::check_selector_args(kName, "modify", fd, events);
    const auto it = watches_.find(fd);
    if (it == watches_.end()) detail::throw_not_registered(kName, "modify", fd);
    it->second = Watch{events, data};
    // exercise(select_selector): end
}

void SelectSelector::unregister(int fd) {
    // exercise(select_selector): begin
    // Nothing to tell the kernel: select(2) has no interest set, so a closed fd is fine too.
    if (watches_.erase(fd) == 0) detail::throw_not_registered(kName, "unregister", fd);
    // exercise(select_selector): end
}

int SelectSelector::select(std::optional<std::chrono::nanoseconds> timeout,
                           std::vector<SelectorEvent>& out) {
    // exercise(select_selector): begin
    out.clear();
    fd_set readable;
    fd_set writable;
    fd_set failed;
    FD_ZERO(&readable);
    FD_ZERO(&writable);
    FD_ZERO(&failed);
    for (const auto& [fd, watch] : watches_) {
        if (watch.events & kRead) FD_SET(fd, &readable);
        if (watch.events & kWrite) FD_SET(fd, &writable);
        FD_SET(fd, &failed);
    }
    const int nfds = watches_.empty() ? 0 : watches_.rbegin()->first + 1;
    timeval tv{};
    if (timeout) tv = to_timeval(*timeout);
    const int n = ::select(nfds, &readable, &writable, &failed, timeout ? &tv : nullptr);
    if (n < 0) {
        if (errno == EINTR) return 0;  // a signal: no events, the loop goes round again
        detail::throw_errno(errno, "select", -1);
    }
    if (n == 0) return 0;
    for (const auto& [fd, watch] : watches_) {
        SelectorEvents ready = 0;
        if (FD_ISSET(fd, &readable)) ready |= kRead;
        if (FD_ISSET(fd, &writable)) ready |= kWrite;
        // Exceptional conditions (out-of-band data, on sockets): let the read or write report
        // them, like the other backends do with errors and hang-ups.
        if (FD_ISSET(fd, &failed)) ready |= kRead | kWrite;
        ready &= watch.events;
        if (ready != 0) out.push_back(SelectorEvent{fd, ready, watch.data});
    }
    return static_cast<int>(out.size());
    // exercise(select_selector): end
}

}  // namespace looplab
