// tests/runtime/support/forked.hpp: run a piece of a test in a child process and see how it
// ended.
//
// What a signal does to a process (kill it, or not) can only be watched from outside it, and a
// test that installs handlers or dies must not take the test binary with it. So such a test
// forks: the child runs `body` and exits with its return value; the parent reads the wait
// status. The child talks back only through its exit status, its death signal, or a pipe the
// test made: gtest's assertions in a child would report to nobody.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <exception>
#include <stdexcept>

namespace looplab::testing {

// Forks, runs body() in the child (its result is the exit status; an exception exits with
// 99) and returns the child's wait status (decode it with WIFEXITED / WTERMSIG).
template <class Body>
int status_of_child(Body body) {
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        int code = 99;
        try {
            code = body();
        } catch (...) {
        }
        std::_Exit(code);
    }
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

// The child died of `sig`.
inline bool killed_by(int status, int sig) {
    return WIFSIGNALED(status) && WTERMSIG(status) == sig;
}

// The child exited normally with `code`.
inline bool exited_with(int status, int code) {
    return WIFEXITED(status) && WEXITSTATUS(status) == code;
}

}  // namespace looplab::testing
