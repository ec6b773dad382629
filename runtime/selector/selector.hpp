// runtime/selector/selector.hpp: "which of these file descriptors can I read or write without
// blocking?"
//
// asyncio: the `selectors` module (BaseSelector, SelectorKey, EVENT_READ / EVENT_WRITE), which
//          BaseSelectorEventLoop polls once per iteration.
// libuv:   uv__io_poll in src/unix/epoll.c / kqueue.c / posix-poll.c.
//
// The event loop never calls epoll_wait or poll itself; it talks to this interface, so the
// same loop runs on every backend and a student can swap them (LOOPLAB_SELECTOR=poll|epoll)
// and watch nothing change but the syscalls. Backends:
//   EpollSelector   Linux default. The kernel keeps the interest set; one syscall per wait,
//                   cost proportional to the ready fds, not the registered ones.
//   PollSelector    Portable POSIX poll(2): the kernel scans the whole pollfd array on every
//                   call, so the cost is proportional to the registered fds, ready or not.
//   KqueueSelector  BSD / macOS: one kevent filter per direction.
//   SelectSelector  select(2), everywhere, fds below FD_SETSIZE only: the course's exercise
//                   (docs/course.md, lesson 3), never the default.
//
// Contract shared by all backends (tests/runtime/selector_test.cpp checks it on each):
//   - register_fd(fd, events, data): fd must not be registered yet (std::invalid_argument
//     otherwise); events is a non-empty mix of kRead / kWrite.
//   - modify(fd, events, data): fd must be registered (std::invalid_argument otherwise);
//     replaces both the interest and data.
//   - unregister(fd): forgets fd (std::invalid_argument if it is not registered). It also succeeds
//   when fd was already closed by the caller
//     (the kernel forgot it on close; the selector must not throw for that).
//   - select(timeout, out): clears `out`, waits at most `timeout` (nullopt: forever, zero: just
//     look), appends one SelectorEvent per ready fd and returns how many. EINTR returns 0
//     events rather than throwing. Error and hang-up conditions are reported as both readable
//     and writable, masked by the interest, so the next read()/write() sees the error itself
//     (what Python's selectors do).
//   - Level-triggered: an fd that stays ready is reported again by the next select().
//   - Not thread-safe: one loop thread owns a selector. Waking it from another thread is the
//     loop's job (an eventfd registered like any other fd).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace looplab {

// What an fd is watched for; a bit set (asyncio: selectors.EVENT_READ / EVENT_WRITE).
using SelectorEvents = std::uint32_t;
inline constexpr SelectorEvents kRead = 1u << 0;
inline constexpr SelectorEvents kWrite = 1u << 1;

// One ready fd, as returned by select() (asyncio: the (SelectorKey, events) pairs).
struct SelectorEvent {
    int fd = -1;
    SelectorEvents events = 0;  // subset of what was registered
    void* data = nullptr;       // the pointer given at register_fd / modify
};

enum class SelectorKind { epoll, poll, kqueue, select };

class Selector {
public:
    virtual ~Selector() = default;
    Selector() = default;
    Selector(const Selector&) = delete;
    Selector& operator=(const Selector&) = delete;

    virtual void register_fd(int fd, SelectorEvents events, void* data) = 0;
    virtual void modify(int fd, SelectorEvents events, void* data) = 0;
    virtual void unregister(int fd) = 0;
    virtual int select(std::optional<std::chrono::nanoseconds> timeout,
                       std::vector<SelectorEvent>& out) = 0;

    // How many fds are registered (for tests, metrics and the step-mode printout).
    virtual std::size_t size() const = 0;
    // "epoll", "poll", "kqueue" or "select".
    virtual std::string_view name() const = 0;
};

// Which backends exist and how one is chosen: choose_selector.hpp.

// "epoll", "poll", "kqueue" or "select".
inline std::string_view to_string(SelectorKind kind) {
    switch (kind) {
        case SelectorKind::epoll:
            return "epoll";
        case SelectorKind::poll:
            return "poll";
        case SelectorKind::kqueue:
            return "kqueue";
        case SelectorKind::select:
            return "select";
    }
    return "unknown";
}

}  // namespace looplab
