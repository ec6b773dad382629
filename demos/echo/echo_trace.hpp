// demos/echo/echo_trace.hpp: --trace FILE.json, --timeline and --svg FILE.svg for the echo
// demos, as looplab-demo has them (demos/seeds/demo_trace.hpp).
//
// asyncio: none built in; the servers' Ctrl-C handling is asyncio's loop.add_signal_handler
//          (a signal handler that only writes a byte to a pipe the loop watches).
//
// The echo programs stay small on purpose, so all the tracing sits here, behind two calls:
//
//     EchoTrace trace(argc, argv);          // takes the three options out of argv
//     run(trace.traced(serve(port)));       // records while serve() runs
//
// traced() installs a TraceRecorder on the running loop (tracer.hpp) and removes it when the
// body ends; the destructor writes the files and prints the timeline. A server never ends on
// its own, so while tracing, Ctrl-C (SIGINT) cancels it instead of killing the process, and
// the trace of everything it served is written on the way out. Without any of the options,
// traced() just awaits the body: nothing is recorded and SIGINT keeps its default.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "runtime/looplab.hpp"
#include "runtime/observe/trace_recorder.hpp"
#include "runtime/trace/trace_export.hpp"

namespace looplab::demos {

class EchoTrace {
public:
    // Removes --trace FILE, --timeline and --svg FILE from argv (adjusting argc), so the
    // program reads its positional arguments as before.
    EchoTrace(int& argc, char** argv) {
        int kept = 1;
        for (int i = 1; i < argc; ++i) {
            const std::string arg = argv[i];
            if (arg == "--timeline") {
                timeline_ = true;
            } else if ((arg == "--trace" || arg == "--svg") && i + 1 < argc) {
                (arg == "--trace" ? json_path_ : svg_path_) = argv[++i];
            } else {
                argv[kept++] = argv[i];
            }
        }
        argc = kept;
    }
    EchoTrace(const EchoTrace&) = delete;
    EchoTrace& operator=(const EchoTrace&) = delete;

    ~EchoTrace() {
        if (enabled()) write();
        if (pipe_[0] >= 0) {
            std::signal(SIGINT, SIG_DFL);
            ::close(pipe_[0]);
            ::close(pipe_[1]);
        }
    }

    bool enabled() const { return timeline_ || !json_path_.empty() || !svg_path_.empty(); }

    // Awaits `body` with the recorder installed on the running loop. While tracing, SIGINT
    // cancels the body (which then ends as if it had returned) so the trace still gets written.
    Coro<void> traced(Coro<void> body) {
        if (!enabled()) {
            co_await std::move(body);
            co_return;
        }
        EventLoop& loop = get_running_loop();
        recorder_.name_this_thread("loop");
        loop.set_tracer(&recorder_);
        Task<void> task = loop.create_task(std::move(body), "main");
        const int fd = watch_sigint(loop, task);
        try {
            co_await task;
        } catch (const CancelledError&) {
            std::fprintf(stderr, "interrupted: writing the trace\n");
        }
        loop.remove_reader(fd);
        loop.set_tracer(nullptr);
    }

private:
    static int& sigint_write_fd() {
        static int fd = -1;
        return fd;
    }
    static void on_sigint(int) {
        const char byte = 1;
        // Only async-signal-safe work here: one write to the pipe the loop watches.
        [[maybe_unused]] const ssize_t n = ::write(sigint_write_fd(), &byte, 1);
    }

    // A self-pipe: the signal handler writes to it; the loop reads it and cancels `task`.
    int watch_sigint(EventLoop& loop, Task<void> task) {
        if (::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
        sigint_write_fd() = pipe_[1];
        std::signal(SIGINT, on_sigint);
        loop.add_reader(pipe_[0], [task]() mutable { task.cancel("SIGINT"); });
        return pipe_[0];
    }

    void write() const {
        const std::vector<TraceLane> lanes{make_lane(recorder_, "echo")};
        if (timeline_) write_timeline(std::cout, lanes);
        if (!json_path_.empty())
            write_file(json_path_, [&](std::ostream& out) { write_chrome_trace(out, lanes); });
        if (!svg_path_.empty())
            write_file(svg_path_, [&](std::ostream& out) { write_svg_timeline(out, lanes); });
    }

    template <class Write>
    static void write_file(const std::string& path, Write write) {
        std::ofstream out(path);
        write(out);
        out.close();
        if (out) {
            std::fprintf(stderr, "wrote %s\n", path.c_str());
        } else {
            std::fprintf(stderr, "error: cannot write %s\n", path.c_str());
        }
    }

    std::string json_path_;
    std::string svg_path_;
    bool timeline_ = false;
    int pipe_[2] = {-1, -1};
    TraceRecorder recorder_;
};

}  // namespace looplab::demos
