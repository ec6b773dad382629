// demos/seeds/compare.cpp: `looplab-demo compare`, seed 000 (the README's main command).
// Lesson: docs/course.md#lesson-5-coroutines-and-tasks
//
// --tls: the same over https (the embedded server with a certificate made at start-up), and
// at the end a table of what a handshake adds per request, with and without keep-alive
// (tls_cost.cpp). --url https://... runs the four strategies against a real site.
//
// Seed 000: a Flask server that sleeps 0.1 s; 10 requests done four ways. The post measured
// 1.062 s (requests in a loop), 1.049 s ("naive" async def around requests.get: still
// sequential), 0.122 s (run_in_executor) and 0.121 s (aiohttp), and asked why the naive
// version does not help and whether executors are as good as aiohttp.
//
// What to look at:
//   - the "at once" column: the naive coroutines never overlap (1), because a coroutine that
//     never awaits cannot give the loop back; the executor overlaps as many requests as it
//     has workers; the native client overlaps all of them on one thread;
//   - the executor's waves: the default pool has min(32, cores + 4) workers, Python's rule,
//     so on a 2-core machine 10 requests run as 6, then 4 (2 x 100 ms); --workers changes it;
//   - "threads": what the executor's speed costs (executor-cost shows when that matters).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <ostream>
#include <thread>

#include "demos/seeds/demo.hpp"
#include "demos/seeds/report.hpp"
#include "demos/seeds/strategies.hpp"

