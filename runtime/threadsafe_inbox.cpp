// runtime/threadsafe_inbox.cpp: see threadsafe_inbox.hpp.
#include "runtime/threadsafe_inbox.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

#ifdef __linux__
#include <sys/eventfd.h>
#endif

namespace looplab::detail {

ThreadsafeInbox::ThreadsafeInbox() {
#ifdef __linux__
    read_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (read_fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
    write_fd_ = read_fd_;
#else
    int fds[2];
    if (::pipe(fds) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
    for (int fd : fds) {
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
        ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    }
    read_fd_ = fds[0];
    write_fd_ = fds[1];
#endif
}

ThreadsafeInbox::~ThreadsafeInbox() {
    if (write_fd_ != read_fd_) ::close(write_fd_);
    ::close(read_fd_);
}

bool ThreadsafeInbox::post(Callback& fn) {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        queue_.push_back(std::move(fn));
        if (wakeup_pending_.exchange(true)) return true;  // a wake-up is already on its way
    }
    const std::uint64_t one = 1;
    ssize_t n;
    do {
        n = ::write(write_fd_, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
    // EAGAIN: the counter (or pipe) is full, so the loop is certain to wake anyway.
    return true;
}

void ThreadsafeInbox::drain_fd() {
    unsigned char buf[64];
    while (::read(read_fd_, buf, sizeof buf) > 0) {
    }
}

void ThreadsafeInbox::take_all(std::vector<Callback>& out) {
    std::lock_guard lock(mutex_);
    wakeup_pending_.store(false);
    for (Callback& fn : queue_) out.push_back(std::move(fn));
    queue_.clear();
}

void ThreadsafeInbox::close() {
    std::vector<Callback> dropped;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        dropped.swap(queue_);
    }
    // `dropped` is destroyed here, outside the lock: a callback's destructor may post.
}

}  // namespace looplab::detail
