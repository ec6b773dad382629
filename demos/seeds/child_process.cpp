// demos/seeds/child_process.cpp: fork, pipe, wait4 (see child_process.hpp).
#include "demos/seeds/child_process.hpp"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "http/server/server_thread.hpp"

namespace looplab::demos {

namespace {

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

// Reads until EOF: the writer closed its end, or exited.
std::string read_all(int fd) {
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

double seconds(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

// Output buffered in the parent would otherwise be written twice: once by each process.
void flush_standard_streams() {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
}

}  // namespace

ChildResult run_in_child(const std::function<std::string()>& body, int close_fd,
                         unsigned timeout_s) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("run_in_child: pipe() failed");
    flush_standard_streams();
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        throw std::runtime_error("run_in_child: fork() failed");
    }
    if (pid == 0) {
        ::close(fds[0]);
        if (close_fd >= 0) ::close(close_fd);
        ::alarm(timeout_s);  // work that hangs must not hang the demo
        int status = 0;
        try {
            write_all(fds[1], body());
        } catch (...) {
            status = 1;
        }
        ::close(fds[1]);
        ::_exit(status);
    }
    ::close(fds[1]);
    ChildResult result;
    result.output = read_all(fds[0]);
    ::close(fds[0]);
    int status = 0;
    rusage usage{};
    while (::wait4(pid, &status, 0, &usage) < 0 && errno == EINTR) {
    }
    result.completed = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (WIFSIGNALED(status)) {
        result.failure = "killed by signal " + std::to_string(WTERMSIG(status));
    } else if (!result.completed) {
        result.failure = "exit status " + std::to_string(WEXITSTATUS(status));
    }
    result.peak_rss_mib = static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: KiB
    result.voluntary_switches = usage.ru_nvcsw;
    result.involuntary_switches = usage.ru_nivcsw;
    result.cpu_s = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    return result;
}

ServerProcess::ServerProcess() {
    int lifeline[2];
    int port_pipe[2];
    if (::pipe(lifeline) != 0) throw std::runtime_error("ServerProcess: pipe() failed");
    if (::pipe(port_pipe) != 0) {
        ::close(lifeline[0]);
        ::close(lifeline[1]);
        throw std::runtime_error("ServerProcess: pipe() failed");
    }
    flush_standard_streams();
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("ServerProcess: fork() failed");
    if (pid_ == 0) {
        ::close(lifeline[1]);
        ::close(port_pipe[0]);
        int status = 0;
        try {
            http::ServerThread server;
            const std::uint16_t port = server.port();
            write_all(port_pipe[1], std::string(reinterpret_cast<const char*>(&port), sizeof port));
            ::close(port_pipe[1]);
            read_all(lifeline[0]);  // returns at EOF: the parent is done, or gone
            server.stop();
        } catch (...) {
            status = 1;
        }
        ::_exit(status);
    }
    ::close(lifeline[0]);
    ::close(port_pipe[1]);
    lifeline_ = lifeline[1];
    const std::string port = read_all(port_pipe[0]);
    ::close(port_pipe[0]);
    if (port.size() != sizeof port_) {
        stop();
        throw std::runtime_error("ServerProcess: the server did not start");
    }
    std::copy(port.begin(), port.end(), reinterpret_cast<char*>(&port_));
}

ServerProcess::~ServerProcess() {
    stop();
}

std::string ServerProcess::url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void ServerProcess::stop() noexcept {
    if (lifeline_ >= 0) ::close(lifeline_);
    lifeline_ = -1;
    if (pid_ > 0) {
        while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    pid_ = -1;
}

}  // namespace looplab::demos
