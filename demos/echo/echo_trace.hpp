// demos/echo/echo_trace.hpp: --trace FILE.json, --timeline and --svg FILE.svg for the echo
// demos, as looplab-demo has them (demos/seeds/demo_trace.hpp).
//
// asyncio: none built in; the servers' Ctrl-C handling is asyncio.run's (3.11's Runner: the
//          first Ctrl-C cancels the main task, runtime/keyboard_interrupt.hpp).
//
// The echo programs stay small on purpose, so all the tracing sits here, behind two calls:
//
//     EchoTrace trace(argc, argv);          // takes the three options out of argv
//     run(trace.traced(serve(port)));       // records while serve() runs
//
// traced() installs a TraceRecorder on the running loop (tracer.hpp) and removes it when the
// body ends; the destructor writes the files and prints the timeline. A server never ends on
// its own; the first Ctrl-C (SIGINT) makes looplab::run cancel the main task, and while
// tracing, traced() catches that cancellation and returns, so the trace of everything served
// is written on the way out. Without any of the options, traced() just awaits the body: the
// cancellation ends it and run() exits as SIGINT does (status 130).
#pragma once

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
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
    }

    bool enabled() const { return timeline_ || !json_path_.empty() || !svg_path_.empty(); }

    // Awaits `body` with the recorder installed on the running loop. While tracing, a Ctrl-C
    // (run() cancelling the main task) ends the body as if it had returned, so the trace still
    // gets written.
    Coro<void> traced(Coro<void> body) {
        if (!enabled()) {
            co_await std::move(body);
            co_return;
        }
        EventLoop& loop = get_running_loop();
        recorder_.name_this_thread("loop");
        loop.set_tracer(&recorder_);
        Task<void> task = loop.create_task(std::move(body), "main");  // the timeline's row
        try {
            co_await task;
        } catch (const CancelledError&) {
            // Ctrl-C: run() cancelled the main task, this coroutine. Ending normally instead of
            // cancelled makes run() return normally, so the destructor writes the trace.
            std::fprintf(stderr, "interrupted: writing the trace\n");
        }
        loop.set_tracer(nullptr);
    }

private:
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
    TraceRecorder recorder_;
};

}  // namespace looplab::demos
