// demos/seeds/child_process.hpp: measuring work in a fresh process, and a server in a process of
// its own (executor-cost's instruments).
//
// Python: the nearest is multiprocessing with resource.getrusage(RUSAGE_CHILDREN).
//
// Why a process per measurement: peak RSS never goes down within a process, and threads,
// memory and context switches of one configuration must not leak into the next one's numbers.
// So run_in_child() forks, runs the work in the child, and the parent reads the child's
// resource usage with wait4(): what the kernel counted for that process and nothing else.
//
// Rule: fork only while the calling process has no other thread. A fork copies the calling
// thread alone; a mutex another thread held at that moment stays locked forever in the child
// (malloc's, a logger's, a pool's). The demos fork from the main thread after every thread
// they started has been joined, and the embedded server, which has a thread, is forked first,
// into a process of its own (ServerProcess), before anything else starts a thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>

namespace looplab::demos {

// What a child did and what it cost, as wait4() reports it.
struct ChildResult {
    std::string output;             // what body() returned, sent back through a pipe
    bool completed = false;         // the child exited with status 0 after sending it
    std::string failure;            // otherwise, why: "killed by signal 14", "exit status 1"
    double peak_rss_mib = 0;        // ru_maxrss: the most resident memory, at any moment
    long voluntary_switches = 0;    // ru_nvcsw: the child's threads blocked (I/O, locks)
    long involuntary_switches = 0;  // ru_nivcsw: they were preempted (more threads than cores)
    double cpu_s = 0;               // ru_utime + ru_stime, all the child's threads together
};

// Forks; the child runs body() and exits at once (_exit: no atexit handlers, no static
// destructors of the parent's objects); the parent waits and returns the result. `close_fd`
// (if >= 0) is closed in the child first. A child still running after `timeout_s` is killed
// by SIGALRM. Throws std::runtime_error if pipe() or fork() fail.
ChildResult run_in_child(const std::function<std::string()>& body, int close_fd = -1,
                         unsigned timeout_s = 900);

// looplab's HTTP server with the demo routes (ServerThread) in a child process. It lives until
// this object is destroyed or the parent dies: the child waits for EOF on a pipe whose write
// end only the parent holds, so it can never outlive the demo.
class ServerProcess {
public:
    // Forks the server and returns once it listens. Throws std::runtime_error if it could not
    // start.
    ServerProcess();
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::string url(const std::string& path) const;
    pid_t pid() const noexcept { return pid_; }
    // The parent's end of the lifeline: measurement children must close it (run_in_child's
    // close_fd), or the server would live as long as they do.
    int lifeline_fd() const noexcept { return lifeline_; }

private:
    void stop() noexcept;

    pid_t pid_ = -1;
    int lifeline_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace looplab::demos
