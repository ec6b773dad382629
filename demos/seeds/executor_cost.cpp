// demos/seeds/executor_cost.cpp: `looplab-demo executor-cost`, the answer in seed 000.
// Lesson: docs/course.md#lesson-8-the-executor-and-why-threads-cost
//
// Seed 000's answer: "Running code in executor means to run it in OS threads ... once you
// have much work you can notice that OS threads perform relatively worse due to expensive
// context switching. For example, [with a 1 ms server] and range(100): executor 0.21 s,
// aiohttp 0.12 s. And this difference will only increase according to number of requests."
// This demo measures that claim: N in {10, 100, 1000} (and 10000 with --max-n 10000) requests
// to a server that waits 1 ms, then 100 ms, each done three ways:
//   exec W     run_in_executor on the default pool, W = min(32, cores + 4) threads
//   exec N     run_in_executor on a pool as large as N (capped by --max-threads, 1000)
//   native     one ClientSession with limit N: N connections, one thread
// Both executors share one keep-alive blocking Session, so that the difference measured is
// threads against coroutines, not connection reuse.
//
// How it measures (child_process.hpp). Each configuration runs in a fresh child process
// (fork), and the parent reads the child's resource usage with wait4(): peak RSS, voluntary
// context switches (a thread blocked: in recv, on a mutex), involuntary ones (preempted: more
// runnable threads than cores), user + system CPU time. A fresh process per configuration is
// the only honest way to get a peak RSS (it never goes down within a process) and keeps one
// configuration's threads and memory out of the next one's numbers. The server runs in a
// process of its own too, so its work is not counted. A baseline child that does nothing shows
// what every child starts with. 10000 concurrent native connections need 10000 descriptors:
// main() raises the soft RLIMIT_NOFILE to the hard limit, and the children inherit it.
//
// Sizes: N = 10000 with the default pool of 6 takes about 170 s at 100 ms (10000 / 6 waves of
// 100 ms), so sizes above --max-n (default 1000) are skipped; `--max-n 10000` runs them.
//
// What to look at: where the native row pulls ahead on wall time (the default pool: as soon as
// N exceeds its workers at 100 ms; both pools: at 1 ms once N is large), and what a pool as
// large as N costs even when it keeps up: context switches and CPU time. (Peak RSS grows less
// than one might expect: a thread's stack is reserved address space, barely touched.)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <ostream>
#include <thread>

#include "demos/seeds/child_process.hpp"
#include "demos/seeds/demo.hpp"
#include "demos/seeds/report.hpp"
#include "demos/seeds/strategies.hpp"
#include "http/client/blocking_client.hpp"

