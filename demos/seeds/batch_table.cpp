// demos/seeds/batch_table.cpp: `looplab-demo batch-table`, seed 001.
// Lesson: docs/course.md#lesson-11-concurrency-limits-rate-limits-and-backpressure
//
// Seed 001: batches of 4 and 16 requests to a REST endpoint, each batch downloaded 50 times
// three ways (sequentially with a requests.Session, with run_in_executor around a shared
// Session, with aiohttp) and the times summarised with pandas' describe(). Batch 16 means:
// 0.236 s sequential, 0.124 s executor, 0.088 s aiohttp; the post asked why the executor
// gained so little at batch 4.
//
// Like the seed, every batch is a fresh start: a new Session (keep-alive within the batch
// only) and, for the async methods, a new loop (the seed calls asyncio.run per batch), hence a
// new default executor whose threads start again for each batch.
//
// What to look at: the mean and the 50% rows (the typical batch), the max row (the worst one,
// usually the first batch or a scheduling hiccup), and how the executor's column moves with the
// batch size: its pool starts a thread per request up to min(32, cores + 4), each batch.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>

#include "demos/seeds/demo.hpp"
#include "demos/seeds/report.hpp"
#include "demos/seeds/strategies.hpp"
#include "http/client/blocking_client.hpp"

namespace looplab::demos {

namespace {

struct Method {
    std::string column;  // the DataFrame's column name
    std::string label;
    // The batch, traced into `recorder` when it is not nullptr.
    std::function<RunResult(const std::vector<std::string>&, TraceRecorder*)> fetch_batch;
    std::vector<double> times{};
    std::size_t failed = 0;
};

}  // namespace

DemoResult run_batch_table(const BatchTableOptions& options, const Context& context) {
    const Target target(options.url, context.tls());
    const int delay_ms = target.embedded() ? options.delay_ms : -1;
    const std::string url = target.url_for_delay(options.delay_ms);
    std::ostream& out = context.out();
    std::string title = "batch-table (seed 001): batches of";
    for (int b : options.batch_sizes) title += " " + std::to_string(b);
    title += " requests, " + std::to_string(options.iterations) + " times each, three ways";
    if (target.embedded()) title += "; each request waits " + std::to_string(delay_ms) + " ms";
    context.say(title);
    context.say("server: " + target.describe());
    if (context.trace()) context.trace()->set_title(title + " (the first batch of each traced)");
    context.say(
        "Each batch is timed as a whole, as the seed's measure_it() does: sequential with one "
        "blocking Session per batch (keep-alive), run_in_executor with a Session shared by the "
        "workers, and one native ClientSession. Each async batch gets a fresh loop, as "
        "asyncio.run() did in the seed, so a fresh default executor whose threads start again.");

    DemoResult result;
    nlohmann::json batches = nlohmann::json::array();
    for (int batch : options.batch_sizes) {
        const std::vector<std::string> urls = repeat_url(url, batch);
        // In the seed's column order.
        std::vector<Method> methods;
        const auto traced = [](TraceRecorder* recorder) {
            Observer observer;
            observer.recorder = recorder;
            return observer;
        };
        methods.push_back({"executor_times", "executor",
                           [traced](const std::vector<std::string>& u, TraceRecorder* r) {
                               http::blocking::Session session;
                               return fetch_in_executor(u, ExecutorConfig{.session = &session},
                                                        traced(r));
                           }});
        methods.push_back({"seq_times", "sequential",
                           [traced](const std::vector<std::string>& u, TraceRecorder* r) {
                               http::blocking::Session session;
                               return fetch_blocking(u, &session, traced(r));
                           }});
        methods.push_back({"native_times", "native",
                           [traced](const std::vector<std::string>& u, TraceRecorder* r) {
                               return fetch_native(u, NativeConfig{}, traced(r));
                           }});

        out << "\nbatch_size=" << batch << ": ";
        fetch_blocking(urls);  // warm up ("heat caches, if any", as the seed does)
        for (Method& m : methods) {
            out << m.label << " x" << options.iterations << "... " << std::flush;
            bool printed = false;
            for (int i = 0; i < options.iterations; ++i) {
                // Traced: the first batch of each method (fifty would hide the shape).
                TraceRecorder* recorder =
                    i == 0 ? context.trace_lane(m.label + ", batch of " + std::to_string(batch))
                           : nullptr;
                RunResult run = m.fetch_batch(urls, recorder);
                m.times.push_back(run.wall);
                m.failed += run.failed();
                if (run.failed() && !printed) {
                    out << "\n";
                    context.print_failures(run);
                    printed = true;
                }
                if (context.csv()) context.csv()->add("batch-table", run, delay_ms, i);
            }
        }
        out << "done\n";

        std::vector<std::pair<std::string, std::vector<double>>> columns;
        nlohmann::json times = nlohmann::json::object();
        nlohmann::json described = nlohmann::json::object();
        nlohmann::json failed = nlohmann::json::object();
        for (const Method& m : methods) {
            columns.emplace_back(m.column, m.times);
            times[m.column] = m.times;
            described[m.column] = to_json(describe(m.times));
            failed[m.column] = m.failed;
            result.failed += m.failed;
            if (m.failed) {
                context.err() << "  FAILED: " << m.failed << " requests (" << m.label << ")\n";
            }
        }
        out << describe_table(columns);
        const double executor = describe(methods[0].times).mean;
        const double sequential = describe(methods[1].times).mean;
        const double native = describe(methods[2].times).mean;
        context.say("means: sequential " + fixed(sequential, 3) + " s, executor " +
                    fixed(executor, 3) + " s (" + fixed(sequential / executor, 1) +
                    "x faster), native " + fixed(native, 3) + " s (" +
                    fixed(sequential / native, 1) + "x faster).");
        batches.push_back(
            {{"batch_size", batch}, {"times", times}, {"describe", described}, {"failed", failed}});
    }
    out << "\n";
    context.say(
        "Why the executor gains less on small batches (the seed's question): it pays for its "
        "threads in every batch (a fresh pool starts one per request, up to " +
        std::to_string(python_default_workers()) +
        " here) and every result crosses back to the loop through call_soon_threadsafe; the "
        "native client pays for neither. In Python the GIL adds to this; looplab has no GIL, "
        "so what remains is the cost of threads themselves.");
    result.json = {{"demo", "batch-table"},
                   {"seed", "001"},
                   {"server", target.describe()},
                   {"delay_ms", delay_ms},
                   {"iterations", options.iterations},
                   {"batches", batches}};
    return result;
}

void add_batch_table_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<BatchTableOptions>();
    CLI::App* command = app.add_subcommand(
        "batch-table", "Seed 001: describe() of batch times: sequential, executor, native");
    command->add_option("--batch-sizes", options->batch_sizes, "Batch sizes to run")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--iterations", options->iterations, "Batches timed per method")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--delay-ms", options->delay_ms, "How long the server waits")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--url", options->url, "Target this server instead of the embedded one");
    add_output_options(*command, invocation);
    command->callback([options, &invocation] {
        run_demo(invocation, [options](const Context& c) { return run_batch_table(*options, c); });
    });
}

}  // namespace looplab::demos