namespace looplab::demos {

namespace {

struct Row {
    RunResult run;
    std::string label;     // the table's name for the strategy
    std::string headline;  // seed 000's print: "synchronous took 1.062 seconds"
    std::string story;     // one sentence: what happened
};

std::string ms(double seconds) {
    return std::to_string(std::lround(seconds * 1000)) + " ms";
}

std::string times(double ratio) {
    return fixed(ratio, 1) + "x";
}

// What the executor did, with the waves worked out from the pool's size, and how that size
// depends on the machine: Python's default is min(32, cores + 4), so "two waves" of 10
// requests is a machine of at most 5 cores. Seed 000's executor took 0.122 s, one server
// delay: its machine had 6 cores or more.
std::string executor_story(int n, std::size_t workers, std::size_t cores, bool workers_given,
                           double max_queued_s, std::size_t threads_started) {
    const std::size_t requests = static_cast<std::size_t>(n);
    const std::size_t waves = (requests + workers - 1) / workers;
    const std::size_t default_workers = std::min<std::size_t>(32, cores + 4);
    std::string story = "each request blocked a worker thread instead of the loop. ";
    story += workers_given
                 ? "The pool has " + std::to_string(workers) +
                       " workers (--workers; this machine's default would be " +
                       std::to_string(default_workers) + ")"
                 : "The default pool has " + std::to_string(workers) + " workers (min(32, " +
                       std::to_string(cores) + " cores + 4), Python's rule)";
    if (waves > 1) {
        story += ", so " + std::to_string(n) + " requests ran in " + std::to_string(waves) +
                 " waves: " + std::to_string(workers) +
                 " at once, the rest queued until a worker was free (up to " + ms(max_queued_s) +
                 " in the queue), about " + std::to_string(waves) + " server delays in all.";
    } else {
        story += ", enough for all " + std::to_string(n) +
                 " requests in one wave: " + std::to_string(threads_started) +
                 " threads started for it.";
    }
    // The machine's part in it.
    if (requests > 32) {
        story += " No default pool has more than 32 workers, so on any machine " +
                 std::to_string(n) + " requests take several waves.";
    } else if (requests > 4) {
        story += " The waves depend on the machine: with " + std::to_string(requests - 4) +
                 " cores or more the default pool has " + std::to_string(n) +
                 " workers or more and every request runs in the first wave (seed 000's "
                 "executor took 0.122 s, one server delay: a machine of that kind).";
    }
    const std::size_t two_core_waves = (requests + 5) / 6;
    story += " To see either anywhere: --workers 6 (a 2-core machine's pool: " +
             std::to_string(two_core_waves) + (two_core_waves == 1 ? " wave" : " waves") +
             " here), --workers " + std::to_string(n) + " (one wave, at the price of " +
             std::to_string(n) + " threads).";
    return story;
}

}  // namespace

DemoResult run_compare(const CompareOptions& options, const Context& context) {
    const int n = options.common.requests;
    const Target target(options.common.url, context.tls());
    const int delay_ms = target.embedded() ? options.common.delay_ms : -1;
    const std::string url = target.url_for_delay(options.common.delay_ms);
    const std::vector<std::string> urls = repeat_url(url, n);
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t workers = options.workers.value_or(python_default_workers());
    std::ostream& out = context.out();

    std::string title = "compare (seed 000): " + std::to_string(n) + " requests";
    if (target.embedded()) title += " to a server that waits " + std::to_string(delay_ms) + " ms";
    context.say(title + ", four ways");
    context.say("server: " + target.describe());
    out << "\n";

    std::vector<Row> rows;
    auto measure = [&](RunResult run, std::string label, std::string what) {
        out << what << " took " << fixed(run.wall, 3) << " seconds" << std::endl;
        context.print_failures(run);
        if (context.csv()) context.csv()->add("compare", run, delay_ms, 0);
        rows.push_back({std::move(run), std::move(label), std::move(what), {}});
    };
    // --trace / --timeline / --svg: one lane per strategy, all four on one time axis.
    if (context.trace()) context.trace()->set_title(title + ", four ways");
    auto traced = [&context](const std::string& lane) {
        Observer observer;
        observer.recorder = context.trace_lane(lane);
        return observer;
    };
    measure(fetch_blocking(urls, nullptr, traced("blocking loop")), "blocking loop", "synchronous");
    measure(fetch_naive_async(urls, traced("naive async (gathered)")), "naive async (gathered)",
            "asynchronous (naive)");
    measure(fetch_in_executor(urls, ExecutorConfig{.default_workers = options.workers},
                              traced("run_in_executor")),
            "run_in_executor", "asynchronous (executor)");
    measure(fetch_native(urls, NativeConfig{}, traced("native ClientSession")),
            "native ClientSession", "native (ClientSession)");

    const RunResult& blocking = rows[0].run;
    const RunResult& naive = rows[1].run;
    const RunResult& executor = rows[2].run;
    const RunResult& native = rows[3].run;
    const std::size_t waves = (static_cast<std::size_t>(n) + workers - 1) / workers;  // JSON
    const double max_queued_s =
        executor.executor
            ? std::chrono::duration<double>(executor.executor->max_time_queued).count()
            : 0.0;
    const double per_request = n > 0 ? blocking.wall / n : 0;

    rows[0].story =
        "each call waits for its answer before the next one starts: " + std::to_string(n) + " x " +
        ms(per_request) + " (the server's delay plus " + "a new connection each time), " +
        fixed(blocking.wall, 3) + " s in all.";
    rows[1].story =
        "every coroutine became a task, but none of them ever co_awaits: a task's first step "
        "runs its whole blocking request with the loop stuck inside it, and only then can the "
        "next task's step start. So gather ran them one after another (" +
        fixed(naive.wall / std::max(blocking.wall, 1e-9) * 100, 0) +
        "% of the blocking time): async without an await point is sequential code.";
    rows[2].story = executor_story(n, workers, cores, options.workers.has_value(), max_queued_s,
                                   executor.executor ? executor.executor->threads_started : 0);
    rows[3].story = "one thread, " + std::to_string(native.connections_opened.value_or(0)) +
                    " connections: each request waits for the selector, not in a thread, so "
                    "all " +
                    std::to_string(native.max_in_flight()) +
                    " overlapped and the run took about one server delay (" +
                    fixed(native.wall, 3) + " s).";

    Table table({{"strategy", Table::Align::left},
                 {"wall s"},
                 {"speed-up"},
                 {"threads"},
                 {"at once"},
                 {"failed"}});
    for (const Row& row : rows) {
        table.add_row({row.label, fixed(row.run.wall, 3),
                       times(blocking.wall / std::max(row.run.wall, 1e-9)),
                       std::to_string(row.run.threads_used()),
                       std::to_string(row.run.max_in_flight()), std::to_string(row.run.failed())});
    }
    out << "\n" << table.render() << "\n";
    out << "What happened:\n";
    for (const Row& row : rows) context.bullet(row.label + ": " + row.story);
    context.say(
        "(threads: threads that did the requests' I/O; \"at once\": the most requests in "
        "flight together. The server runs on a thread of its own, not counted.)");
    nlohmann::json tls_cost;
    if (target.tls()) tls_cost = run_tls_cost(target, 50, context);

    DemoResult result;
    nlohmann::json strategies = nlohmann::json::array();
    for (const Row& row : rows) {
        nlohmann::json j = to_json(row.run, /*with_requests=*/true);
        j["label"] = row.label;
        j["speedup"] = blocking.wall / std::max(row.run.wall, 1e-9);
        j["explanation"] = row.story;
        strategies.push_back(j);
        result.failed += row.run.failed();
    }
    result.json = {{"demo", "compare"},
                   {"seed", "000"},
                   {"requests", n},
                   {"delay_ms", delay_ms},
                   {"server", target.describe()},
                   {"cores", cores},
                   {"executor_workers", workers},
                   {"executor_waves", waves},
                   {"strategies", strategies}};
    if (target.tls()) result.json["tls_cost"] = tls_cost;
    return result;
}

void make_quick(CompareOptions& options, const Given& given) {
    if (!given("--requests")) options.common.requests = 10;  // still more than 6 workers
    if (!given("--delay-ms")) options.common.delay_ms = 20;
}

void add_compare_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<CompareOptions>();
    auto quick = std::make_shared<bool>(false);
    CLI::App* command = app.add_subcommand(
        "compare", "Seed 000: N requests four ways: blocking, naive async, executor, native");
    command->add_option("--requests", options->common.requests, "Number of requests")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--delay-ms", options->common.delay_ms, "How long the server waits")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--url", options->common.url,
                        "Target this server instead of the embedded one");
    command
        ->add_option("--workers", options->workers,
                     "Size of the default executor (default: min(32, cores + 4))")
        ->check(CLI::PositiveNumber);
    add_output_options(*command, invocation);
    add_quick_flag(*command, *quick);
    command->callback([options, quick, command, &invocation] {
        if (*quick) make_quick(*options, given_on(*command));
        run_demo(invocation, [options](const Context& c) { return run_compare(*options, c); });
    });
}

}  // namespace looplab::demos
