// net/subprocess/subprocess_options.hpp: what a child process is started with.
//
// asyncio: the keyword arguments of create_subprocess_exec / loop.subprocess_exec, which are
//          subprocess.Popen's: stdin / stdout / stderr = PIPE | DEVNULL | STDOUT | None, cwd,
//          env, start_new_session.
//
// Why std_in / std_out / std_err and not asyncio's stdin / stdout / stderr: in C and C++ those
// three names are macros (<cstdio>), which some C libraries define as expressions; a member of
// that name would not compile there.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace looplab::net {

// Where a child's standard stream goes (asyncio: subprocess.PIPE, DEVNULL, STDOUT, None).
enum class Stdio {
    inherit,         // the parent's own stream (None, asyncio's default)
    pipe,            // a pipe to this process: Process::std_in / std_out / std_err (PIPE)
    devnull,         // /dev/null (DEVNULL)
    same_as_stdout,  // std_err only: wherever std_out goes (STDOUT)
};

// How the child's exit is noticed (child_watcher.hpp); nullopt in SubprocessOptions chooses.
enum class ChildWatcherKind {
    pidfd,   // Linux 5.3+: the loop watches a pidfd, which turns readable when the child exits
    thread,  // a thread per child blocks in waitpid (asyncio's ThreadedChildWatcher)
};

struct SubprocessOptions {
    Stdio std_in = Stdio::inherit;
    Stdio std_out = Stdio::inherit;
    Stdio std_err = Stdio::inherit;
    // The child's working directory; nullopt: this process's.
    std::optional<std::string> cwd;
    // The child's whole environment, as "NAME=value" entries; nullopt: this process's.
    std::optional<std::vector<std::string>> env;
    // setsid() in the child: a session (and process group) of its own, so a Ctrl-C at the
    // terminal (sent to the foreground group) does not reach it.
    bool start_new_session = false;
    // nullopt: pidfd where the kernel has it, else a thread (child_watcher.hpp).
    std::optional<ChildWatcherKind> child_watcher;
};

}  // namespace looplab::net
