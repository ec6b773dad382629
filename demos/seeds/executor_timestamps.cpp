// demos/seeds/executor_timestamps.cpp: `looplab-demo executor-timestamps`, seed 004.
// Lesson: docs/course.md#lesson-8-the-executor-and-why-threads-cost
//
// Seed 004 ("Do async I/O on a blocking object"): a ThreadPoolExecutor(max_workers=5) and
// loop.run_in_executor(executor, requests.get, url) for five URLs, each coroutine printing
// `Start: url: time` before and `End: url: status: time` after, gathered. The five Starts
// come within a millisecond of each other and the Ends overlap. Here: the same with 5
// workers, then with 2, to show what the post did not: a pool smaller than the work queues.
//
// What to look at:
//   - with 5 workers, every request runs at once: "queued 0 ms" on each End line;
//   - with 2 workers the Start lines still come all at once (a coroutine prints before it
//     submits, and submitting never blocks), but the End lines of the third request onwards
//     show it waited in the executor's queue for a worker, and the total grows.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <ostream>

#include "demos/seeds/demo.hpp"
#include "demos/seeds/report.hpp"
#include "demos/seeds/strategies.hpp"

namespace looplab::demos {

namespace {

// time.time() as the seed prints it: seconds since the epoch, 7 decimals.
std::string unix_time(double t0_unix, double offset) {
    return fixed(t0_unix + offset, 7);
}

std::string ms(double seconds) {
    return std::to_string(std::lround(seconds * 1000)) + " ms";
}

}  // namespace

DemoResult run_executor_timestamps(const ExecutorTimestampsOptions& options,
                                   const Context& context) {
    const Target target(options.urls.empty() ? std::string() : options.urls.front(), context.tls());
    std::vector<std::string> urls = options.urls;
    if (target.embedded()) {
        for (int delay : options.delays_ms) urls.push_back(target.url_for_delay(delay));
    }
    std::ostream& out = context.out();
    std::string title = "executor-timestamps (seed 004): run_in_executor with a pool of";
    for (std::size_t i = 0; i < options.workers.size(); ++i) {
        title += (i == 0 ? " " : ", then ") + std::to_string(options.workers[i]);
    }
    context.say(title + " workers");
    if (context.trace()) context.trace()->set_title(title + " workers");
    context.say("server: " + target.describe());

    DemoResult result;
    nlohmann::json runs = nlohmann::json::array();
    for (std::size_t workers : options.workers) {
        out << "\nThreadPoolExecutor(max_workers=" << workers << "), gathered:\n";
        ThreadPoolExecutor pool(workers, "worker");
        // The observer runs on the loop thread, in the coroutines, as the seed's prints do.
        double t0_unix = 0;
        Observer printer{[&](const RequestRecord& r) {
                             out << "Start: " << short_url(r.url) << ": "
                                 << unix_time(t0_unix, r.start) << std::endl;
                         },
                         [&](const RequestRecord& r) {
                             out << "End: " << short_url(r.url) << ": " << r.status << ": "
                                 << unix_time(t0_unix, r.end) << "  queued "
                                 << ms(r.began - r.start) << (r.ok ? "" : "  FAILED: " + r.error)
                                 << std::endl;
                         },
                         [&](double t0) { t0_unix = t0; }};
        printer.recorder = context.trace_lane(std::to_string(workers) + " workers");
        RunResult run = fetch_in_executor(urls, ExecutorConfig{.pool = &pool}, printer);
        const ThreadPoolExecutor::Stats stats = run.executor.value_or(ThreadPoolExecutor::Stats{});
        // A request waited for a worker if no worker took it before another request had
        // finished (a worker was free only then). Starting a thread takes a little time too,
        // so "queued 1 ms" on its own does not count.
        double first_done = 1e300;
        for (const RequestRecord& r : run.records) first_done = std::min(first_done, r.done);
        std::size_t waited = 0;
        for (const RequestRecord& r : run.records) waited += r.began >= first_done ? 1 : 0;
        context.say("took " + fixed(run.wall, 3) + " s; " + std::to_string(stats.threads_started) +
                    " threads started; " + std::to_string(waited) +
                    " requests waited for a worker (peak queue " +
                    std::to_string(stats.peak_queue_depth) + ", longest wait " +
                    ms(std::chrono::duration<double>(stats.max_time_queued).count()) + ")");
        context.print_failures(run);
        if (context.csv()) {
            RunResult named = run;
            named.strategy = "executor, " + std::to_string(workers) + " workers";
            context.csv()->add("executor-timestamps", named, -1, 0);
        }
        nlohmann::json j = to_json(run, true);
        j["workers"] = workers;
        j["waited_for_worker"] = waited;
        j["t0_unix"] = run.t0_unix;
        runs.push_back(j);
        result.failed += run.failed();
    }
    if (runs.size() >= 2) {
        out << "\n";
        context.say(
            "With fewer workers than requests, the Start lines still come all at once: a "
            "coroutine prints, then submits, and submit() never blocks, it queues. Only as "
            "many calls run as there are workers; the others wait in the executor's queue "
            "(the 'queued' times) for a worker to finish, so the ends spread out and the total "
            "grows from " +
            fixed(runs[0]["wall_s"].get<double>(), 2) + " s to " +
            fixed(runs[1]["wall_s"].get<double>(), 2) + " s.");
    }
    result.json = {{"demo", "executor-timestamps"},
                   {"seed", "004"},
                   {"server", target.describe()},
                   {"urls", urls},
                   {"runs", runs}};
    return result;
}

void make_quick(ExecutorTimestampsOptions& options, const Given& given) {
    if (given("--delays-ms")) return;
    for (int& d : options.delays_ms) d /= 5;  // the same queueing, five times shorter
}

void add_executor_timestamps_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<ExecutorTimestampsOptions>();
    auto quick = std::make_shared<bool>(false);
    CLI::App* command =
        app.add_subcommand("executor-timestamps",
                           "Seed 004: Start:/End: timestamps of run_in_executor, 5 workers then 2");
    command->add_option("--delays-ms", options->delays_ms, "The five URLs' server delays")
        ->delimiter(',')
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--workers", options->workers, "Pool sizes to run, in order")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--url", options->urls, "Fetch these URLs instead (repeat --url for each)");
    add_output_options(*command, invocation);
    add_quick_flag(*command, *quick);
    command->callback([options, quick, command, &invocation] {
        if (*quick) make_quick(*options, given_on(*command));
        run_demo(invocation,
                 [options](const Context& c) { return run_executor_timestamps(*options, c); });
    });
}

}  // namespace looplab::demos
