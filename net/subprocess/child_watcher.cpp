// net/subprocess/child_watcher.cpp: the pidfd watcher, the thread watcher, and the reaper of
// last resort.
#include "net/subprocess/child_watcher.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <utility>

#include "net/errors.hpp"
#include "net/unique_fd.hpp"
#include "runtime/threadsafe_inbox.hpp"

#ifdef __linux__
#include <sys/syscall.h>
#endif

namespace looplab::net {

namespace {

int open_pidfd(pid_t pid) {
#if defined(__linux__) && defined(SYS_pidfd_open)
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));  // always close-on-exec
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

// waitpid that retries EINTR. options: 0 (block) or WNOHANG.
pid_t wait_for(pid_t pid, int* status, int options) {
    pid_t r;
    do {
        r = ::waitpid(pid, status, options);
    } while (r < 0 && errno == EINTR);
    return r;
}

// The child outlived its watcher: reap it whenever it ends, so that it never stays a zombie.
void reap_in_background(pid_t pid) {
    int status = 0;
    if (wait_for(pid, &status, WNOHANG) != 0) return;  // reaped now, or not our child any more
    std::thread([pid] {
        int ignored = 0;
        wait_for(pid, &ignored, 0);
    }).detach();
}

// The loop watches a pidfd; its reader reaps (see the header). on_exit lives in the reader's
// callback, which the loop owns: whatever on_exit holds (the transport) is kept alive by the
// watch itself, and let go when the loop drops the callback (reaped, or the loop closed).
class PidfdWatcher final : public ChildWatcher {
public:
    PidfdWatcher(EventLoop& loop, pid_t pid, UniqueFd pidfd, OnExit on_exit)
        : loop_(loop), pid_(pid), pidfd_(std::move(pidfd)) {
        loop_.add_reader(pidfd_.get(),
                         [this, on_exit = std::move(on_exit)]() mutable { on_readable(on_exit); });
    }
    ~PidfdWatcher() override {
        if (reaped_) return;
        loop_.remove_reader(pidfd_.get());
        reap_in_background(pid_);
    }
    ChildWatcherKind kind() const noexcept override { return ChildWatcherKind::pidfd; }

private:
    void on_readable(OnExit& pending) {
        int status = 0;
        const pid_t r = wait_for(pid_, &status, WNOHANG);
        if (r == 0) return;  // not exited after all (a spurious wake-up)
        reaped_ = true;
        OnExit on_exit = std::move(pending);
        loop_.remove_reader(pidfd_.get());  // the running callback is dropped once it returns
        pidfd_.reset();
        // Last: on_exit, and then its destruction, may destroy this watcher.
        on_exit(r == pid_ ? returncode_of(status) : 255);  // 255: reaped by someone else
    }

    EventLoop& loop_;
    pid_t pid_;
    UniqueFd pidfd_;
    bool reaped_ = false;
};

// A thread blocks in waitpid and posts the returncode to the loop.
//
// Why no data race: the thread touches only its own copies (pid, the inbox's shared_ptr, the
// shared state's shared_ptr, which it moves into the posted callback without dereferencing
// it). The state itself (alive, delivered, on_exit) is read and written on the loop thread
// only: by the destructor and by the posted callback, which runs there. So the thread never
// holds the last reference to anything of the loop's, and on_exit's captures are destroyed on
// the loop thread.
//
// Why the destructor joins, or detaches. Once the callback has run, the thread has nothing
// left to do but return from post() and drop its copy of the inbox: joining costs microseconds
// and means that, when the watcher is gone, so is the thread and its hold on the loop's
// wake-up fd (a test counting descriptors sees a settled count). A watcher destroyed before
// the child exited cannot wait for it: that thread is detached, and reaps the child whenever
// it ends.
class ThreadWatcher final : public ChildWatcher {
public:
    ThreadWatcher(EventLoop& loop, pid_t pid, OnExit on_exit)
        : state_(std::make_shared<State>(State{true, false, std::move(on_exit)})) {
        thread_ = std::thread([pid, inbox = loop.inbox(), state = state_]() mutable {
            int status = 0;
            const pid_t r = wait_for(pid, &status, 0);
            const int returncode = r == pid ? returncode_of(status) : 255;
            Callback tell = [state = std::move(state), returncode] {
                state->delivered = true;
                if (!state->alive) return;
                OnExit on_exit = std::move(state->on_exit);
                on_exit(returncode);
            };
            if (!inbox->post(tell)) looplab::detail::ThreadsafeInbox::abandon(std::move(tell));
        });
    }
    ~ThreadWatcher() override {
        state_->alive = false;
        state_->on_exit = nullptr;  // its captures die here, on the loop thread
        if (state_->delivered) {
            thread_.join();
        } else {
            thread_.detach();
        }
    }
    ChildWatcherKind kind() const noexcept override { return ChildWatcherKind::thread; }

private:
    struct State {
        bool alive;      // loop thread only
        bool delivered;  // loop thread only: the callback ran, the thread is returning
        OnExit on_exit;
    };
    std::shared_ptr<State> state_;
    std::thread thread_;
};

}  // namespace

std::unique_ptr<ChildWatcher> ChildWatcher::start(EventLoop& loop, pid_t pid, OnExit on_exit,
                                                  std::optional<ChildWatcherKind> kind) {
    if (kind.value_or(ChildWatcherKind::pidfd) == ChildWatcherKind::pidfd) {
        UniqueFd pidfd(open_pidfd(pid));
        if (pidfd)
            return std::make_unique<PidfdWatcher>(loop, pid, std::move(pidfd), std::move(on_exit));
        if (kind) throw_os_error(errno, "pidfd_open", std::to_string(pid));  // asked for, refused
    }
    return std::make_unique<ThreadWatcher>(loop, pid, std::move(on_exit));
}

bool pidfd_supported() noexcept {
    static const bool supported = [] {
        const int fd = open_pidfd(::getpid());
        if (fd < 0) return false;
        ::close(fd);
        return true;
    }();
    return supported;
}

int returncode_of(int wait_status) noexcept {
    if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
    if (WIFSIGNALED(wait_status)) return -WTERMSIG(wait_status);
    return 255;
}

}  // namespace looplab::net
