// runtime/selector/selector_kqueue.hpp: the BSD / macOS selector, built on kqueue(2). Not on Linux.
//
// asyncio: selectors.KqueueSelector
// libuv:   src/unix/kqueue.c
//
// Like epoll, the kernel keeps the interest set and a wait costs the ready fds only. Unlike
// epoll, interest is per (fd, direction): reading and writing are two separate filters,
// EVFILT_READ and EVFILT_WRITE, each added and deleted on its own, and each reported as its
// own kevent. So register_fd for kRead | kWrite installs two filters, modify installs or
// deletes only the filters whose direction changed, and select() merges the two kevents an fd
// can produce into the one SelectorEvent the contract promises.
//
// The table of (interest, data) per fd is kept for the same reasons as in the epoll backend
// (selector_epoll.hpp): data-only modifies cost no syscall, size() and "is it registered?"
// need no kernel call, and ready fds are matched to their data by number.
#pragma once

// Older BSD manuals ask for sys/types.h and sys/time.h before sys/event.h, hence the order.
#include <sys/types.h>

#include <sys/time.h>

#include <sys/event.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "runtime/selector/selector.hpp"

namespace looplab {

class KqueueSelector final : public Selector {
public:
    // Opens the kqueue and marks it close-on-exec. Throws std::system_error if the kernel
    // refuses (EMFILE, ENFILE, ENOMEM).
    KqueueSelector();
    ~KqueueSelector() override;

    // See selector.hpp for the contract. Throws std::invalid_argument for bad arguments or a
    // wrong registration state, std::system_error if the kernel refuses a filter.
    void register_fd(int fd, SelectorEvents events, void* data) override;
    // Changing only the data pointer makes no syscall; otherwise one per filter added or
    // deleted. Filters are added before old ones are deleted, so a failure leaves the old
    // registration in force.
    void modify(int fd, SelectorEvents events, void* data) override;
    // Closing an fd removes its filters in the kernel, so a closed fd is simply forgotten.
    void unregister(int fd) override;
    int select(std::optional<std::chrono::nanoseconds> timeout,
               std::vector<SelectorEvent>& out) override;

    std::size_t size() const override { return registered_; }
    std::string_view name() const override { return "kqueue"; }

private:
    // What the selector knows about one fd. events == 0 means "not registered".
    struct Watch {
        SelectorEvents events = 0;  // kRead / kWrite, as last given to register_fd or modify
        void* data = nullptr;       // handed back untouched in SelectorEvent::data
        // Which select() call last reported this fd, and where in `out`: lets the second
        // filter of the same fd find the first one's SelectorEvent in O(1) and merge into it.
        std::uint64_t reported_in_pass = 0;
        std::size_t out_index = 0;
    };

    Watch* find(int fd);
    // Applies one EV_ADD / EV_DELETE change for one filter; 0 or the errno it failed with.
    int change(int fd, SelectorEvents direction, unsigned flags);
    // Adds or deletes the filters for every direction in `directions`. On an EV_ADD failure
    // the filters added so far are deleted again before throwing.
    void add_filters(int fd, SelectorEvents directions);
    void delete_filters(int fd, SelectorEvents directions);
    // One kevent() wait into ready_; the number of events, or -1 if a signal interrupted it.
    int wait(const struct timespec* timeout);

    int kq_ = -1;                       // the kqueue; owned, closed by the destructor
    std::vector<Watch> watches_;        // indexed by fd; grows to the highest fd registered
    std::size_t registered_ = 0;        // registered fds
    std::size_t filters_ = 0;           // filters installed: 1 or 2 per registered fd
    std::vector<struct kevent> ready_;  // kevent()'s output buffer, reused across calls
    std::uint64_t pass_ = 0;            // counts select() calls, for Watch::reported_in_pass
};

}  // namespace looplab
