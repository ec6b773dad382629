// net/unique_fd.hpp: UniqueFd, the one owner of a file descriptor.
//
// Python: socket.socket owns its fd and closes it in close() / __del__ (socket.detach() is
//         release()).
// libuv:  uv__close() in src/unix/core.c, which every handle's close path ends in.
//
// A descriptor is a small integer that the kernel reuses as soon as it is closed, so a second
// close() is not a harmless no-op: it may close a file that another part of the program has
// just opened under the same number. Giving every descriptor exactly one owner, which closes it
// exactly once, rules that bug out by construction; that is why UniqueFd is move-only.
#pragma once

#include <unistd.h>

#include <cassert>

#include <cerrno>
#include <utility>
#include "runtime/invariant.hpp"

namespace looplab::net {

// Owns a file descriptor and closes it when destroyed, like std::unique_ptr owns a pointer.
//
// Contract:
// - An empty UniqueFd holds -1 and closes nothing; default-constructed and moved-from ones are
//   empty.
// - The destructor, reset() and move-assignment close the descriptor they give up, exactly once.
// - Errors from close() are ignored (see close_owned() for why), except EBADF, which means
//   the descriptor was already closed behind our back: a bug, caught in every build.
// - Not thread-safe: like any object, one owner at a time.
class UniqueFd {
public:
    UniqueFd() noexcept = default;

    // Takes ownership of fd (which may be -1, giving an empty UniqueFd).
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}

    ~UniqueFd() { close_owned(); }

    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}

    // Closes the descriptor this object held, then takes other's.
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) reset(other.release());
        return *this;
    }

    // The descriptor, still owned by this object (-1 when empty). Do not close it yourself.
    [[nodiscard]] int get() const noexcept { return fd_; }

    explicit operator bool() const noexcept { return fd_ >= 0; }

    // Gives up ownership without closing: the caller now owns the returned descriptor.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the held descriptor (if any) and takes ownership of fd. reset(get()) is a bug (the
    // descriptor would be closed and then kept) and is caught by an assert.
    void reset(int fd = -1) noexcept {
        assert((fd < 0 || fd != fd_) && "UniqueFd::reset() with the descriptor it already owns");
        close_owned();
        fd_ = fd;
    }

    friend void swap(UniqueFd& a, UniqueFd& b) noexcept { std::swap(a.fd_, b.fd_); }

private:
    void close_owned() noexcept;

    int fd_ = -1;  // the owned descriptor, or -1 when empty
};

inline void UniqueFd::close_owned() noexcept {
    if (fd_ < 0) return;
    // close() is called once and its result is not retried, whatever it is:
    // - EINTR: on Linux the descriptor is released before close() can be interrupted, so by the
    //   time EINTR comes back the number may already belong to a file another thread opened.
    //   Retrying would close that file. (POSIX leaves the state unspecified; Linux, the BSDs and
    //   macOS all free the number, so not retrying is right everywhere looplab runs.)
    // - EIO and friends: a socket has nothing left to flush that we could act on, and a
    //   destructor has no one to report to.
    // - EBADF: the descriptor was not open, so someone closed it without telling its owner.
    //   That is the double-close bug this class exists to prevent, so it is checked in every
    //   build (runtime/invariant.hpp).
    const int result = ::close(fd_);
    const int err = result == 0 ? 0 : errno;
    looplab::detail::check_invariant(
        err != EBADF, "UniqueFd closed a descriptor that was not open (closed twice?)");
    fd_ = -1;
}

}  // namespace looplab::net
