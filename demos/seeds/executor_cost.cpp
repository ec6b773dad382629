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
// Repeats. Each configuration runs --repeats times (3), each time in a fresh child, the three
// configurations of one N interleaved so that a slow moment of the machine falls on all of
// them; a row is the median of its runs, and "spread" is the slowest run minus the fastest.
//
// The headline is computed from the rows, never written in advance: for each pool, the
// crossover is the smallest N from which threads are slower than native at that N and every
// larger one (slower: a median more than 1.2x native's, by more than 5 ms and more than either
// spread). A pool slower at N=100 but not at N=1000 has no crossover, and the headline says
// that threads still win at the largest size. The waves are worked out from the pool's size
// and the core count (min(32, cores + 4)). At --quick sizes (4, 16 and 64 requests to a 20 ms
// server) the default pool's waves show from N=16 on any machine of up to 11 cores, and the
// pool as large as N shows what keeping up costs.
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
    double wall_spread = 0;     // over the repeats: slowest wall time minus fastest
    std::vector<double> walls;  // each repeat's wall time
    RunResult run;              // the records, when --csv wants them
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

// The median of `values` (the mean of the two middle ones for an even count); 0 if none.
double median(std::vector<double> values) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const std::size_t mid = values.size() / 2;
    return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

// One configuration over its repeats: each number is the median of the runs; the wall time's
// spread is the slowest run minus the fastest. Failures add up (every failed request counts).
Measured summarise(const std::vector<Measured>& runs) {
    Measured m = runs.front();
    auto med = [&](auto field) {
        std::vector<double> v;
        for (const Measured& r : runs) v.push_back(static_cast<double>(field(r)));
        return median(std::move(v));
    };
    m.wall = med([](const Measured& r) { return r.wall; });
    m.threads_started = static_cast<std::size_t>(
        std::lround(med([](const Measured& r) { return r.threads_started; })));
    m.peak_rss_mib = med([](const Measured& r) { return r.peak_rss_mib; });
    m.voluntary = std::lround(med([](const Measured& r) { return r.voluntary; }));
    m.involuntary = std::lround(med([](const Measured& r) { return r.involuntary; }));
    m.cpu_s = med([](const Measured& r) { return r.cpu_s; });
    m.failed = 0;
    double fastest = runs.front().wall;
    double slowest = runs.front().wall;
    for (const Measured& r : runs) {
        m.failed += r.failed;
        if (m.first_error.empty()) m.first_error = r.first_error;
        fastest = std::min(fastest, r.wall);
        slowest = std::max(slowest, r.wall);
        m.walls.push_back(r.wall);
    }
    m.wall_spread = slowest - fastest;
    return m;
}

std::string row_text(const Measured& m) {
    char line[160];
    std::snprintf(line, sizeof line, "  %6d %-9s %7.3f %6.3f %7zu %7.1f %7ld %7ld %6.2f %4zu",
                  m.config.n, m.label.c_str(), m.wall, m.wall_spread, m.threads_started,
                  m.peak_rss_mib, m.voluntary, m.involuntary, m.cpu_s, m.failed);
    return line;
}

const char* const kHeader =
    "       N how        wall s spread threads RSS MiB  vol cs  inv cs  cpu s fail\n"
    "  ------ --------- ------- ------ ------- ------- ------- ------- ------ ----\n";

