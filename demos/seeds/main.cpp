// demos/seeds/main.cpp: `looplab-demo <name> [options]`, the seeds' experiments in one binary.
// Lesson: docs/course.md#lesson-5-coroutines-and-tasks
//
// Each demo reproduces one of the posts in the seeds (docs: /work/shared/seeds) and starts
// its own server (looplab's, on its own thread) unless --url points it at another one:
//
//   compare              seed 000: 10 requests four ways (blocking, naive async, executor,
//                        native ClientSession): the README's main command
//   executor-cost        seed 000's answer: where threads start to lose to coroutines
//   batch-table          seed 001: pandas describe() of batch download times
//   url-bars             seed 003: five pages, sequential then concurrent, asterisk bars
//   executor-timestamps  seed 004: Start:/End: lines of a 5-worker, then 2-worker pool
//   blocking-loop        seed 002's lesson: a blocking call stops every other task
//   all                  each of the above with small sizes, for a classroom
//   explore              the loop explorer page from a --trace file (docs/explorer.md)
//
// Exit status: 0 if every request succeeded, 1 if any failed (they are printed and counted),
// 2 if a demo could not run at all.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <exception>
#include <iostream>

#include "demos/seeds/demo.hpp"

namespace {

// Thousands of concurrent connections need thousands of descriptors: raise the soft limit to
// the hard one (what `ulimit -n unlimited-as-allowed` would do). Children inherit it.
void raise_fd_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

}  // namespace

int main(int argc, char** argv) {
    using namespace looplab::demos;
    // A write to a connection the peer closed must be an error (EPIPE), not a killed process.
    std::signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();

    CLI::App app{
        "looplab-demo: the experiments of the seed posts, run on looplab.\n"
        "Each demo starts its own HTTP server on a thread of its own, unless --url is given.\n"
        "Run `looplab-demo <demo> --help` for a demo's options."};
    app.require_subcommand(1);
    Invocation invocation;
    add_compare_command(app, invocation);
    add_executor_cost_command(app, invocation);
    add_batch_table_command(app, invocation);
    add_url_bars_command(app, invocation);
    add_executor_timestamps_command(app, invocation);
    add_blocking_loop_command(app, invocation);
    add_all_command(app, invocation);
    add_explore_command(app, invocation);

    try {
        app.parse(argc, argv);  // runs the chosen demo (its callback)
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const std::exception& e) {
        std::cerr << "looplab-demo: error: " << e.what() << std::endl;
        return 2;
    }
    if (!invocation.ran) return 2;
    if (invocation.json) std::cout << invocation.result.json.dump(2) << std::endl;
    if (invocation.result.failed > 0) {
        std::cerr << "looplab-demo: " << invocation.result.failed
                  << " request(s) failed (see above)" << std::endl;
        return 1;
    }
    return 0;
}
