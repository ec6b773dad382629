// tests/http/load_test.cpp: 10,000 concurrent requests from one ClientSession.
//
// Issue 5's load requirement, as behaviour only (speed is benchmarks/' business): every one
// of 10,000 concurrent /delay/100 requests completes with the right body. The server is the
// built lab-serve tool in a process of its own, so client and server each have their own
// descriptor limit (10,000 connections need 10,000 descriptors on each side).
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "http/client/client_session.hpp"
#include "runtime/looplab.hpp"

extern char** environ;

namespace looplab::http {
namespace {

// Raises the soft descriptor limit to the hard one; returns the new soft limit.
rlim_t raise_fd_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

// lab-serve in a child process; the destructor stops it with SIGTERM and reaps it.
class LabServeProcess {
public:
    LabServeProcess() {
        int out[2];
        if (::pipe(out) != 0) throw std::runtime_error("pipe");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
        posix_spawn_file_actions_addclose(&actions, out[0]);
        std::vector<char*> argv{const_cast<char*>(LAB_SERVE_PATH), const_cast<char*>("--port"),
                                const_cast<char*>("0"), const_cast<char*>("--quiet"), nullptr};
        const int spawned =
            ::posix_spawn(&pid_, LAB_SERVE_PATH, &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        if (spawned != 0) {
            ::close(out[0]);
            throw std::runtime_error("cannot start lab-serve");
        }
        // The first line is "lab-serve: listening on http://127.0.0.1:PORT/".
        std::string line;
        char c;
        while (::read(out[0], &c, 1) == 1 && c != '\n') line += c;
        ::close(out[0]);
        const auto at = line.find("http://");
        if (at == std::string::npos) throw std::runtime_error("lab-serve said: " + line);
        url_ = line.substr(at);
    }
    ~LabServeProcess() {
        ::kill(pid_, SIGTERM);
        int status = 0;
        ::waitpid(pid_, &status, 0);
    }
    const std::string& url() const { return url_; }

private:
    pid_t pid_ = -1;
    std::string url_;
};

Coro<std::string> fetch(ClientSession& session, std::string url) {
    ClientResponse response = co_await session.get(std::move(url));
    std::string body = co_await response.text();
    co_return std::to_string(response.status) + " " + body;
}

TEST(HttpLoad, TenThousandConcurrentDelayedRequestsFromOneSessionAllGetTheirBodies) {
    const rlim_t fds = raise_fd_limit();  // lab-serve inherits it too
    // 10,000 where the limit allows it (it does on this project's machines); a machine with
    // a lower hard limit runs as many as fit rather than failing for a reason unrelated to
    // looplab. The count used is printed either way.
    const std::size_t n = std::min<std::size_t>(10'000, fds > 300 ? fds - 200 : 100);
    std::cout << "[ load     ] " << n << " concurrent requests (RLIMIT_NOFILE " << fds << ")\n";
    LabServeProcess server;
    const std::string url = server.url() + "delay/100";

    auto all = [&]() -> Coro<std::vector<std::string>> {
        ClientSessionOptions options;
        options.limit = n;  // every request gets its own connection at once
        ClientSession session(options);
        std::vector<Coro<std::string>> requests;
        requests.reserve(n);
        for (std::size_t i = 0; i < n; ++i) requests.push_back(fetch(session, url));
        std::vector<std::string> bodies = co_await gather(std::move(requests));
        EXPECT_GE(session.peak_active_connections(), n / 2);  // they really were concurrent
        co_await session.close();
        co_return bodies;
    };
    std::vector<std::string> bodies = run(all());
    ASSERT_EQ(bodies.size(), n);
    std::size_t right = 0;
    for (const auto& b : bodies) right += b == "200 Hello World!";
    EXPECT_EQ(right, n);
}

}  // namespace
}  // namespace looplab::http