namespace looplab::demos {

namespace {

enum class How { baseline, default_pool, big_pool, native };

struct Config {
    How how;
    int n = 0;
    int delay_ms = 0;
    std::size_t workers = 0;  // executor configurations
};

// One configuration's numbers: the child's report plus its rusage.
struct Measured {
    Config config;
    std::string label;
    double wall = 0;
    std::size_t threads_started = 0;
    std::size_t failed = 0;
    std::string first_error;
    double peak_rss_mib = 0;
    long voluntary = 0;
    long involuntary = 0;
    double cpu_s = 0;
    RunResult run;  // the records, when --csv wants them
};

std::string label_of(const Config& c) {
    switch (c.how) {
        case How::baseline:
            return "baseline";
        case How::default_pool:
        case How::big_pool:
            return "exec " + std::to_string(c.workers);
        case How::native:
            return "native";
    }
    return "";
}

// In the child: run one configuration (traced into `recorder` unless it is nullptr).
RunResult run_config(const Config& c, const std::string& url, TraceRecorder* recorder = nullptr) {
    const std::vector<std::string> urls = repeat_url(url, c.n);
    Observer observer;
    observer.recorder = recorder;
    switch (c.how) {
        case How::baseline:
            return RunResult{};
        case How::default_pool: {
            http::blocking::Session session({}, c.workers);
            return fetch_in_executor(urls, ExecutorConfig{.session = &session}, observer);
        }
        case How::big_pool: {
            ThreadPoolExecutor pool(c.workers, "pool");
            http::blocking::Session session({}, c.workers);
            return fetch_in_executor(urls, ExecutorConfig{.pool = &pool, .session = &session},
                                     observer);
        }
        case How::native:
            return fetch_native(urls, NativeConfig{.limit = std::size_t(c.n)}, observer);
    }
    return RunResult{};
}

RequestRecord record_from_json(const nlohmann::json& j) {
    RequestRecord r;
    r.index = j.value("index", std::size_t{0});
    r.url = j.value("url", std::string());
    r.start = j.value("start", 0.0);
    r.began = j.value("began", 0.0);
    r.done = j.value("done", 0.0);
    r.end = j.value("end", 0.0);
    r.ok = j.value("ok", false);
    r.status = j.value("status", 0);
    r.bytes = j.value("bytes", std::size_t{0});
    r.error = j.value("error", std::string());
    r.thread = j.value("thread", std::string());
    return r;
}

// Runs configuration `c` in a fresh child process; the child reports back as JSON, the
// parent adds what wait4() counted.
Measured measure(const Config& c, const std::string& url, bool want_records, int close_fd) {
    Measured m;
    m.config = c;
    m.label = label_of(c);
    const ChildResult child = run_in_child(
        [&] {
            nlohmann::json report;
            try {
                report = to_json(run_config(c, url), want_records);
            } catch (const std::exception& e) {
                report = {{"error", e.what()}};
            }
            return report.dump();
        },
        close_fd);
    m.peak_rss_mib = child.peak_rss_mib;
    m.voluntary = child.voluntary_switches;
    m.involuntary = child.involuntary_switches;
    m.cpu_s = child.cpu_s;

    const nlohmann::json report =
        nlohmann::json::parse(child.output, nullptr, /*allow_exceptions=*/false);
    if (!child.completed || report.is_discarded() || report.contains("error")) {
        m.failed = static_cast<std::size_t>(c.n);
        m.first_error = report.is_object() && report.contains("error")
                            ? report["error"].get<std::string>()
                            : "the child process failed: " + child.failure;
        return m;
    }
    m.wall = report.value("wall_s", 0.0);
    m.failed = report.value("failed", std::size_t{0});
    if (report.contains("executor")) {
        m.threads_started = report["executor"].value("threads_started", std::size_t{0});
    }
    if (!report["failures"].empty()) {
        m.first_error = report["failures"][0].value("error", std::string());
    }
    m.run.strategy = c.how == How::native         ? "native"
                     : c.how == How::default_pool ? "executor default pool"
                                                  : "executor pool of N";
    m.run.wall = m.wall;
    if (report.contains("records")) {
        for (const auto& r : report["records"]) m.run.records.push_back(record_from_json(r));
    }
    return m;
}

std::string row_text(const Measured& m) {
    char line[160];
    std::snprintf(line, sizeof line, "  %6d %-10s %7.3f %7zu %7.1f %7ld %8ld %6.2f %6zu",
                  m.config.n, m.label.c_str(), m.wall, m.threads_started, m.peak_rss_mib,
                  m.voluntary, m.involuntary, m.cpu_s, m.failed);
    return line;
}

const char* const kHeader =
    "       N how         wall s threads RSS MiB  vol cs invol cs  cpu s failed\n"
    "  ------ ---------- ------- ------- ------- ------- -------- ------ ------\n";

nlohmann::json measured_json(const Measured& m) {
    nlohmann::json j = {{"n", m.config.n},
                        {"delay_ms", m.config.delay_ms},
                        {"how", m.label},
                        {"workers", m.config.workers},
                        {"wall_s", m.wall},
                        {"threads_started", m.threads_started},
                        {"peak_rss_mib", m.peak_rss_mib},
                        {"voluntary_context_switches", m.voluntary},
                        {"involuntary_context_switches", m.involuntary},
                        {"cpu_s", m.cpu_s},
                        {"failed", m.failed}};
    if (!m.first_error.empty()) j["first_error"] = m.first_error;
    switch (m.config.how) {
        case How::baseline:
            j["strategy"] = "baseline";
            break;
        case How::default_pool:
            j["strategy"] = "executor default pool";
            break;
        case How::big_pool:
            j["strategy"] = "executor pool of N";
            break;
        case How::native:
            j["strategy"] = "native";
            break;
    }
    return j;
}

// What the rows of one delay say: where threads lose, on time and on cost.
std::vector<std::string> conclude(int delay_ms, const std::vector<Measured>& rows,
                                  std::size_t default_workers) {
    std::vector<std::string> out;
    auto find = [&](int n, How how) -> const Measured* {
        for (const Measured& m : rows) {
            if (m.config.n == n && m.config.how == how && m.config.delay_ms == delay_ms) return &m;
        }
        return nullptr;
    };
    std::vector<int> sizes;
    for (const Measured& m : rows) {
        if (m.config.delay_ms == delay_ms && m.config.how == How::native)
            sizes.push_back(m.config.n);
    }
    if (sizes.empty()) return out;
    const std::string server = "With a " + std::to_string(delay_ms) + " ms server";

    // "Clearly faster": by 20% and by 5 ms at least, so that millisecond noise at small N is
    // not taken for a lesson.
    auto clearly_faster = [](const Measured& fast, const Measured& slow) {
        return !fast.failed && fast.wall * 1.2 < slow.wall && slow.wall - fast.wall >= 0.005;
    };

    // On time: the first N where native is clearly faster than both executors.
    std::string time_text;
    for (int n : sizes) {
        const Measured* d = find(n, How::default_pool);
        const Measured* b = find(n, How::big_pool);
        const Measured* nat = find(n, How::native);
        if (!d || !b || !nat || !clearly_faster(*nat, *d) || !clearly_faster(*nat, *b)) continue;
        const double best = std::min(d->wall, b->wall);
        time_text = server + ", threads lose on time from N=" + std::to_string(n) +
                    ": native took " + fixed(nat->wall, 3) + " s, the better executor " +
                    fixed(best, 3) + " s (" + fixed(best / nat->wall, 1) + "x).";
        break;
    }
    if (time_text.empty()) {
        time_text = server + ", a pool as large as N kept up with native on time up to N=" +
                    std::to_string(sizes.back()) + ".";
    }
    // The default pool alone: it queues once N exceeds its workers.
    for (int n : sizes) {
        const Measured* d = find(n, How::default_pool);
        const Measured* nat = find(n, How::native);
        if (!d || !nat || !clearly_faster(*nat, *d)) continue;
        time_text += " The default pool (" + std::to_string(default_workers) +
                     " threads) falls behind from N=" + std::to_string(n) + " (" +
                     fixed(d->wall / nat->wall, 1) + "x native's time)";
        if (static_cast<std::size_t>(n) > default_workers && delay_ms >= 10) {
            time_text += ": " + std::to_string(n) + " requests in " +
                         std::to_string((n + default_workers - 1) / default_workers) +
                         " waves of " + std::to_string(default_workers);
        }
        time_text += ".";
        break;
    }
    out.push_back(time_text);

    // On cost: the largest N, the pool as large as N against native.
    const int n = sizes.back();
    const Measured* b = find(n, How::big_pool);
    const Measured* nat = find(n, How::native);
    if (b && nat) {
        const long b_switches = b->voluntary + b->involuntary;
        const long nat_switches = nat->voluntary + nat->involuntary;
        std::string text = "At N=" + std::to_string(n) + ", a pool of " +
                           std::to_string(b->config.workers) + " (" +
                           std::to_string(b->threads_started) + " threads started) took " +
                           fixed(b->wall, 3) + " s against native's " + fixed(nat->wall, 3) +
                           " s, with " + std::to_string(b_switches) + " context switches against " +
                           std::to_string(nat_switches);
        if (nat->cpu_s > 0) text += " and " + fixed(b->cpu_s / nat->cpu_s, 1) + "x the CPU time";
        text += "; peak RSS " + fixed(b->peak_rss_mib, 1) + " MiB against " +
                fixed(nat->peak_rss_mib, 1) + " MiB";
        if (b->peak_rss_mib < nat->peak_rss_mib) {
            text +=
                " (a thread's stack is mostly reserved, not touched; the native client's "
                "per-connection buffers are real memory)";
        }
        out.push_back(text + ".");
    }

    // The seed's own data point: 100 requests to a 1 ms server.
    const Measured* d100 = find(100, How::default_pool);
    const Measured* n100 = find(100, How::native);
    if (delay_ms == 1 && d100 && n100) {
        out.push_back(
            "Seed 000's answer measured 0.21 s (executor) against 0.12 s (aiohttp) "
            "for 100 requests to a 1 ms server; here the default pool took " +
            fixed(d100->wall, 3) + " s and native " + fixed(n100->wall, 3) + " s.");
    }
    return out;
}

// --trace / --timeline / --svg: a child cannot hand its trace back, so the smallest size runs
// once more, traced, in this process. Not measured: tracing costs time, and the numbers above
// come from untraced children.
void trace_smallest(const std::vector<int>& sizes, int delay, std::size_t max_threads,
                    const std::function<std::string(int)>& url_for, const Context& context) {
    const int n = *std::min_element(sizes.begin(), sizes.end());
    const std::size_t workers = python_default_workers();
    context.out() << "\n";
    context.say("Tracing N = " + std::to_string(n) +
                " once more, in this process (not measured): the default pool, a pool of N, "
                "native.");
    const std::vector<Config> configs = {
        {How::default_pool, n, delay, workers},
        {How::big_pool, n, delay, std::min(static_cast<std::size_t>(n), max_threads)},
        {How::native, n, delay, 0}};
    if (context.trace()) {
        context.trace()->set_title("executor-cost: N = " + std::to_string(n) +
                                   " requests, default pool vs pool of N vs native");
    }
    for (const Config& c : configs) {
        const RunResult run = run_config(
            c, url_for(delay), context.trace_lane(label_of(c) + ", N=" + std::to_string(n)));
        context.print_failures(run);
    }
}

}  // namespace

DemoResult run_executor_cost(const ExecutorCostOptions& options, const Context& context) {
    std::ostream& out = context.out();
    std::vector<int> sizes;
    std::vector<int> skipped;
    for (int n : options.sizes) (n <= options.max_n ? sizes : skipped).push_back(n);
    const std::size_t default_workers = python_default_workers();
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());

