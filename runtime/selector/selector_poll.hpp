// runtime/selector/selector_poll.hpp: the portable selector, built on POSIX poll(2).
//
// asyncio: selectors.PollSelector
// libuv:   src/unix/posix-poll.c (used on platforms without epoll or kqueue)
//
// poll(2) has no kernel-side interest set: every call passes the whole array of watched fds
// and the kernel checks each one, so a wait costs the number of registered fds. It is here
// because it runs everywhere, and because putting it next to epoll shows what epoll's
// persistent set buys.
//
// The pollfd array is kept between calls and edited in place: register_fd appends, modify
// rewrites one entry's events, unregister moves the last entry into the hole (an fd -> index
// map finds it). Rebuilding the array from a map on every select() would cost an allocation
// and a walk over every registered fd per loop iteration on top of the kernel's own walk; in
// place, each change costs O(1) and select() costs nothing beyond poll() and one scan of the
// results. Order in the array carries no meaning, which is what makes swap-remove legal.
#pragma once

#include <poll.h>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/selector/selector.hpp"

namespace looplab {

class PollSelector final : public Selector {
public:
    PollSelector() = default;
    ~PollSelector() override = default;

    // See selector.hpp for the contract. Throws std::invalid_argument for bad arguments or a
    // wrong registration state; register_fd, modify and unregister make no syscalls, so they
    // never throw std::system_error (poll only learns about a bad fd when it waits).
    void register_fd(int fd, SelectorEvents events, void* data) override;
    void modify(int fd, SelectorEvents events, void* data) override;
    void unregister(int fd) override;
    // A registered fd that the caller closed comes back as readable and writable (within the
    // interest), not silently skipped; see the .cpp for why.
    int select(std::optional<std::chrono::nanoseconds> timeout,
               std::vector<SelectorEvent>& out) override;

    std::size_t size() const override { return pollfds_.size(); }
    std::string_view name() const override { return "poll"; }

private:
    // What poll(2) does not carry for us, kept at the same index as the fd's pollfd.
    struct Watch {
        SelectorEvents events = 0;  // kRead / kWrite, as last given to register_fd or modify
        void* data = nullptr;       // handed back untouched in SelectorEvent::data
    };

    void remove_at(std::size_t index);

    std::vector<pollfd> pollfds_;                 // handed to poll(2) as is, every call
    std::vector<Watch> watches_;                  // watches_[i] describes pollfds_[i]
    std::unordered_map<int, std::size_t> index_;  // fd -> its position in both vectors
};

}  // namespace looplab
