// net/subprocess/spawn.cpp: pipes, posix_spawn's file actions and attributes, the spawn.
#include "net/subprocess/spawn.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>

#include "net/errors.hpp"
#include "net/pipe_ops.hpp"

extern char** environ;

namespace looplab::net {

namespace {

// posix_spawn's two C structs, destroyed however spawn_child leaves.
struct SpawnPlan {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    SpawnPlan() {
        posix_spawn_file_actions_init(&actions);
        posix_spawnattr_init(&attributes);
    }
    ~SpawnPlan() {
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
    }
    SpawnPlan(const SpawnPlan&) = delete;
    SpawnPlan& operator=(const SpawnPlan&) = delete;
};

// A child end numbered 0, 1 or 2 (possible when the parent closed its own standard streams)
// would be dup2'ed onto itself, which keeps its close-on-exec flag: move it out of the way.
UniqueFd above_standard_streams(UniqueFd fd) {
    if (fd.get() > 2) return fd;
    UniqueFd moved(::fcntl(fd.get(), F_DUPFD_CLOEXEC, 3));
    if (!moved) throw_os_error(errno, "fcntl(F_DUPFD_CLOEXEC)", {});
    return moved;
}

// Sets up one of the child's standard streams; returns the child's end of a pipe (to close
// in the parent once the child runs) and stores the parent's end in `ours`.
UniqueFd plan_stream(SpawnPlan& plan, int target, Stdio how, UniqueFd& ours) {
    switch (how) {
        case Stdio::inherit:
            return {};
        case Stdio::devnull:
            posix_spawn_file_actions_addopen(&plan.actions, target, "/dev/null",
                                             target == 0 ? O_RDONLY : O_WRONLY, 0);
            return {};
        case Stdio::same_as_stdout:
            posix_spawn_file_actions_adddup2(&plan.actions, 1, target);
            return {};
        case Stdio::pipe: {
            PipeEnds ends = make_pipe();
            UniqueFd theirs =
                above_standard_streams(target == 0 ? std::move(ends.read) : std::move(ends.write));
            ours = target == 0 ? std::move(ends.write) : std::move(ends.read);
            posix_spawn_file_actions_adddup2(&plan.actions, theirs.get(), target);
            return theirs;
        }
    }
    return {};
}

void plan_signals(SpawnPlan& plan) {
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGXFSZ);
    posix_spawnattr_setsigmask(&plan.attributes, &none);
    posix_spawnattr_setsigdefault(&plan.attributes, &defaults);
}

}  // namespace

SpawnedChild spawn_child(const std::vector<std::string>& argv, const SubprocessOptions& options) {
    if (argv.empty()) throw std::invalid_argument("spawn: empty argument list");
    if (options.std_in == Stdio::same_as_stdout || options.std_out == Stdio::same_as_stdout) {
        throw std::invalid_argument("spawn: same_as_stdout is only for std_err");
    }
    SpawnPlan plan;
    SpawnedChild child;
    // Order matters: std_err's same_as_stdout copies fd 1 after it has been set up.
    UniqueFd theirs_in = plan_stream(plan, 0, options.std_in, child.std_in);
    UniqueFd theirs_out = plan_stream(plan, 1, options.std_out, child.std_out);
    UniqueFd theirs_err = plan_stream(plan, 2, options.std_err, child.std_err);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    posix_spawn_file_actions_addclosefrom_np(&plan.actions, 3);
#endif
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
    if (options.cwd) posix_spawn_file_actions_addchdir_np(&plan.actions, options.cwd->c_str());
#else
    if (options.cwd) throw std::invalid_argument("spawn: cwd needs glibc 2.29");
#endif
    plan_signals(plan);
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
#ifdef POSIX_SPAWN_SETSID
    if (options.start_new_session) flags |= POSIX_SPAWN_SETSID;
#else
    if (options.start_new_session) throw std::invalid_argument("spawn: no POSIX_SPAWN_SETSID");
#endif
    posix_spawnattr_setflags(&plan.attributes, flags);

    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<char*> env;
    if (options.env) {
        for (const std::string& e : *options.env) env.push_back(const_cast<char*>(e.c_str()));
        env.push_back(nullptr);
    }
    char** envp = options.env ? env.data() : environ;
    const int err = argv[0].find('/') == std::string::npos
                        ? ::posix_spawnp(&child.pid, args[0], &plan.actions, &plan.attributes,
                                         args.data(), envp)
                        : ::posix_spawn(&child.pid, args[0], &plan.actions, &plan.attributes,
                                        args.data(), envp);
    if (err != 0) throw_os_error(err, "spawn", argv[0]);
    return child;  // theirs_* close here: only the child holds those ends now
}

std::vector<std::string> shell_argv(std::string cmd) {
    return {"/bin/sh", "-c", std::move(cmd)};
}

}  // namespace looplab::net