nlohmann::json measured_json(const Measured& m) {
    nlohmann::json j = {{"n", m.config.n},
                        {"delay_ms", m.config.delay_ms},
                        {"how", m.label},
                        {"workers", m.config.workers},
                        {"wall_s", m.wall},
                        {"wall_spread_s", m.wall_spread},
                        {"wall_s_runs", m.walls},
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

// The rule the headline uses, and the tests check it with: threads are slower than native at
// a size when their median wall time is more than 1.2 times native's, and the gap is larger
// than 5 ms and than either row's spread (so that noise between runs is never a lesson).
bool threads_slower(double threads_wall, double threads_spread, double native_wall,
                    double native_spread) {
    const double gap = threads_wall - native_wall;
    return threads_wall > 1.2 * native_wall && gap > 0.005 && gap > threads_spread &&
           gap > native_spread;
}

// The crossover: the smallest N from which threads are slower at that size and every larger
// one measured. nullopt if they are not slower at the largest size (threads still win or tie
// there, whatever a smaller size showed).
std::optional<int> crossover_of(const std::vector<std::pair<int, bool>>& slower_by_n) {
    std::optional<int> from;
    for (auto it = slower_by_n.rbegin(); it != slower_by_n.rend() && it->second; ++it) {
        from = it->first;
    }
    return from;
}

// What one delay's rows say, and the crossovers they show (for the JSON).
struct Conclusion {
    int delay_ms = 0;
    std::optional<int> default_pool_from;  // crossover of the default pool
    std::optional<int> big_pool_from;      // crossover of the pool as large as N
    std::vector<std::string> sentences;
};

std::string waves_text(int n, std::size_t workers) {
    const std::size_t waves = (static_cast<std::size_t>(n) + workers - 1) / workers;
    return std::to_string(waves) + (waves == 1 ? " wave" : " waves");
}

Conclusion conclude(int delay_ms, const std::vector<Measured>& rows, std::size_t default_workers,
                    std::size_t cores) {
    Conclusion c;
    c.delay_ms = delay_ms;
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
    if (sizes.empty()) return c;
    const std::string server =
        delay_ms >= 0 ? "With a " + std::to_string(delay_ms) + " ms server" : "With that server";
    const std::string pool = "the default pool (" + std::to_string(default_workers) +
                             " threads: min(32, " + std::to_string(cores) + " cores + 4))";

    std::vector<std::pair<int, bool>> default_slower;
    std::vector<std::pair<int, bool>> big_slower;
    for (int n : sizes) {
        const Measured* d = find(n, How::default_pool);
        const Measured* b = find(n, How::big_pool);
        const Measured* nat = find(n, How::native);
        if (!d || !b || !nat) continue;
        default_slower.emplace_back(
            n, threads_slower(d->wall, d->wall_spread, nat->wall, nat->wall_spread));
        big_slower.emplace_back(
            n, threads_slower(b->wall, b->wall_spread, nat->wall, nat->wall_spread));
    }
    c.default_pool_from = crossover_of(default_slower);
    c.big_pool_from = crossover_of(big_slower);
    const int largest = sizes.back();

    // The default pool: waves once N outgrows it.
    if (c.default_pool_from) {
        const int n = *c.default_pool_from;
        const Measured* d = find(n, How::default_pool);
        const Measured* nat = find(n, How::native);
        c.sentences.push_back(
            server + ", " + pool + " is slower than native from N=" + std::to_string(n) +
            " on: it runs N requests in waves of " + std::to_string(default_workers) +
            " (N=" + std::to_string(n) + ": " + waves_text(n, default_workers) + ", " +
            fixed(d->wall, 3) + " s against native's " + fixed(nat->wall, 3) + " s).");
    } else {
        c.sentences.push_back(
            server + ", threads still win or tie at every size measured here: " + pool +
            " kept up with native up to N=" + std::to_string(largest) + ". It runs N requests in " +
            "waves of " + std::to_string(default_workers) +
            ", so from N=" + std::to_string(default_workers + 1) +
            " it needs two; it falls behind once a wave (one server delay) is long enough to "
            "show: try --delays-ms 100.");
    }

    // The pool as large as N: on time, then on cost.
    const Measured* b = find(largest, How::big_pool);
    const Measured* nat = find(largest, How::native);
    if (b && nat) {
        const long b_switches = b->voluntary + b->involuntary;
        const long nat_switches = nat->voluntary + nat->involuntary;
        std::string cost = std::to_string(b_switches) + " context switches against native's " +
                           std::to_string(nat_switches);
        // CPU times under 50 ms are a few clock ticks: too coarse for a ratio.
        if (nat->cpu_s >= 0.05) {
            cost += " and " + fixed(b->cpu_s / nat->cpu_s, 1) + "x the CPU time";
        }
        cost += " (peak RSS " + fixed(b->peak_rss_mib, 1) + " MiB against " +
                fixed(nat->peak_rss_mib, 1) + " MiB)";
        if (c.big_pool_from) {
            c.sentences.push_back("A pool as large as N is slower than native from N=" +
                                  std::to_string(*c.big_pool_from) + " on: at N=" +
                                  std::to_string(largest) + " it took " + fixed(b->wall, 3) +
                                  " s against " + fixed(nat->wall, 3) + " s, with " + cost + ".");
        } else {
            c.sentences.push_back(
                "A pool as large as N kept up with native on time at every size "
                "here (N=" +
                std::to_string(largest) + ": " + fixed(b->wall, 3) + " s against " +
                fixed(nat->wall, 3) + " s), but paid for it: " + cost +
                ". Threads lose on cost before they lose on time.");
        }
    }

    // The seed's own data point: 100 requests to a 1 ms server.
    const Measured* d100 = find(100, How::default_pool);
    const Measured* n100 = find(100, How::native);
    if (delay_ms == 1 && d100 && n100) {
        c.sentences.push_back(
            "Seed 000's answer measured 0.21 s (executor) against 0.12 s (aiohttp) "
            "for 100 requests to a 1 ms server; here the default pool took " +
            fixed(d100->wall, 3) + " s and native " + fixed(n100->wall, 3) + " s.");
    }
    return c;
}

nlohmann::json conclusion_json(const Conclusion& c) {
    auto or_null = [](std::optional<int> n) { return n ? nlohmann::json(*n) : nlohmann::json(); };
    return {{"delay_ms", c.delay_ms},
            {"default_pool_slower_from", or_null(c.default_pool_from)},
            {"pool_of_n_slower_from", or_null(c.big_pool_from)},
            {"sentences", c.sentences}};
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
                "). native: one ClientSession, limit N, one thread. Each configuration runs " +
                std::to_string(options.repeats) + (options.repeats == 1 ? " time" : " times") +
                ", each time in a fresh child process (peak RSS, context switches and CPU time "
                "come from wait4()); a row shows the median of the runs, and spread is the "
                "slowest run's wall time minus the fastest's. threads: worker threads started.");
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
            // Repeats interleave the configurations, so that a slow moment of the machine
            // falls on all three rather than on one.
            std::vector<std::vector<Measured>> runs(configs.size());
            for (int r = 0; r < options.repeats; ++r) {
                for (std::size_t k = 0; k < configs.size(); ++k) {
                    Measured m = measure(configs[k], url_for(delay), want_records, lifeline_fd);
                    if (m.failed) {
                        context.err() << "    FAILED: " << m.failed << " of " << n << " requests ("
                                      << m.label << "): " << m.first_error << std::endl;
                    }
                    if (context.csv()) context.csv()->add("executor-cost", m.run, delay, r);
                    runs[k].push_back(std::move(m));
                }
            }
            for (const std::vector<Measured>& config_runs : runs) {
                Measured m = summarise(config_runs);
                out << row_text(m) << std::endl;
                result.failed += m.failed;
                rows.push_back(std::move(m));
            }
        }
    }

    if (context.trace() && !sizes.empty()) {
        trace_smallest(sizes, delays.front(), options.max_threads, url_for, context);
    }

    std::vector<std::string> conclusions;
    nlohmann::json crossovers = nlohmann::json::array();
    for (int delay : delays) {
        Conclusion c = conclude(delay, rows, default_workers, cores);
        crossovers.push_back(conclusion_json(c));
        for (std::string& s : c.sentences) conclusions.push_back(std::move(s));
    }
    out << "\nWhere threads start to lose (computed from the rows above):\n";
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
                   {"repeats", options.repeats},
                   {"sizes", sizes},
                   {"skipped_sizes", skipped},
                   {"delays_ms", delays},
                   {"baseline", measured_json(baseline)},
                   {"configurations", configurations},
                   {"conclusions", conclusions},
                   {"crossovers", crossovers}};
    return result;
}

// Sizes that still show the answer: with a 20 ms server, 16 and 64 requests outgrow a default
// pool of up to 15 threads (cores + 4: machines of up to 11 cores), so its waves show; the
// pool as large as N keeps up on time and shows what that costs.
void make_quick(ExecutorCostOptions& options, const Given& given) {
    if (!given("--sizes")) options.sizes = {4, 16, 64};
    if (!given("--delays-ms")) options.delays_ms = {20};
}

void add_executor_cost_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<ExecutorCostOptions>();
    auto quick = std::make_shared<bool>(false);
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
    command
        ->add_option("--repeats", options->repeats,
                     "Runs of each configuration (the table shows medians and spreads)")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command->add_option("--url", options->url, "Target this server instead of the embedded one");
    add_output_options(*command, invocation);
    add_quick_flag(*command, *quick);
    command->callback([options, quick, command, &invocation] {
        if (*quick) make_quick(*options, given_on(*command));
        run_demo(invocation,
                 [options](const Context& c) { return run_executor_cost(*options, c); });
    });
}

}  // namespace looplab::demos
