// runtime/selector/selector_kqueue.cpp: KqueueSelector, the BSD / macOS backend (see
// selector_kqueue.hpp). Compiled on Apple and the BSDs only (the CMake glob filters it).
//
// asyncio: selectors.KqueueSelector
// libuv:   src/unix/kqueue.c
//
// Each filter change is its own kevent() call, as asyncio does it. Batching several changes
// into one call is possible, but then a failure in the middle leaves it unclear which of the
// earlier changes took effect (short of EV_RECEIPT, which not every BSD has), and undoing a
// half-applied registration correctly matters more here than one syscall.

#include "runtime/selector/selector_kqueue.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>

#include "runtime/selector/selector_detail.hpp"

namespace looplab {

namespace {

constexpr std::string_view kName = "kqueue";
constexpr std::size_t kInitialBufferSize = 64;  // see the epoll backend: grown on bursts

constexpr SelectorEvents kDirections[] = {kRead, kWrite};

}  // namespace

KqueueSelector::KqueueSelector() : ready_(kInitialBufferSize) {
    kq_ = ::kqueue();
    if (kq_ < 0) detail::throw_errno(errno, "kqueue", -1);
    // Not every BSD has a kqueue variant that sets close-on-exec atomically, so set it
    // afterwards. A fork+exec on another thread in between could leak this fd into the child;
    // the loop creates its selector before starting threads, which closes that window.
    if (::fcntl(kq_, F_SETFD, FD_CLOEXEC) < 0) {
        const int err = errno;
        ::close(kq_);
        detail::throw_errno(err, "fcntl(F_SETFD, FD_CLOEXEC)", kq_);
    }
}

KqueueSelector::~KqueueSelector() {
    // Closing the kqueue drops every filter with it. The fds themselves belong to the caller.
    ::close(kq_);
}

KqueueSelector::Watch* KqueueSelector::find(int fd) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= watches_.size()) return nullptr;
    Watch& watch = watches_[static_cast<std::size_t>(fd)];
    return watch.events != 0 ? &watch : nullptr;
}

int KqueueSelector::change(int fd, SelectorEvents direction, unsigned flags) {
    // Fields set one by one rather than with EV_SET: the field types (and udata's, void* or
    // intptr_t) differ between the BSDs, and value-initialisation zeroes the rest everywhere.
    struct kevent kev {};
    kev.ident = static_cast<decltype(kev.ident)>(fd);
    kev.filter = direction == kRead ? EVFILT_READ : EVFILT_WRITE;
    kev.flags = static_cast<decltype(kev.flags)>(flags);
    if (::kevent(kq_, &kev, 1, nullptr, 0, nullptr) < 0) return errno;
    return 0;
}

void KqueueSelector::add_filters(int fd, SelectorEvents directions) {
    SelectorEvents added = 0;
    for (SelectorEvents direction : kDirections) {
        if ((directions & direction) == 0) continue;
        if (const int err = change(fd, direction, EV_ADD); err != 0) {
            // Undo the half: a registration either happens completely or not at all.
            delete_filters(fd, added);
            detail::throw_errno(
                err,
                direction == kRead ? "kevent(EVFILT_READ, EV_ADD)" : "kevent(EVFILT_WRITE, EV_ADD)",
                fd);
        }
        added |= direction;
        ++filters_;
    }
}

void KqueueSelector::delete_filters(int fd, SelectorEvents directions) {
    for (SelectorEvents direction : kDirections) {
        if ((directions & direction) == 0) continue;
        // Closing an fd deletes its filters in the kernel. Deleting after that fails with
        // EBADF (the number is free) or ENOENT (the number now names a newer open file that
        // has no filter here): either way the filter is gone, which is what was asked. Any
        // other failure is ignored too: the filter then lingers, but select() masks its
        // events by the interest, so the caller never sees them.
        (void)change(fd, direction, EV_DELETE);
        --filters_;
    }
}

void KqueueSelector::register_fd(int fd, SelectorEvents events, void* data) {
    detail::check_selector_args(kName, "register_fd", fd, events);
    if (find(fd) != nullptr) detail::throw_already_registered(kName, fd);

    // Grow the table first: if that throws, the kernel has not been touched.
    if (static_cast<std::size_t>(fd) >= watches_.size()) {
        watches_.resize(static_cast<std::size_t>(fd) + 1);
    }
    add_filters(fd, events);
    watches_[static_cast<std::size_t>(fd)] = Watch{events, data, 0, 0};
    ++registered_;
}