    std::unique_ptr<ServerProcess> server;
    if (options.url.empty()) server = std::make_unique<ServerProcess>();
    auto url_for = [&](int delay_ms) {
        return server ? server->url("/delay/" + std::to_string(delay_ms)) : options.url;
    };
    const std::string server_text =
        server ? server->url("") + ", looplab's server in a process of its own (pid " +
                     std::to_string(server->pid()) + ")"
               : options.url;
    const int lifeline_fd = server ? server->lifeline_fd() : -1;
    const std::vector<int> delays = server ? options.delays_ms : std::vector<int>{-1};

    context.say("executor-cost (seed 000's answer): executor threads against native coroutines");
    context.say("server: " + server_text);
    context.say("exec " + std::to_string(default_workers) + ": the default pool, min(32, " +
                std::to_string(cores) +
                " cores + 4) threads. exec N: a pool of N threads (at most " +
                std::to_string(options.max_threads) +
                "). native: one ClientSession, limit N, one thread. threads: worker threads "
                "started. Each row is a fresh child process; its peak RSS, context switches and "
                "CPU time come from wait4().");
    if (!skipped.empty()) {
        std::string text = "Skipped N =";
        for (int n : skipped) text += " " + std::to_string(n);
        text += " (above --max-n " + std::to_string(options.max_n) +
                "; with the default pool, 10000 requests at 100 ms take about 170 s).";
        context.say(text);
    }

