// demos/seeds/all.cpp: `looplab-demo all`, every seed demo in a row, at classroom sizes.
// Lesson: docs/course.md#a-course-on-event-loops-with-looplab
//
// The order tells the story: seed 000's comparison first (the question), then seed 002's
// lesson (why the naive version is sequential: a blocking call stops the loop), seeds 003 and
// 004 (what concurrency looks like, with a native client and with a pool), seed 001's
// statistics, and seed 000's answer (what threads cost as N grows). Each demo starts its own
// server, as it does when run alone; the sizes are cut so that the whole takes well under a
// minute on two cores.
//
// What to look at: each section's closing sentences; --json gives one object with a key per
// demo, --csv one file with the rows of all of them (the `demo` column tells them apart).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>

#include "demos/seeds/demo.hpp"

namespace looplab::demos {

namespace {

struct AllOptions {
    CommonOptions common;         // --requests and --delay-ms go to compare; --url to every demo
    bool quick = false;           // each demo's --quick sizes (make_quick): tests, slow machines
    Given given = nothing_given;  // which of compare's options the command line set
};

DemoResult run_all(const AllOptions& options, const Context& context) {
    std::ostream& out = context.out();
    DemoResult all;
    nlohmann::json demos = nlohmann::json::object();
    auto section = [&](const std::string& name, DemoResult result) {
        demos[name] = std::move(result.json);
        all.failed += result.failed;
    };
    // --trace / --timeline / --svg: each demo's lanes are titled "<demo>: <run>".
    auto trace_section = [&context](const std::string& name) {
        if (context.trace()) context.trace()->set_section(name);
    };
    auto banner = [&](const std::string& title) {
        out << "\n"
            << std::string(78, '=') << "\n"
            << title << "\n"
            << std::string(78, '=') << "\n";
    };
    const std::vector<std::string> urls = options.common.url.empty()
                                              ? std::vector<std::string>{}
                                              : std::vector<std::string>{options.common.url};

    const bool quick = options.quick;

    banner("1/6  looplab-demo compare  (seed 000: the question)");
    CompareOptions compare;
    compare.common = options.common;
    if (quick) make_quick(compare, options.given);
    trace_section("compare");
    section("compare", run_compare(compare, context));

    banner("2/6  looplab-demo blocking-loop  (seed 002: why naive async is sequential)");
    BlockingLoopOptions blocking;
    blocking.delay_ms = 300;
    if (quick) make_quick(blocking);
    blocking.url = options.common.url;
    trace_section("blocking-loop");
    section("blocking-loop", run_blocking_loop(blocking, context));

    banner("3/6  looplab-demo url-bars  (seed 003: sequential vs concurrent)");
    UrlBarsOptions bars;
    if (quick) make_quick(bars);
    bars.urls = urls;
    trace_section("url-bars");
    section("url-bars", run_url_bars(bars, context));

    banner("4/6  looplab-demo executor-timestamps  (seed 004: a pool, and its queue)");
    ExecutorTimestampsOptions stamps;
    if (quick) make_quick(stamps);
    stamps.urls = urls;
    trace_section("executor-timestamps");
    section("executor-timestamps", run_executor_timestamps(stamps, context));

    banner("5/6  looplab-demo batch-table  (seed 001: the statistics, fewer iterations)");
    BatchTableOptions batch;
    batch.iterations = 10;
    if (quick) make_quick(batch);
    batch.url = options.common.url;
    trace_section("batch-table");
    section("batch-table", run_batch_table(batch, context));

    banner("6/6  looplab-demo executor-cost  (seed 000: the answer, small N)");
    ExecutorCostOptions cost;
    cost.max_n = 100;
    cost.repeats = 2;
    if (quick) make_quick(cost);
    cost.url = options.common.url;
    trace_section("executor-cost");
    section("executor-cost", run_executor_cost(cost, context));
    if (context.trace()) context.trace()->set_title("looplab-demo all: every demo's runs");

    if (all.failed) context.err() << "\n" << all.failed << " request(s) failed in all.\n";
    all.json = {{"demo", "all"}, {"failed", all.failed}, {"demos", demos}};
    return all;
}

}  // namespace

void add_all_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<AllOptions>();
    CLI::App* command = app.add_subcommand(
        "all", "Every demo in a row at small sizes, for a classroom (about 20 s)");
    command->add_option("--requests", options->common.requests, "compare's number of requests")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--delay-ms", options->common.delay_ms, "compare's server delay")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--url", options->common.url,
                        "Send every demo's requests to this server instead");
    command->add_flag("--quick", options->quick,
                      "Each demo at its --quick sizes (about 20 s): a smoke run for tests and "
                      "slow machines");
    add_output_options(*command, invocation);
    command->callback([options, command, &invocation] {
        options->given = given_on(*command);
        run_demo(invocation, [options](const Context& c) { return run_all(*options, c); });
    });
}

}  // namespace looplab::demos
