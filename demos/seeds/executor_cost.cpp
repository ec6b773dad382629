// demos/seeds/executor_cost.cpp: `looplab-demo executor-cost`, the answer in seed 000.
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
// How it measures. Each configuration runs in a fresh child process (fork), and the parent
// reads the child's resource usage with wait4(): peak RSS, voluntary context switches (a
// thread blocked: in recv, on a mutex), involuntary ones (preempted: more runnable threads than
// cores), user + system CPU time. A fresh process per configuration is the only honest way to
// get a peak RSS (it never goes down within a process) and keeps one configuration's threads
// and memory out of the next one's numbers. The server runs in a process of its own too, so
// its work is not counted, and both were forked before any thread existed (forking a process
// with threads copies only the forking thread, a trap this avoids). A baseline child that does
// nothing shows what every child starts with.
//
// Sizes: N = 10000 with the default pool of 6 takes about 170 s at 100 ms (10000 / 6 waves of
// 100 ms), so sizes above --max-n (default 1000) are skipped; `--max-n 10000` runs them.
//
// What to look at: where the native row pulls ahead on wall time (the default pool: as soon as
// N exceeds its workers at 100 ms; both pools: at 1 ms once N is large), and what a pool as
// large as N costs even when it keeps up: RSS, context switches, CPU.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <ostream>
#include <stdexcept>
#include <thread>

#include "demos/seeds/demo.hpp"
#include "demos/seeds/report.hpp"
#include "demos/seeds/strategies.hpp"
#include "http/blocking_client.hpp"
#include "http/server_thread.hpp"

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

double mib(long kib) {
    return static_cast<double>(kib) / 1024.0;
}

double seconds(const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
}

void write_all(int fd, const std::string& text) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        done += static_cast<std::size_t>(n);
    }
}

std::string read_all(int fd) {
    std::string text;
    char buffer[65536];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return text;
        text.append(buffer, static_cast<std::size_t>(n));
    }
}

// The embedded server in a process of its own. It lives until the parent closes `keep_`
// (or dies: the pipe closes with it), so it can never outlive the demo.
class ServerProcess {
public:
    ServerProcess() {
        int to_server[2];
        int from_server[2];
        if (::pipe(to_server) != 0 || ::pipe(from_server) != 0) {
            throw std::runtime_error("executor-cost: pipe() failed");
        }
        std::cout.flush();
        pid_ = ::fork();
        if (pid_ < 0) throw std::runtime_error("executor-cost: fork() failed");
        if (pid_ == 0) {
            ::close(to_server[1]);
            ::close(from_server[0]);
            int status = 0;
            try {
                http::ServerThread server;
                const std::uint16_t port = server.port();
                write_all(from_server[1],
                          std::string(reinterpret_cast<const char*>(&port), sizeof port));
                ::close(from_server[1]);
                read_all(to_server[0]);  // returns at EOF: the parent is done (or gone)
                server.stop();
            } catch (...) {
                status = 1;
            }
            ::_exit(status);
        }
        ::close(to_server[0]);
        ::close(from_server[1]);
        keep_ = to_server[1];
        const std::string port = read_all(from_server[0]);
        ::close(from_server[0]);
        if (port.size() != sizeof port_) {
            stop();
            throw std::runtime_error("executor-cost: the server process did not start");
        }
        std::copy(port.begin(), port.end(), reinterpret_cast<char*>(&port_));
    }
    ~ServerProcess() { stop(); }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    pid_t pid() const { return pid_; }
    int keep_fd() const { return keep_; }

private:
    void stop() {
        if (keep_ >= 0) ::close(keep_);
        keep_ = -1;
        if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
        pid_ = -1;
    }

