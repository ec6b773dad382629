// net/pipe_ops.cpp: pipe2, SIGPIPE-free writes, fstat.
#include "net/pipe_ops.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#include "net/errors.hpp"

namespace looplab::net {

PipeEnds make_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_os_error(errno, "pipe2", {});
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

ssize_t write_nosignal(int fd, const void* data, std::size_t length) noexcept {
    sigset_t sigpipe, old_mask, pending;
    sigemptyset(&sigpipe);
    sigaddset(&sigpipe, SIGPIPE);
    // Was one pending already (blocked by the program)? Then it is not ours to take.
    sigpending(&pending);
    const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
    pthread_sigmask(SIG_BLOCK, &sigpipe, &old_mask);
    const ssize_t n = ::write(fd, data, length);
    const int err = errno;
    if (n < 0 && err == EPIPE && !was_pending) {
        const timespec now{0, 0};
        while (sigtimedwait(&sigpipe, nullptr, &now) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    errno = err;
    return n;
}

PipeKind pipe_kind(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) throw_os_error(errno, "fstat", {});
    if (S_ISFIFO(st.st_mode)) return PipeKind::fifo;
    if (S_ISSOCK(st.st_mode)) return PipeKind::socket;
    if (S_ISCHR(st.st_mode)) return PipeKind::character_device;
    return PipeKind::other;
}

}  // namespace looplab::net