    const bool want_records = context.csv() != nullptr;
    std::vector<Measured> rows;
    const Measured baseline = measure(Config{How::baseline}, "", false, lifeline_fd);
    out << "\n";
    context.say("baseline: a child that does nothing peaks at " + fixed(baseline.peak_rss_mib, 1) +
                " MiB RSS, with " + std::to_string(baseline.voluntary) + " voluntary and " +
                std::to_string(baseline.involuntary) + " involuntary context switches.");

    DemoResult result;
    for (int delay : delays) {
        out << "\n";
        if (delay >= 0) {
            out << "server waits " << delay << " ms\n";
        } else {
            out << "server: " << options.url << "\n";
        }
        out << kHeader << std::flush;
        for (int n : sizes) {
            const std::vector<Config> configs = {
                {How::default_pool, n, delay, default_workers},
                {How::big_pool, n, delay,
                 std::min<std::size_t>(static_cast<std::size_t>(n), options.max_threads)},
                {How::native, n, delay, 0}};
            for (const Config& c : configs) {
                Measured m = measure(c, url_for(delay), want_records, lifeline_fd);
                out << row_text(m) << std::endl;
                if (m.failed) {
                    context.err() << "    FAILED: " << m.failed << " of " << n << " requests ("
                                  << m.label << "): " << m.first_error << std::endl;
                }
                if (context.csv()) context.csv()->add("executor-cost", m.run, delay, 0);
                result.failed += m.failed;
                rows.push_back(std::move(m));
            }
        }
    }

