// tests/reliability/support/forked_server.hpp: looplab's HttpServer in a child process.
//
// asyncio's test suite: test.support.script_helper's servers in subprocesses
//
// Some tests need the server to have a descriptor table of its own: 10,000 connections need
// 10,000 descriptors on each side (RLIMIT_NOFILE is 20,000 here), and the low-fd-limit test
// lowers the limit for the server alone. fork() gives that with the library's own server code,
// no separate binary to find. The child is forked from the test's thread while no other thread
// runs (each test joins its threads), runs looplab::run() with a fresh loop, serves the demo
// routes until the parent closes the control pipe, shuts the server down gracefully and
// _exit()s: 0 if all went well, 1 if the server threw, a signal if it crashed. stop() returns
// that status, so "the server survived" is an assertion, not a hope.
#pragma once

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>

#include "http/client/client_session.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/server.hpp"
#include "net/errors.hpp"
#include "net/support/fd_leak_check.hpp"
#include "runtime/looplab.hpp"

namespace looplab::reliability {

class ForkedServer {
public:
    // fd_headroom > 0: once the server listens (and has answered one request of its own), the
    // child's soft RLIMIT_NOFILE becomes its open descriptors plus this many; 0: the child
    // raises it to the hard limit.
    explicit ForkedServer(http::HttpServerOptions options = {}, long fd_headroom = 0) {
        int control[2];
        int report[2];
        if (::pipe(control) != 0 || ::pipe(report) != 0) throw std::runtime_error("pipe()");
        std::fflush(nullptr);  // nothing buffered may be written twice
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("fork()");
        if (pid_ == 0) {
            ::close(control[1]);
            ::close(report[0]);
            child_main(control[0], report[1], options, fd_headroom);
        }
        ::close(control[0]);
        ::close(report[1]);
        control_ = control[1];
        const ssize_t n = ::read(report[0], &port_, sizeof port_);
        ::close(report[0]);
        if (n != sizeof port_) {
            stop();
            throw std::runtime_error("the forked server did not start");
        }
    }
    ~ForkedServer() { stop(); }
    ForkedServer(const ForkedServer&) = delete;
    ForkedServer& operator=(const ForkedServer&) = delete;

    std::uint16_t port() const { return port_; }
    std::string url(std::string_view path = "/") const {
        return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
    }

    // Tells the child to shut down and waits for it; returns the waitpid() status (exited 0
    // means the server shut down cleanly). Idempotent.
    int stop() {
        if (pid_ <= 0) return status_;
        ::close(control_);  // the child sees end of stream and shuts the server down
        ::waitpid(pid_, &status_, 0);
        pid_ = -1;
        return status_;
    }

private:
    [[noreturn]] static void child_main(int control_fd, int report_fd,
                                        http::HttpServerOptions options, long fd_headroom) {
        int code = 1;
        try {
            if (fd_headroom == 0) set_fd_limit(0);
            code = looplab::run(serve(control_fd, report_fd, options, fd_headroom));
        } catch (const std::exception& e) {
            std::fprintf(stderr, "forked server failed: %s\n", e.what());
        }
        ::_exit(code);  // not exit(): the parent's gtest state must not run its atexit work
    }

    // UBSan's vptr check (the sanitizer builds) validates each dynamic type the first time it
    // meets it, and does so with a pipe(): at the descriptor limit that pipe fails and the
    // check reports a bogus "invalid vptr". So before the limit is lowered, the server answers
    // one request of its own (its connection types) and the EMFILE error path's types are met
    // once; UBSan caches them.
    static Coro<void> warm_up(const http::HttpServer& server) {
        http::ClientSession session;
        http::ClientResponse response = co_await session.get(server.url("/"));
        (void)co_await response.text();
        co_await session.close();
        use_error_types_once();
    }

    static void use_error_types_once() {
        const std::exception_ptr error = net::make_os_error(EMFILE, "accept", "127.0.0.1:1");
        (void)describe(error);  // what the loop's exception handler prints
        try {
            std::rethrow_exception(error);
        } catch (const std::system_error& e) {
            (void)e.code().message();
            (void)e.code().category().name();
        } catch (const std::exception& e) {
            (void)e.what();
        }
        (void)std::error_code(EMFILE, std::generic_category()).message();
        (void)std::error_code(EMFILE, std::system_category()).message();
        // The loop's default exception handler writes to std::cerr (with std::endl).
        std::cerr << "forked server: descriptor limit lowered, EMFILE reports expected"
                  << std::endl;
    }

    static void set_fd_limit(long fd_headroom) {
        rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit);
        limit.rlim_cur = fd_headroom > 0
                             ? static_cast<rlim_t>(net::testing::count_open_fds() + fd_headroom)
                             : limit.rlim_max;
        if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("setrlimit()");
    }

    static Coro<int> serve(int control_fd, int report_fd, http::HttpServerOptions options,
                           long fd_headroom) {
        auto server =
            co_await http::HttpServer::start(http::demo_routes(), "127.0.0.1", 0, options);
        if (fd_headroom > 0) {
            co_await warm_up(*server);
            // Reports at the limit go out through stdio, not the default handler's std::cerr:
            // even after the warm-up, g++'s UBSan once flagged that handler's `operator<<`
            // with a bogus "invalid vptr" at EMFILE (a CI run of the ASan build). fprintf
            // makes no checked member call.
            get_running_loop().set_exception_handler(
                [](EventLoop&, const ExceptionContext& context) {
                    std::fprintf(stderr, "forked server: %s\n", context.message.c_str());
                });
            set_fd_limit(fd_headroom);
        }
        const std::uint16_t port = server->port();
        const bool reported = ::write(report_fd, &port, sizeof port) == sizeof port;
        ::close(report_fd);
        if (!reported) co_return 1;
        EventLoop& loop = get_running_loop();
        Future<void> parent_done = loop.create_future<void>();
        auto on_control = [&loop, &parent_done, control_fd] {
            loop.remove_reader(control_fd);
            if (!parent_done.done()) parent_done.set_result();
        };
        loop.add_reader(control_fd, on_control);
        co_await parent_done;
        co_await server->shutdown(std::chrono::seconds(2));
        ::close(control_fd);
        co_return 0;
    }

    pid_t pid_ = -1;
    int control_ = -1;  // write end of the control pipe; closing it stops the child
    std::uint16_t port_ = 0;
    int status_ = 0;
};

}  // namespace looplab::reliability
