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
// What to look at: the 50% rows (the typical batch; the summary line gives the medians with the
// fastest and slowest batch), the max row (the worst one, usually the first batch or a
// scheduling hiccup), and how the executor's column moves with the batch size: its pool starts
// a thread per request up to min(32, cores + 4), each batch, and a batch larger than that runs
// in waves (16 requests on 2 cores: 6 workers, 3 waves).
//
// The closing words are computed from this run's medians, the pool size and the core count,
// and from the seed's own table: what loopback shows (the executor near its ideal), and what
// the seed's remote HTTPS API added (a connection and a TLS handshake per batch, about 43 ms
// by the seed's numbers, which threads cannot overlap: hence its 1.13x at batch 4).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <ostream>
#include <thread>

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

// One batch size's speed-ups (sequential median / method median).
struct Summary {
    int batch;
    double executor;
    double native;
};

std::string median_text(const Describe& d) {
    return fixed(d.q50, 3) + " s (" + fixed(d.min, 3) + "-" + fixed(d.max, 3) + ")";
}

// The executor's waves at this batch size: Python's default pool has min(32, cores + 4)
// workers, and a batch larger than that queues.
std::string waves_text(int batch, std::size_t workers, std::size_t cores, double executor_s,
                       int delay_ms) {
    const std::size_t requests = static_cast<std::size_t>(batch);
    const std::size_t waves = (requests + workers - 1) / workers;
    std::string text = "The executor's pool has " + std::to_string(workers) +
                       " workers (min(32, cores + 4) on " + std::to_string(cores) + " cores)";
    if (waves == 1) return text + ": all " + std::to_string(batch) + " requests in one wave.";
    text += ", so " + std::to_string(batch) + " requests run in " + std::to_string(waves) +
            " waves (" + std::to_string(workers) + " at a time, the rest queued)";
    if (delay_ms > 0) {
        text += ": its median " + fixed(executor_s, 3) + " s is about " +
                fixed(executor_s * 1000 / delay_ms, 1) + " server delays of " +
                std::to_string(delay_ms) + " ms";
    }
    return text + ".";
}

// What loopback shows, and what the seed's remote HTTPS API added, from this run's numbers and
// the seed's (seed 001, batch 4: sequential 0.0913 s, executor 0.0808 s, 1.13x; batch 16:
// 0.2359 s and 0.1238 s).
std::vector<std::string> closing_words(const std::vector<Summary>& summaries, bool loopback,
                                       std::size_t workers, std::size_t cores) {
    std::vector<std::string> out;
    if (summaries.empty()) return out;
    const Summary& first = summaries.front();
    const std::string where = loopback ? "On loopback" : "Against that server";
    out.push_back(
        where + ", at batch " + std::to_string(first.batch) + " the executor was " +
        fixed(first.executor, 1) + "x faster than sequential and native " + fixed(first.native, 1) +
        "x" +
        (loopback ? ": each request costs little but the server's delay, so threads overlap the "
                    "delays almost perfectly (the ideal is " +
                        std::to_string(first.batch) + "x)."
                  : "."));
    // The seed's numbers: 12 extra requests (batch 16 - batch 4) took 0.1446 s sequentially,
    // 12 ms each, so 0.0913 - 4 x 0.012 = 0.043 s of each batch was not the requests: a new
    // Session per batch, that is a TCP connection and a TLS handshake to a remote host.
    out.push_back(
        "The seed saw 1.13x at batch 4 against a remote HTTPS API (sequential 0.091 s, executor "
        "0.081 s). From its own table: batch 16 took 0.145 s more than batch 4 sequentially, "
        "so a request cost about 12 ms, and 0.091 - 4 x 0.012 = about 43 ms of every batch was "
        "something else: each batch opens a new Session, so a TCP connection and a TLS "
        "handshake to a remote host, which the executor pays too (once per worker, in "
        "parallel) and cannot overlap with anything. Loopback has no TLS and no distance, so "
        "it shows the executor's best case; a remote TLS server adds a fixed cost per batch "
        "that shrinks every speed-up, most at small batches. (In the seed's Python, each "
        "thread also needs the GIL to build and parse its request; looplab has no GIL.)");
    for (const Summary& s : summaries) {
        const std::size_t requests = static_cast<std::size_t>(s.batch);
        if (requests <= workers) continue;
        out.push_back("At batch " + std::to_string(s.batch) + " the executor is capped by its " +
                      std::to_string(workers) + " workers (min(32, " + std::to_string(cores) +
                      " cores + 4)): " + std::to_string((requests + workers - 1) / workers) +
                      " waves, so it was " + fixed(s.executor, 1) +
                      "x faster than sequential "
                      "where native, with no cap, was " +
                      fixed(s.native, 1) + "x. On a machine with " + std::to_string(requests - 4) +
                      " cores or more the pool would fit the batch in one wave.");
    }
    return out;
}

}  // namespace

