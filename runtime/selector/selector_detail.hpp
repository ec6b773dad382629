// runtime/selector/selector_detail.hpp: the rules every selector backend applies the same way.
//
// asyncio: the argument checks of selectors._BaseSelectorImpl, and the rounding of the poll /
//          epoll timeout up to the next millisecond.
// libuv:   none as such; uv__io_poll takes whole milliseconds and the timer code rounds.
//
// Kept in one place so the backends cannot drift apart on what counts as a bad argument or
// on how a timeout becomes the kernel's unit. Internal: only the selector_*.cpp files and the
// selector tests include it.
#pragma once

#include <chrono>
#include <climits>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "runtime/selector/selector.hpp"

namespace looplab::detail {

inline constexpr SelectorEvents kAllSelectorEvents = kRead | kWrite;

// Throws std::invalid_argument unless fd is non-negative and events is a non-empty subset of
// kRead | kWrite. An empty interest is refused rather than treated as "unregister": asyncio
// refuses it too, and it keeps "registered" and "watched for something" the same thing.
inline void check_selector_args(std::string_view backend, std::string_view op, int fd,
                                SelectorEvents events) {
    if (fd < 0) {
        throw std::invalid_argument(std::string(backend) + " " + std::string(op) +
                                    ": negative fd " + std::to_string(fd));
    }
    if (events == 0 || (events & ~kAllSelectorEvents) != 0) {
        throw std::invalid_argument(std::string(backend) + " " + std::string(op) + ": fd " +
                                    std::to_string(fd) + ": events must be a non-empty mix of " +
                                    "kRead and kWrite, got " + std::to_string(events));
    }
}

[[noreturn]] inline void throw_already_registered(std::string_view backend, int fd) {
    throw std::invalid_argument(std::string(backend) + " register_fd: fd " + std::to_string(fd) +
                                " is already registered");
}

[[noreturn]] inline void throw_not_registered(std::string_view backend, std::string_view op,
                                              int fd) {
    throw std::invalid_argument(std::string(backend) + " " + std::string(op) + ": fd " +
                                std::to_string(fd) + " is not registered");
}

// A failed syscall as std::system_error, e.g. "epoll_ctl(EPOLL_CTL_ADD) on fd 7: ...".
[[noreturn]] inline void throw_errno(int err, std::string_view call, int fd) {
    std::string what(call);
    if (fd >= 0) what += " on fd " + std::to_string(fd);
    throw std::system_error(err, std::system_category(), what);
}

// select()'s timeout in the whole milliseconds that poll(2) and epoll_wait(2) take.
//   nullopt     -> -1 (wait forever)
//   <= 0        -> 0  (just look)
//   otherwise   -> rounded UP, at most INT_MAX.
// Rounding down would turn the loop's "next timer is due in 0.4 ms" into a zero-timeout poll
// that returns at once, then again, and again until the timer is due: a busy loop burning a
// core for that fraction of a millisecond, on every timer. Waking up to 1 ms late is the
// cheaper error (the loop runs the timer on the next iteration either way).
constexpr int timeout_to_milliseconds(std::optional<std::chrono::nanoseconds> timeout) noexcept {
    if (!timeout) return -1;
    const std::int64_t ns = timeout->count();
    if (ns <= 0) return 0;
    constexpr std::int64_t kNsPerMs = 1'000'000;
    // Divide first so a huge timeout cannot overflow on the way to rounding up.
    const std::int64_t ms = ns / kNsPerMs + (ns % kNsPerMs != 0 ? 1 : 0);
    return ms > INT_MAX ? INT_MAX : static_cast<int>(ms);
}

}  // namespace looplab::detail
