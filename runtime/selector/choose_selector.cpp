// runtime/selector/choose_selector.cpp: choosing a selector backend, by platform or by
// LOOPLAB_SELECTOR (see choose_selector.hpp).
//
// asyncio: selectors.DefaultSelector (the best class the platform has, picked at import).
// libuv:   none; libuv picks its backend when it is compiled and offers no choice.
//
// looplab lets the backend be chosen at run time, from the environment, because comparing
// them is part of the lesson: the same program under LOOPLAB_SELECTOR=poll and =epoll should
// behave identically and differ only in the syscalls strace shows. Which backends exist is
// decided at compile time, with the same platform tests the CMake glob uses to pick the
// selector_*.cpp files, so a backend is "available" exactly when its code was linked in.

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

#include "runtime/selector/choose_selector.hpp"
#include "runtime/selector/selector_poll.hpp"
#include "runtime/selector/selector_select.hpp"

#if defined(__linux__)
#include "runtime/selector/selector_epoll.hpp"
#endif

// CMake compiles selector_kqueue.cpp on Apple and the BSDs only. LOOPLAB_FORCE_KQUEUE is for a
// hand-made build against an emulation such as libkqueue on Linux; CMake never defines it.
#if defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) || \
    defined(__DragonFly__) || defined(LOOPLAB_FORCE_KQUEUE)
#define LOOPLAB_HAVE_KQUEUE 1
#include "runtime/selector/selector_kqueue.hpp"
#endif

namespace looplab {

namespace {

constexpr SelectorKind kAllKinds[] = {SelectorKind::epoll, SelectorKind::poll, SelectorKind::kqueue,
                                      SelectorKind::select};

// "epoll, poll": the names LOOPLAB_SELECTOR accepts in this build, for error messages.
std::string available_names() {
    std::string names;
    for (SelectorKind kind : kAllKinds) {
        if (!selector_available(kind)) continue;
        if (!names.empty()) names += ", ";
        names += to_string(kind);
    }
    return names;
}

}  // namespace

SelectorKind default_selector_kind() {
#if defined(__linux__)
    return SelectorKind::epoll;
#elif defined(LOOPLAB_HAVE_KQUEUE)
    return SelectorKind::kqueue;
#else
    return SelectorKind::poll;
#endif
}

bool selector_available(SelectorKind kind) {
    switch (kind) {
        case SelectorKind::epoll:
#if defined(__linux__)
            return true;
#else
            return false;
#endif
        case SelectorKind::poll:
            return true;  // poll(2) is POSIX: every platform looplab builds on has it.
        case SelectorKind::select:
            return true;  // so is select(2)
        case SelectorKind::kqueue:
#if defined(LOOPLAB_HAVE_KQUEUE)
            return true;
#else
            return false;
#endif
    }
    return false;  // not an enumerator at all
}

SelectorKind selector_kind_from_env() {
    // getenv is not safe against a concurrent setenv; the loop reads this once, at creation,
    // before the program has reason to start threads that edit the environment.
    const char* raw = std::getenv("LOOPLAB_SELECTOR");
    // Empty counts as unset, so `LOOPLAB_SELECTOR= ./demo` is a way to ask for the default.
    if (raw == nullptr || *raw == '\0') return default_selector_kind();

    const std::string_view value = raw;
    for (SelectorKind kind : kAllKinds) {
        if (value != to_string(kind)) continue;
        if (selector_available(kind)) return kind;
        throw std::invalid_argument(
            "LOOPLAB_SELECTOR=" + std::string(value) +
            ": not available on this platform (valid here: " + available_names() + ")");
    }
    throw std::invalid_argument("LOOPLAB_SELECTOR=" + std::string(value) +
                                ": unknown selector (valid here: " + available_names() + ")");
}

std::unique_ptr<Selector> make_selector(SelectorKind kind) {
    switch (kind) {
        case SelectorKind::epoll:
#if defined(__linux__)
            return std::make_unique<EpollSelector>();
#else
            break;
#endif
        case SelectorKind::poll:
            return std::make_unique<PollSelector>();
        case SelectorKind::select:
            return std::make_unique<SelectSelector>();
        case SelectorKind::kqueue:
#if defined(LOOPLAB_HAVE_KQUEUE)
            return std::make_unique<KqueueSelector>();
#else
            break;
#endif
    }
    throw std::invalid_argument(
        "make_selector: selector '" + std::string(to_string(kind)) +
        "' is not available on this platform (valid here: " + available_names() + ")");
}

}  // namespace looplab
