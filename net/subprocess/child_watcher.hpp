// net/subprocess/child_watcher.hpp: ChildWatcher, how the loop learns that a child exited,
// without a thread blocked in waitpid for it (when the kernel allows).
//
// asyncio: PidfdChildWatcher and ThreadedChildWatcher (unix_events.py); since 3.12 asyncio
//          itself picks the first when os.pidfd_open works, else the second, as here.
// libuv:   uv_spawn's exit callback, from a SIGCHLD handler (src/unix/process.c).
//
// A child that exits becomes a zombie until its parent reaps it with waitpid(2), which is also
// how the parent gets its exit status. The question is when to call it without blocking:
//   - pidfd (Linux 5.3+, the default): pidfd_open(pid) gives a descriptor that turns readable
//     when the child exits. The loop watches it like a socket, and its reader calls
//     waitpid(pid, WNOHANG), which then returns at once. No thread, no signal handler, and no
//     race with pid reuse (the child cannot be reaped by anyone else meanwhile, so its pid
//     cannot be given to another process). This is the one to read first.
//   - thread (the fallback, and ChildWatcherKind::thread): a thread per child blocks in
//     waitpid(pid) and hands the status to the loop with call_soon_threadsafe. It costs a
//     thread (and its stack) per running child, but works on any POSIX system and in any
//     container.
//   - Not SIGCHLD. A SIGCHLD handler (libuv's and older asyncio's choice) must then reap with
//     waitpid(-1) or poll every child, and either steals the exit status of children the
//     program started by other means, or costs O(children) per signal; and the signal is
//     process-wide, which a library should not take over. (The signal machinery of
//     runtime/signal_watch.hpp would carry it fine; the problem is what the handler must do.)
//
// No zombies: the exit is always reaped. A watcher destroyed before its child exited (the loop
// closed first, say) hands the pid to a detached thread that waits for it, so the child is
// still reaped when it ends. A child someone else reaped first (a waitpid(-1) elsewhere in the
// program) is reported with returncode 255, as asyncio does ("unknown child process").
//
// The exit code follows asyncio: the status passed to exit(), or -N for a child killed by
// signal N.
// KNOWN ISSUE: if the loop closes before the thread watcher delivers a child's exit, the
// callback it cannot post is kept (ThreadsafeInbox::abandon), and with it the transport and
// the watcher's finished std::thread, never joined: a bounded leak per such child, reported by
// TSan as a thread leak (tests/net/support/tsan_suppressions.cpp). The pidfd watcher has no
// thread and no such leak.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <optional>

#include "net/subprocess/subprocess_options.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

class ChildWatcher {
public:
    // Called once, on the loop thread, with the child's returncode after it has been reaped.
    using OnExit = std::function<void(int returncode)>;

    // Starts watching pid, a child of this process that has not been reaped. kind nullopt: a
    // pidfd when the kernel has them, else a thread.
    static std::unique_ptr<ChildWatcher> start(EventLoop& loop, pid_t pid, OnExit on_exit,
                                               std::optional<ChildWatcherKind> kind = std::nullopt);
    // Stops telling on_exit; a child still running is reaped by a detached thread when it ends.
    virtual ~ChildWatcher() = default;

    [[nodiscard]] virtual ChildWatcherKind kind() const noexcept = 0;
};

// Whether pidfd_open works here (probed once: old kernels, or a seccomp filter, refuse it).
bool pidfd_supported() noexcept;

// asyncio's returncode for a waitpid status: the exit status, or -signal.
int returncode_of(int wait_status) noexcept;

}  // namespace looplab::net
