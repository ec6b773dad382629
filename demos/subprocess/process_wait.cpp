// demos/subprocess/process_wait.cpp: the seed's question in process form: N children that each
// sleep 100 ms, waited for one after another, then all at once, on one thread.
// Lesson: docs/course.md#lesson-5-coroutines-and-tasks
//
// asyncio: asyncio.create_subprocess_exec + Process.wait, and asyncio.gather over the waits:
//
//     for _ in range(n): await (await create_subprocess_exec("sleep", "0.1")).wait()
//     procs = [await create_subprocess_exec("sleep", "0.1") for _ in range(n)]
//     await asyncio.gather(*(p.wait() for p in procs))
//
// The first takes n x 100 ms, the second about 100 ms, and neither uses a thread: a child's
// exit is a readable pidfd the loop watches like a socket (net/subprocess/child_watcher.hpp).
// The demo counts the threads of its own process while the children run, to show it. (On a
// kernel without pidfd_open the fallback watcher is a thread per child, and the count shows
// that too.)
//
// Usage: looplab-process-wait [--children N] [--sleep-ms MS] [--quick] [--json]
//     --children N    how many children (default 10)
//     --sleep-ms MS   how long each sleeps (default 100)
//     --quick         5 children of 50 ms, for a classroom or a test
//     --json          one JSON object on stdout instead of the text
// Exit status: 0, or 1 if a child failed (a non-zero returncode), 2 for bad arguments.
#include <dirent.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/subprocess/child_watcher.hpp"
#include "net/subprocess/process.hpp"
#include "runtime/looplab.hpp"

using namespace looplab;
using namespace looplab::net;

namespace {

struct Options {
    int children = 10;
    int sleep_ms = 100;
    bool json = false;
};

struct Measured {
    double seconds = 0;
    int failed = 0;       // children whose returncode was not 0
    int max_threads = 0;  // threads of this process seen while the children ran
};

// The threads of this process right now (one entry per thread in /proc/self/task).
int thread_count() {
    DIR* dir = ::opendir("/proc/self/task");
    if (dir == nullptr) return -1;
    int n = 0;
    while (const dirent* entry = ::readdir(dir)) {
        if (entry->d_name[0] != '.') ++n;
    }
    ::closedir(dir);
    return n;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<std::string> sleeper(int sleep_ms) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", sleep_ms / 1000.0);
    return {"sleep", seconds};
}

// Spawn one, wait for it, spawn the next: n x sleep.
Coro<Measured> sequential(Options options) {
    EventLoop& loop = get_running_loop();
    Measured m;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < options.children; ++i) {
        std::vector<std::string> argv = sleeper(options.sleep_ms);  // named: a g++ 12 bug
        std::shared_ptr<Process> proc = co_await create_subprocess_exec(loop, std::move(argv));
        m.max_threads = std::max(m.max_threads, thread_count());
        const int returncode = co_await proc->wait();
        if (returncode != 0) ++m.failed;
    }
    m.seconds = seconds_since(start);
    co_return m;
}

// Spawn them all, then gather their waits: about one sleep.
Coro<Measured> gathered(Options options) {
    EventLoop& loop = get_running_loop();
    Measured m;
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::shared_ptr<Process>> procs;
    for (int i = 0; i < options.children; ++i) {
        std::vector<std::string> argv = sleeper(options.sleep_ms);  // named: a g++ 12 bug
        std::shared_ptr<Process> proc = co_await create_subprocess_exec(loop, std::move(argv));
        procs.push_back(std::move(proc));
    }
    m.max_threads = thread_count();
    std::vector<Coro<int>> waits;
    for (const auto& proc : procs) waits.push_back(proc->wait());
    const std::vector<int> returncodes = co_await gather(std::move(waits));
    for (const int returncode : returncodes) {
        if (returncode != 0) ++m.failed;
    }
    m.seconds = seconds_since(start);
    co_return m;
}

Coro<void> compare(Options options) {
    const char* watcher = pidfd_supported() ? "pidfd" : "a thread per child";
    const Measured one_by_one = co_await sequential(options);
    const Measured together = co_await gathered(options);
    if (options.json) {
        std::printf(
            "{\"demo\": \"process-wait\", \"children\": %d, \"sleep_ms\": %d, \"watcher\": "
            "\"%s\", \"sequential_s\": %.3f, \"gathered_s\": %.3f, \"max_threads\": %d, "
            "\"failed\": %d}\n",
            options.children, options.sleep_ms, watcher, one_by_one.seconds, together.seconds,
            std::max(one_by_one.max_threads, together.max_threads),
            one_by_one.failed + together.failed);
    } else {
        std::printf("%d children, each `sleep %.3f`; exits watched by %s\n", options.children,
                    options.sleep_ms / 1000.0, watcher);
        std::printf("  sequential  spawn, wait, spawn, wait, ...   %6.3f s   threads: %d\n",
                    one_by_one.seconds, one_by_one.max_threads);
        std::printf("  gathered    spawn all, gather(wait, ...)    %6.3f s   threads: %d\n",
                    together.seconds, together.max_threads);
        std::printf("=> the waits overlap like sockets' reads: one thread, about one sleep.\n");
    }
    if (one_by_one.failed + together.failed > 0) throw std::runtime_error("a child failed");
}

bool parse(int argc, char** argv, Options& options) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--quick") {
            options.children = 5;
            options.sleep_ms = 50;
        } else if (arg == "--json") {
            options.json = true;
        } else if ((arg == "--children" || arg == "--sleep-ms") && i + 1 < argc) {
            const int value = std::atoi(argv[++i]);
            if (value <= 0) return false;
            (arg == "--children" ? options.children : options.sleep_ms) = value;
        } else {
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    Options options;
    if (!parse(argc, argv, options)) {
        std::fprintf(stderr,
                     "usage: looplab-process-wait [--children N] [--sleep-ms MS] [--quick] "
                     "[--json]\n");
        return 2;
    }
    try {
        run(compare(options));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
