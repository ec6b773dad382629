// net/subprocess/spawn.hpp: spawn_child(), a child process started with posix_spawn, and its
// pipes.
//
// asyncio: subprocess.Popen as _UnixSubprocessTransport._start runs it (unix_events.py), with
//          close_fds=True and restore_signals=True, Popen's defaults.
// libuv:   uv_spawn (src/unix/process.c).
//
// Starting a program from a program with threads is where fork(2) goes wrong: the child gets a
// copy of the whole address space but only the forking thread, so a mutex another thread held
// at that moment (malloc's, the inbox's) stays locked forever in the child, and anything but
// exec is unsafe there. posix_spawn(3) avoids the copy altogether: glibc runs the child on a
// fresh stack with clone(CLONE_VM | CLONE_VFORK), performs the file actions and execs at once,
// and reports a failed exec (ENOENT, EACCES) as posix_spawn's own return value, which fork +
// exec can only do with an extra pipe.
//
// What the child gets, and why:
//   - Descriptors: only 0, 1 and 2. Every descriptor looplab opens is close-on-exec (sockets,
//     pipes, eventfds, pidfds: set atomically at creation, so a child started by another thread
//     cannot catch one half-made), and posix_spawn_file_actions_addclosefrom_np(3) closes
//     whatever else the program left open without FD_CLOEXEC (Popen's close_fds=True). A leaked
//     pipe end would keep a reader from ever seeing end of file; a leaked listening socket keeps
//     a port busy after we exit.
//   - The pipes' child ends are dup2'ed onto 0 / 1 / 2 (dup2 clears close-on-exec on the copy);
//     the parent's ends are returned, and the child's ends closed in the parent.
//   - Signals: an empty signal mask (a parent that blocks SIGTERM in every thread, as a
//     sigwait-based server does, must not hand that on: terminate() would do nothing), and
//     SIGPIPE and SIGXFSZ back to their default action (Popen's restore_signals). Handlers the
//     parent installed are reset by exec itself.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "net/subprocess/subprocess_options.hpp"
#include "net/unique_fd.hpp"

namespace looplab::net {

// A started child and the parent's ends of its pipes (empty where the option was not pipe).
struct SpawnedChild {
    pid_t pid = -1;
    UniqueFd std_in;   // write end: the child's standard input
    UniqueFd std_out;  // read end: the child's standard output
    UniqueFd std_err;  // read end: the child's standard error
};

// Starts argv[0] (searched on PATH when it has no '/', as execvp) with argv and options.
// Throws std::invalid_argument for an empty argv or same_as_stdout on std_in / std_out, and
// NetError for a program that cannot be started ("spawn failed for prog: No such file or
// directory": asyncio raises FileNotFoundError, an OSError, too).
SpawnedChild spawn_child(const std::vector<std::string>& argv, const SubprocessOptions& options);

// The argv that runs cmd with the shell (asyncio: create_subprocess_shell): /bin/sh -c cmd.
std::vector<std::string> shell_argv(std::string cmd);

}  // namespace looplab::net