    pid_t pid_ = -1;
    int keep_ = -1;
    std::uint16_t port_ = 0;
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

// In the child: run one configuration.
RunResult run_config(const Config& c, const std::string& url) {
    const std::vector<std::string> urls = repeat_url(url, c.n);
    switch (c.how) {
        case How::baseline:
            return RunResult{};
        case How::default_pool: {
            http::blocking::Session session({}, c.workers);
            return fetch_in_executor(urls, ExecutorConfig{.session = &session});
        }
        case How::big_pool: {
            ThreadPoolExecutor pool(c.workers, "pool");
            http::blocking::Session session({}, c.workers);
            return fetch_in_executor(urls, ExecutorConfig{.pool = &pool, .session = &session});
        }
        case How::native:
            return fetch_native(urls, NativeConfig{.limit = std::size_t(c.n)});
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

// Forks a child that runs `c` and reports back through a pipe; the parent adds the child's
// rusage from wait4().
Measured measure(const Config& c, const std::string& url, bool want_records, int close_in_child) {
    Measured m;
    m.config = c;
    m.label = label_of(c);
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("executor-cost: pipe() failed");
    std::cout.flush();
    std::cerr.flush();
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("executor-cost: fork() failed");
    if (pid == 0) {
        ::close(fds[0]);
        if (close_in_child >= 0) ::close(close_in_child);
        ::alarm(900);  // a configuration that hangs must not hang the demo
        nlohmann::json report;
        try {
            const RunResult run = run_config(c, url);
            report = to_json(run, want_records);
        } catch (const std::exception& e) {
            report = {{"error", e.what()}};
        }
        write_all(fds[1], report.dump());
        ::close(fds[1]);
        ::_exit(0);
    }
    ::close(fds[1]);
    const std::string text = read_all(fds[0]);
    ::close(fds[0]);
    int status = 0;
    rusage usage{};
    ::wait4(pid, &status, 0, &usage);
    m.peak_rss_mib = mib(usage.ru_maxrss);  // Linux: KiB
    m.voluntary = usage.ru_nvcsw;
    m.involuntary = usage.ru_nivcsw;
    m.cpu_s = seconds(usage.ru_utime) + seconds(usage.ru_stime);

    const nlohmann::json report = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || report.is_discarded() ||
        report.contains("error")) {
        m.failed = static_cast<std::size_t>(c.n);
        m.first_error = report.is_object() && report.contains("error")
                            ? report["error"].get<std::string>()
                        : WIFSIGNALED(status)
                            ? "the child process died of signal " + std::to_string(WTERMSIG(status))
                            : "the child process failed";
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

    // On time: the first N where native beats both executors by 20% or more.
    std::string time_text;
    for (int n : sizes) {
        const Measured* d = find(n, How::default_pool);
        const Measured* b = find(n, How::big_pool);
        const Measured* nat = find(n, How::native);
        if (!d || !b || !nat || nat->failed) continue;
        const double best = std::min(d->wall, b->wall);
        if (nat->wall * 1.2 < best) {
            time_text = server + ", threads lose on time from N = " + std::to_string(n) +
                        ": native took " + fixed(nat->wall, 3) + " s, the best executor " +
                        fixed(best, 3) + " s (" + fixed(best / nat->wall, 1) + "x).";
            break;
        }
    }
    if (time_text.empty()) {
        time_text = server + ", some executor kept within 20% of native on time up to N = " +
                    std::to_string(sizes.back()) + ".";
    }
    // The default pool alone: waves.
    for (int n : sizes) {
        const Measured* d = find(n, How::default_pool);
        const Measured* nat = find(n, How::native);
        if (d && nat && !nat->failed && nat->wall * 1.2 < d->wall) {
            time_text += " The default pool (" + std::to_string(default_workers) +
                         " threads) falls behind from N = " + std::to_string(n) + " (" +
                         fixed(d->wall / nat->wall, 1) + "x native)";
            if (static_cast<std::size_t>(n) > default_workers && delay_ms >= 10) {
                time_text += ": " + std::to_string(n) + " requests in " +
                             std::to_string((n + default_workers - 1) / default_workers) +
                             " waves of " + std::to_string(default_workers);
            }
            time_text += ".";
            break;
        }
    }
    out.push_back(time_text);

    // On cost: the largest N, the big pool against native.
    const int n = sizes.back();
    const Measured* b = find(n, How::big_pool);
    const Measured* nat = find(n, How::native);
    if (b && nat) {
        auto ratio = [](double a, double c) { return c > 0 ? fixed(a / c, 1) + "x" : "n/a"; };
        out.push_back("At N = " + std::to_string(n) + " a pool of " +
                      std::to_string(b->config.workers) + " threads took " + fixed(b->wall, 3) +
                      " s against native's " + fixed(nat->wall, 3) + " s, and cost " +
                      fixed(b->peak_rss_mib - nat->peak_rss_mib, 1) + " MiB more peak RSS, " +
                      ratio(static_cast<double>(b->voluntary + b->involuntary),
                            static_cast<double>(nat->voluntary + nat->involuntary)) +
                      " the context switches and " + ratio(b->cpu_s, nat->cpu_s) +
                      " the CPU time.");
    }
    return out;
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
    const int keep_fd = server ? server->keep_fd() : -1;
    const std::vector<int> delays = server ? options.delays_ms : std::vector<int>{-1};

    context.say("executor-cost (seed 000's answer): executor threads against native coroutines");
    context.say("server: " + server_text);
    context.say("exec " + std::to_string(default_workers) + ": the default pool, min(32, " +
                std::to_string(cores) +
                " cores + 4) threads. exec N: a pool of N threads (at most " +
                std::to_string(options.max_threads) +
                "). native: one ClientSession, limit N, one thread. Each row is a fresh child "
                "process; its peak RSS, context switches and CPU time come from wait4().");
    if (!skipped.empty()) {
        std::string text = "Skipped N =";
        for (int n : skipped) text += " " + std::to_string(n);
        text += " (above --max-n " + std::to_string(options.max_n) +
                "; with the default pool, 10000 requests at 100 ms take about 170 s).";
        context.say(text);
    }

    const bool want_records = context.csv() != nullptr;
    std::vector<Measured> rows;
    const Measured baseline = measure(Config{How::baseline}, "", false, keep_fd);
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
                Measured m = measure(c, url_for(delay), want_records, keep_fd);
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
