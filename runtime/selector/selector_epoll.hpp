// runtime/selector/selector_epoll.hpp: the Linux selector, built on epoll(7). Linux only.
//
// asyncio: selectors.EpollSelector
// libuv:   src/unix/epoll.c (uv__io_poll) and the loop's watcher table indexed by fd.
//
// The kernel holds the interest set between waits, so a wait costs the number of ready fds,
// not the number registered: 10,000 idle connections and 10 busy ones cost like 10. poll(2)
// pays for all 10,000 on every call.
//
// Beside the kernel's set, the selector keeps its own table, indexed by fd, of what each fd
// is watched for and the caller's data pointer, because:
//   - modify() that only changes the data pointer (the common case when the loop swaps a
//     callback) is then a table write, not an epoll_ctl syscall;
//   - "is this fd registered?" and size() are answered without asking the kernel, which has
//     no call for either;
//   - a ready fd is matched to its data by the fd number carried in epoll_event, so the data
//     pointer never has to be trusted back from the kernel after it was unregistered.
// A vector indexed by fd (as libuv does) beats a hash map here: the kernel hands out the
// lowest free fd numbers, so the table stays dense and a lookup is one index.
#pragma once

#include <sys/epoll.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "runtime/selector/selector.hpp"

namespace looplab {

class EpollSelector final : public Selector {
public:
    // Opens the epoll instance with close-on-exec, so a child process started with exec does
    // not inherit it. Throws std::system_error if the kernel refuses (EMFILE, ENFILE, ENOMEM).
    EpollSelector();
    ~EpollSelector() override;

    // See selector.hpp for the contract. Throws std::invalid_argument for bad arguments or a
    // wrong registration state, std::system_error if epoll_ctl fails (for example EPERM for a
    // regular file, which epoll refuses to watch; asyncio's EpollSelector raises there too).
    void register_fd(int fd, SelectorEvents events, void* data) override;
    // Changing only the data pointer makes no syscall. Changing the interest of an fd the
    // caller has already closed throws std::system_error (EBADF or ENOENT).
    void modify(int fd, SelectorEvents events, void* data) override;
    // Never throws for an fd that was closed before unregister; see the .cpp for the one case
    // that rule cannot cover (unregister before close, as asyncio also asks).
    void unregister(int fd) override;
    int select(std::optional<std::chrono::nanoseconds> timeout,
               std::vector<SelectorEvent>& out) override;

    std::size_t size() const override { return registered_; }
    std::string_view name() const override { return "epoll"; }

private:
    // What the selector knows about one fd. events == 0 means "not registered": register_fd
    // refuses an empty interest, so no registered fd can have it.
    struct Watch {
        SelectorEvents events = 0;  // kRead / kWrite, as last given to register_fd or modify
        void* data = nullptr;       // handed back untouched in SelectorEvent::data
    };

    // The registration for fd, or nullptr if it has none (including fds past the table).
    Watch* find(int fd);
    // One epoll_wait into ready_; the number of events, or -1 if a signal interrupted it.
    int wait(int timeout_ms);

    int epfd_ = -1;                   // the epoll instance; owned, closed by the destructor
    std::vector<Watch> watches_;      // indexed by fd; grows to the highest fd registered
    std::size_t registered_ = 0;      // how many entries of watches_ are registered
    std::vector<epoll_event> ready_;  // epoll_wait's output buffer, reused across calls
};

}  // namespace looplab