DemoResult run_batch_table(const BatchTableOptions& options, const Context& context) {
    const Target target(options.url, context.tls());
    const int delay_ms = target.embedded() ? options.delay_ms : -1;
    const std::string url = target.url_for_delay(options.delay_ms);
    std::ostream& out = context.out();
    std::string title = "batch-table (seed 001): batches of";
    for (std::size_t i = 0; i < options.batch_sizes.size(); ++i) {
        const bool last = i + 1 == options.batch_sizes.size();
        title += (i == 0 ? " " : last ? " and " : ", ") + std::to_string(options.batch_sizes[i]);
    }
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
    const std::size_t workers = python_default_workers();
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    std::vector<Summary> summaries;
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
        const Describe executor = describe(methods[0].times);
        const Describe sequential = describe(methods[1].times);
        const Describe native = describe(methods[2].times);
        context.say(
            "medians (50%), with the spread from the fastest batch to the slowest: "
            "sequential " +
            median_text(sequential) + ", executor " + median_text(executor) + " (" +
            fixed(sequential.q50 / executor.q50, 1) + "x faster), native " + median_text(native) +
            " (" + fixed(sequential.q50 / native.q50, 1) + "x faster).");
        const std::size_t waves = (static_cast<std::size_t>(batch) + workers - 1) / workers;
        context.say(waves_text(batch, workers, cores, executor.q50, delay_ms));
        summaries.push_back({batch, sequential.q50 / executor.q50, sequential.q50 / native.q50});
        batches.push_back({{"batch_size", batch},
                           {"times", times},
                           {"describe", described},
                           {"failed", failed},
                           {"executor_speedup", sequential.q50 / executor.q50},
                           {"native_speedup", sequential.q50 / native.q50},
                           {"workers", workers},
                           {"waves", waves}});
    }
    out << "\n";
    const std::vector<std::string> conclusions =
        closing_words(summaries, target.embedded(), workers, cores);
    for (const std::string& s : conclusions) context.bullet(s);
    result.json = {{"demo", "batch-table"},
                   {"seed", "001"},
                   {"server", target.describe()},
                   {"delay_ms", delay_ms},
                   {"iterations", options.iterations},
                   {"cores", cores},
                   {"workers", workers},
                   {"batches", batches},
                   {"conclusions", conclusions}};
    return result;
}

void make_quick(BatchTableOptions& options, const Given& given) {
    if (!given("--batch-sizes")) options.batch_sizes = {4, 16};
    if (!given("--iterations")) options.iterations = 5;
}

void add_batch_table_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<BatchTableOptions>();
    auto quick = std::make_shared<bool>(false);
    CLI::App* command = app.add_subcommand(
        "batch-table", "Seed 001: describe() of batch times: sequential, executor, native");
    command->add_option("--batch-sizes", options->batch_sizes, "Batch sizes to run")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--iterations,--repeats", options->iterations, "Batches timed per method")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--delay-ms", options->delay_ms, "How long the server waits")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--url", options->url, "Target this server instead of the embedded one");
    add_output_options(*command, invocation);
    add_quick_flag(*command, *quick);
    command->callback([options, quick, command, &invocation] {
        if (*quick) make_quick(*options, given_on(*command));
        run_demo(invocation, [options](const Context& c) { return run_batch_table(*options, c); });
    });
}

}  // namespace looplab::demos
