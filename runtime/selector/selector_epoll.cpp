// runtime/selector/selector_epoll.cpp: EpollSelector, the Linux backend (see selector_epoll.hpp).
//
// asyncio: selectors.EpollSelector
// libuv:   src/unix/epoll.c
//
// Two details carry most of the reasoning here: how a wait that fills its buffer still
// reports every ready fd (select), and what happens when an fd is closed before it is
// unregistered (unregister). Both are explained where they happen.

#include "runtime/selector/selector_epoll.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "runtime/selector/selector_detail.hpp"

namespace looplab {

namespace {

constexpr std::string_view kName = "epoll";

// Big enough that a typical iteration (a handful of ready fds) never fills it; select() grows
// it when a burst does.
constexpr std::size_t kInitialBufferSize = 64;

std::uint32_t to_epoll(SelectorEvents events) {
    std::uint32_t mask = 0;
    if (events & kRead) mask |= EPOLLIN;
    if (events & kWrite) mask |= EPOLLOUT;
    return mask;
}

}  // namespace

EpollSelector::EpollSelector() : ready_(kInitialBufferSize) {
    epfd_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epfd_ < 0) detail::throw_errno(errno, "epoll_create1", -1);
}

EpollSelector::~EpollSelector() {
    // Closing the epoll fd drops every registration with it; there is nothing to undo one by
    // one. The fds themselves belong to the caller and stay open.
    ::close(epfd_);
}

EpollSelector::Watch* EpollSelector::find(int fd) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= watches_.size()) return nullptr;
    Watch& watch = watches_[static_cast<std::size_t>(fd)];
    return watch.events != 0 ? &watch : nullptr;
}

void EpollSelector::register_fd(int fd, SelectorEvents events, void* data) {
    detail::check_selector_args(kName, "register_fd", fd, events);
    if (find(fd) != nullptr) detail::throw_already_registered(kName, fd);

    // Grow the table before telling the kernel: if the allocation throws, nothing has changed
    // anywhere, instead of the kernel watching an fd the table does not know about.
    if (static_cast<std::size_t>(fd) >= watches_.size()) {
        watches_.resize(static_cast<std::size_t>(fd) + 1);
    }
    epoll_event ev{};
    ev.events = to_epoll(events);
    ev.data.fd = fd;  // the kernel hands this back; select() finds the Watch from it
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) < 0) {
        detail::throw_errno(errno, "epoll_ctl(EPOLL_CTL_ADD)", fd);
    }
    watches_[static_cast<std::size_t>(fd)] = Watch{events, data};
    ++registered_;
}

void EpollSelector::modify(int fd, SelectorEvents events, void* data) {
    detail::check_selector_args(kName, "modify", fd, events);
    Watch* watch = find(fd);
    if (watch == nullptr) detail::throw_not_registered(kName, "modify", fd);

    // The data pointer lives only in our table, so the kernel needs telling only when the
    // interest itself changes.
    if (events != watch->events) {
        epoll_event ev{};
        ev.events = to_epoll(events);
        ev.data.fd = fd;
        if (::epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev) < 0) {
            detail::throw_errno(errno, "epoll_ctl(EPOLL_CTL_MOD)", fd);
        }
    }
    *watch = Watch{events, data};
}

void EpollSelector::unregister(int fd) {
    Watch* watch = find(fd);
    if (watch == nullptr) detail::throw_not_registered(kName, "unregister", fd);

    // The kernel's set holds (fd number, open file) pairs, and closing the last fd that refers
    // to an open file removes that file from every epoll set by itself. So when the caller has
    // already closed fd, EPOLL_CTL_DEL fails with
    //   EBADF   the number is free: nothing left to remove; or
    //   ENOENT  the number was reused by a newer open, which was never added here;
    // and in both cases forgetting fd is all there is to do.
    //
    // The trap the rule cannot cover: if the closed fd's file is still open elsewhere (a
    // dup()ed fd, or a child after fork), the kernel keeps watching it under the old number,
    // and no call can remove it any more: EPOLL_CTL_DEL looks the number up in the fd table,
    // finds the new file or nothing, and never reaches the old entry. It stays in the set and
    // keeps waking epoll_wait, reported under a number that now means something else.
    // select() drops events for unregistered numbers, but if the number is registered again
    // its new owner gets the old file's readiness too. Hence asyncio's rule, and looplab's:
    // unregister before close.
    if (::epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr) < 0 && errno != EBADF && errno != ENOENT) {
        detail::throw_errno(errno, "epoll_ctl(EPOLL_CTL_DEL)", fd);
    }
    *watch = Watch{};
    --registered_;
}

int EpollSelector::wait(int timeout_ms) {
    const int n = ::epoll_wait(epfd_, ready_.data(), static_cast<int>(ready_.size()), timeout_ms);
    if (n >= 0) return n;
    // A signal arrived. The contract returns no events rather than throwing: the loop
    // simply goes round again and recomputes its timeout.
    if (errno == EINTR) return -1;
    detail::throw_errno(errno, "epoll_wait", -1);
}

int EpollSelector::select(std::optional<std::chrono::nanoseconds> timeout,
                          std::vector<SelectorEvent>& out) {
    out.clear();
    int n = wait(detail::timeout_to_milliseconds(timeout));

    // A full buffer means more fds may be ready than it could hold, but the contract is one
    // event per ready fd. Grow the buffer and look again without waiting. Level-triggered
    // epoll reports every fd that is still ready on every wait, so the second answer contains
    // everything the first did plus what the buffer cut off: it replaces the first wholesale,
    // with no merging and no duplicates. The loop stops once the buffer can hold every
    // registered fd. The buffer stays grown, so a burst costs the extra syscalls only once,
    // and its memory follows the largest burst seen rather than the number of registered fds.
    while (n == static_cast<int>(ready_.size()) && ready_.size() < registered_) {
        ready_.resize(std::min(ready_.size() * 2, registered_));
        const int again = wait(0);
        if (again < 0) break;  // EINTR: the first answer (still at the front) is valid
        n = again;
    }
    if (n < 0) return 0;

    for (int i = 0; i < n; ++i) {
        const epoll_event& ev = ready_[static_cast<std::size_t>(i)];
        const int fd = ev.data.fd;
        const Watch* watch = find(fd);
        if (watch == nullptr) continue;  // the stale entry described in unregister()

        SelectorEvents ready = 0;
        if (ev.events & EPOLLIN) ready |= kRead;
        if (ev.events & EPOLLOUT) ready |= kWrite;
        // EPOLLERR and EPOLLHUP are reported whether asked for or not. Passing them on as
        // "readable and writable" (within the interest) makes the caller's next read() or
        // write() run, and that call is what reports the actual error (ECONNRESET, EPIPE, 0
        // bytes for EOF); the selector has no errno to give.
        if (ev.events & (EPOLLERR | EPOLLHUP)) ready |= kRead | kWrite;
        ready &= watch->events;
        if (ready != 0) out.push_back(SelectorEvent{fd, ready, watch->data});
    }
    return static_cast<int>(out.size());
}

}  // namespace looplab