    if (context.trace() && !sizes.empty()) {
        trace_smallest(sizes, delays.front(), options.max_threads, url_for, context);
    }

    std::vector<std::string> conclusions;
    for (int delay : delays) {
        for (std::string& s : conclude(delay, rows, default_workers)) {
            conclusions.push_back(std::move(s));
        }
    }
    out << "\nWhere threads start to lose:\n";
    for (const std::string& s : conclusions) context.bullet(s);
    context.say(
        "Threads are fine while the work fits the pool. Past that, a fixed pool queues (waves "
        "of W requests), and a pool that grows with N pays per thread: a stack, a kernel task "
        "and a context switch for every wake-up. The native client waits for all N sockets in "
        "one epoll_wait on one thread.");

    nlohmann::json configurations = nlohmann::json::array();
    for (const Measured& m : rows) configurations.push_back(measured_json(m));
    result.json = {{"demo", "executor-cost"},
                   {"seed", "000"},
                   {"server", server_text},
                   {"cores", cores},
                   {"default_workers", default_workers},
                   {"max_threads", options.max_threads},
                   {"sizes", sizes},
                   {"skipped_sizes", skipped},
                   {"delays_ms", delays},
                   {"baseline", measured_json(baseline)},
                   {"configurations", configurations},
                   {"conclusions", conclusions}};
    return result;
}

void add_executor_cost_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<ExecutorCostOptions>();
    CLI::App* command = app.add_subcommand(
        "executor-cost",
        "Seed 000's answer: executor threads vs native coroutines as N grows (fork per run)");
    command->add_option("--sizes", options->sizes, "Numbers of requests (N) to try")
        ->delimiter(',')
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--max-n", options->max_n, "Skip sizes above this (10000 takes minutes)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--delays-ms", options->delays_ms, "Server delays to try")
        ->delimiter(',')
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--max-threads", options->max_threads, "Cap on the pool that grows with N")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--url", options->url, "Target this server instead of the embedded one");
    add_output_options(*command, invocation);
    command->callback([options, &invocation] {
        run_demo(invocation,
                 [options](const Context& c) { return run_executor_cost(*options, c); });
    });
}

}  // namespace looplab::demos