void KqueueSelector::modify(int fd, SelectorEvents events, void* data) {
    detail::check_selector_args(kName, "modify", fd, events);
    Watch* watch = find(fd);
    if (watch == nullptr) detail::throw_not_registered(kName, "modify", fd);

    // Add before deleting: if an add fails (the fd was closed, say), add_filters has undone
    // its own part and the old filters are all still there, matching the unchanged table.
    add_filters(fd, events & ~watch->events);
    delete_filters(fd, watch->events & ~events);
    watch->events = events;
    watch->data = data;
}

void KqueueSelector::unregister(int fd) {
    Watch* watch = find(fd);
    if (watch == nullptr) detail::throw_not_registered(kName, "unregister", fd);
    // The epoll backend's warning about closing before unregistering applies here in a milder
    // form: kqueue ties filters to the fd number and drops them when that number is closed,
    // even if the file is still open through a dup(), so no stale filter survives the close.
    delete_filters(fd, watch->events);
    *watch = Watch{};
    --registered_;
}

int KqueueSelector::wait(const struct timespec* timeout) {
    const int n =
        ::kevent(kq_, nullptr, 0, ready_.data(), static_cast<int>(ready_.size()), timeout);
    if (n >= 0) return n;
    if (errno == EINTR) return -1;  // no events, not an error (see selector.hpp)
    detail::throw_errno(errno, "kevent", -1);
}

int KqueueSelector::select(std::optional<std::chrono::nanoseconds> timeout,
                           std::vector<SelectorEvent>& out) {
    out.clear();
    // kevent takes nanoseconds, so unlike poll and epoll no rounding is needed.
    struct timespec ts {};
    const struct timespec* timeout_ptr = nullptr;  // nullptr: wait forever
    if (timeout) {
        const std::int64_t ns = std::max<std::int64_t>(timeout->count(), 0);
        ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
        ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
        timeout_ptr = &ts;
    }
    int n = wait(timeout_ptr);

    // A full buffer may have cut ready fds off. As in the epoll backend, grow it and look
    // again without waiting: filters are level-triggered, so the second answer holds all
    // that is still ready and replaces the first. An fd can hold two filters, so the buffer
    // is big enough for everything once it has one slot per installed filter.
    const struct timespec zero {};
    while (n == static_cast<int>(ready_.size()) && ready_.size() < filters_) {
        ready_.resize(std::min(ready_.size() * 2, filters_));
        const int again = wait(&zero);
        if (again < 0) break;  // EINTR: the first answer (still at the front) is valid
        n = again;
    }
    if (n < 0) return 0;

    ++pass_;
    for (int i = 0; i < n; ++i) {
        const struct kevent& kev = ready_[static_cast<std::size_t>(i)];
        const int fd = static_cast<int>(kev.ident);
        Watch* watch = find(fd);
        if (watch == nullptr) continue;  // a filter whose delete failed; see delete_filters

        SelectorEvents ready = 0;
        if (kev.filter == EVFILT_READ) ready = kRead;
        if (kev.filter == EVFILT_WRITE) ready = kWrite;
        // EV_EOF needs no extra handling: the filter that carries it has fired, so its
        // direction is already in `ready`, and the read() (returning 0) or write() (failing
        // with EPIPE) the caller makes next reports the end. It deliberately does not add the
        // other direction: a read filter's EV_EOF also means a mere half-close (the peer's
        // shutdown(SHUT_WR)), after which writing may still block, and a level-triggered
        // "writable" there would spin the loop. A full hang-up fires both filters by itself.
        // EV_ERROR is not expected from a pure wait; if it comes, let both directions find out.
        if (kev.flags & EV_ERROR) ready |= kRead | kWrite;
        ready &= watch->events;
        if (ready == 0) continue;

        if (watch->reported_in_pass == pass_) {
            out[watch->out_index].events |= ready;  // this fd's other filter came first
        } else {
            watch->reported_in_pass = pass_;
            watch->out_index = out.size();
            out.push_back(SelectorEvent{fd, ready, watch->data});
        }
    }
    return static_cast<int>(out.size());
}

}  // namespace looplab
