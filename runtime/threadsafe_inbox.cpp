// runtime/threadsafe_inbox.cpp: see threadsafe_inbox.hpp for the protocol and its proof.
#include "runtime/threadsafe_inbox.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#ifdef __linux__
#include <sys/eventfd.h>
#endif

namespace looplab::detail {

ThreadsafeInbox::ThreadsafeInbox() {
#ifdef __linux__
    // One fd for both ends. Non-blocking: a poster must never block on a full counter, and
    // drain_fd reads until EAGAIN.
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

bool ThreadsafeInbox::post(Callback& fn, SourceLocation where, ContextMapPtr context, Label label) {
    {
        std::lock_guard lock(mutex_);
        if (closed_) return false;
        queue_.push_back(Posted{std::move(fn), where, std::move(context), label});
        if (wakeup_pending_.exchange(true, std::memory_order_relaxed)) {
            return true;  // a wake-up is already on its way: coalesce
        }
    }
    // Outside the lock: the loop may take the batch meanwhile, which only makes this write a
    // spare wake-up (see the header). An 8-byte write serves both an eventfd (adds 1 to the
    // counter) and a pipe (8 bytes of anything).
    wakeup_writes_.fetch_add(1, std::memory_order_relaxed);
    const std::uint64_t one = 1;
    ssize_t n;
    do {
        n = ::write(write_fd_, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
    // EAGAIN: the counter (or pipe) is full, so the fd is readable and the loop will wake.
    return true;
}

void ThreadsafeInbox::drain_fd() {
    unsigned char buf[64];  // an eventfd returns its 8-byte counter in one read
    while (::read(read_fd_, buf, sizeof buf) > 0) {
    }
    fd_was_readable_ = true;
}

void ThreadsafeInbox::take_all(std::vector<Posted>& out) {
    std::lock_guard lock(mutex_);
    fd_was_readable_ = false;
    wakeup_pending_.store(false, std::memory_order_relaxed);
    for (Posted& p : queue_) out.push_back(std::move(p));
    queue_.clear();
}

void ThreadsafeInbox::close() {
    std::vector<Posted> dropped;
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        dropped.swap(queue_);
    }
    // `dropped` is destroyed here, on the loop thread, outside the lock: a callback's
    // destructor may release loop objects, or post.
}

void ThreadsafeInbox::abandon(Callback fn) {
    // Both allocated once and never freed, on purpose: no destructor at exit can release
    // what is kept here.
    static auto* mutex = new std::mutex;
    static auto* kept = new std::vector<Callback>;
    std::lock_guard lock(*mutex);
    kept->push_back(std::move(fn));
}

}  // namespace looplab::detail
