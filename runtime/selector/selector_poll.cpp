// runtime/selector/selector_poll.cpp: PollSelector, the portable backend (see selector_poll.hpp).
//
// asyncio: selectors.PollSelector
// libuv:   src/unix/posix-poll.c
//
// Everything but select() is bookkeeping on two parallel arrays; select() is one poll(2)
// call and a scan that stops as soon as it has seen as many ready entries as poll() counted.

#include "runtime/selector/selector_poll.hpp"

#include <cerrno>

#include "runtime/selector/selector_detail.hpp"

namespace looplab {

namespace {

constexpr std::string_view kName = "poll";

short to_poll(SelectorEvents events) {
    short mask = 0;
    if (events & kRead) mask |= POLLIN;
    if (events & kWrite) mask |= POLLOUT;
    return mask;
}

}  // namespace

void PollSelector::register_fd(int fd, SelectorEvents events, void* data) {
    detail::check_selector_args(kName, "register_fd", fd, events);
    if (index_.contains(fd)) detail::throw_already_registered(kName, fd);

    // Reserve first so that none of the three insertions below can throw halfway and leave
    // the vectors and the map disagreeing.
    pollfds_.reserve(pollfds_.size() + 1);
    watches_.reserve(watches_.size() + 1);
    index_.emplace(fd, pollfds_.size());
    pollfds_.push_back(pollfd{fd, to_poll(events), 0});
    watches_.push_back(Watch{events, data});
}

void PollSelector::modify(int fd, SelectorEvents events, void* data) {
    detail::check_selector_args(kName, "modify", fd, events);
    const auto it = index_.find(fd);
    if (it == index_.end()) detail::throw_not_registered(kName, "modify", fd);
    pollfds_[it->second].events = to_poll(events);
    watches_[it->second] = Watch{events, data};
}

void PollSelector::unregister(int fd) {
    const auto it = index_.find(fd);
    if (it == index_.end()) detail::throw_not_registered(kName, "unregister", fd);
    // Nothing to tell the kernel, so an fd the caller already closed is no different from an
    // open one. (If its number has been reused meanwhile, the entry being removed was already
    // polling the new file: one more reason to unregister before close.)
    const std::size_t index = it->second;
    index_.erase(it);
    remove_at(index);
}

void PollSelector::remove_at(std::size_t index) {
    // Swap-remove: move the last entry into the hole, then fix the moved fd's index.
    const std::size_t last = pollfds_.size() - 1;
    if (index != last) {
        pollfds_[index] = pollfds_[last];
        watches_[index] = watches_[last];
        index_[pollfds_[index].fd] = index;
    }
    pollfds_.pop_back();
    watches_.pop_back();
}

int PollSelector::select(std::optional<std::chrono::nanoseconds> timeout,
                         std::vector<SelectorEvent>& out) {
    out.clear();
    // With nothing registered this is a plain sleep for the timeout, which is what the loop
    // wants when it has only timers. revents is output only, so entries need no reset.
    const int n = ::poll(pollfds_.data(), static_cast<nfds_t>(pollfds_.size()),
                         detail::timeout_to_milliseconds(timeout));
    if (n < 0) {
        // A signal arrived: no events, the loop goes round again (see selector.hpp).
        if (errno == EINTR) return 0;
        detail::throw_errno(errno, "poll", -1);
    }

    int seen = 0;
    for (std::size_t i = 0; i < pollfds_.size() && seen < n; ++i) {
        const short revents = pollfds_[i].revents;
        if (revents == 0) continue;
        ++seen;

        SelectorEvents ready = 0;
        if (revents & POLLIN) ready |= kRead;
        if (revents & POLLOUT) ready |= kWrite;
        // POLLERR and POLLHUP: the caller's read() or write() will report what went wrong,
        // so make it run (the same rule as in the epoll backend).
        //
        // POLLNVAL: the fd is not open, meaning the caller closed it without unregistering.
        // poll() reports that on every call, immediately, whatever the timeout. Skipping it
        // would turn the loop into a silent spin at 100% CPU with nothing ever reported;
        // reporting it runs the fd's callback, whose read() or write() fails with EBADF,
        // which the loop surfaces as an error naming the culprit.
        if (revents & (POLLERR | POLLHUP | POLLNVAL)) ready |= kRead | kWrite;
        ready &= watches_[i].events;
        if (ready != 0) out.push_back(SelectorEvent{pollfds_[i].fd, ready, watches_[i].data});
    }
    return static_cast<int>(out.size());
}

}  // namespace looplab
