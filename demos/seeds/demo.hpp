// demos/seeds/demo.hpp: what every seed demo shares: its options, its server, its output.
//
// `looplab-demo <name> [options]` runs one demo (main.cpp). Each demo is one file in this
// directory and one function run_<name>(options, context), so that `all` can call the others
// with small sizes and collect their JSON and CSV into one object and one file.
//
// A demo run gets a Context: where human-readable text goes (nowhere with --json, whose one
// JSON object main() prints at the end), the CSV writer (--csv FILE), and a Target, the server
// the requests go to: looplab's own server on a thread of its own (ServerThread, the seeds'
// Flask app), or any server given with --url. A demo returns a DemoResult: its measurements as
// JSON, and how many requests failed. A failed request is never hidden: it is printed as it
// is found (to stderr with --json, so that stdout stays one JSON object), counted in the
// JSON, and makes the exit status non-zero.
#pragma once

#include <cstddef>
#include <functional>
#include <iosfwd>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "demos/seeds/demo_trace.hpp"

namespace CLI {
class App;
}

namespace looplab::http {
class ServerThread;
}

namespace looplab::demos {

class CsvWriter;
struct RunResult;

// The server a demo talks to. Without --url: the demo routes (/delay/<ms>, ...) on 127.0.0.1,
// served by looplab's HTTP server on its own thread and loop, started here and stopped by the
// destructor. With --url: that URL, as is (https:// URLs are checked against the system's
// CAs); the server's delay is then the server's business.
//
// --tls: the embedded server speaks https, with a CA and a certificate for 127.0.0.1 made at
// start-up (net/tls/certificate_authority.hpp), and every client of the process trusts that CA
// (set_default_ssl_context): the classroom sees what the handshakes cost without any setup.
class Target {
public:
    explicit Target(std::string external_url = {}, bool tls = false);
    ~Target();
    Target(const Target&) = delete;
    Target& operator=(const Target&) = delete;

    bool embedded() const noexcept { return server_ != nullptr; }
    bool tls() const noexcept { return tls_; }
    // The URL of a request that the server answers after `delay_ms` (embedded: /delay/<ms>;
    // external: the --url, whatever it does).
    std::string url_for_delay(int delay_ms) const;
    // "http://127.0.0.1:41234, looplab's server on its own thread and loop", or the --url.
    std::string describe() const;

private:
    std::unique_ptr<http::ServerThread> server_;
    std::string external_url_;
    bool tls_ = false;  // the embedded server speaks https
};

// Where a demo's output goes.
class Context {
public:
    Context(bool json, CsvWriter* csv, DemoTrace* trace = nullptr, bool tls = false);

    bool json() const noexcept { return json_; }
    // Human-readable text: std::cout, or a sink that drops everything with --json.
    std::ostream& out() const;
    // Failures: std::cout with the text, std::cerr with --json.
    std::ostream& err() const;
    CsvWriter* csv() const noexcept { return csv_; }
    // --tls: the embedded server should speak https (Target's second argument).
    bool tls() const noexcept { return tls_; }
    // --trace / --timeline / --svg: the lanes being recorded; nullptr when none was asked for.
    DemoTrace* trace() const noexcept { return trace_; }
    // A recorder for the next run, to install on its loop (nullptr: not tracing).
    TraceRecorder* trace_lane(const std::string& title) const;

    // Prints each failed request of `run` (the first few, then a count) to err().
    void print_failures(const RunResult& run) const;
    // Prints `text` wrapped to 78 columns, each line starting with `indent`.
    void say(const std::string& text, const std::string& indent = "") const;
    // Prints "- text" wrapped to 78 columns, continuation lines indented under the text.
    void bullet(const std::string& text) const;

private:
    bool json_;
    CsvWriter* csv_;
    DemoTrace* trace_;
    bool tls_;
};

struct DemoResult {
    nlohmann::json json = nlohmann::json::object();
    std::size_t failed = 0;  // requests that failed (any failure makes the exit status 1)
};

// The options most demos take; each demo registers the ones that make sense for it.
struct CommonOptions {
    int requests = 10;
    int delay_ms = 100;
    std::string url;  // empty: the embedded server
};

// ---- The demos (one file each) -------------------------------------------------------------
//
// Each demo's make_quick gives its --quick sizes: what `all --quick` runs, small enough for a
// test or a slow machine, and still showing what the demo is for. It changes only the options
// for which `given` says false (an option given on the command line wins over --quick).
using Given = std::function<bool(const char* option)>;
inline bool nothing_given(const char*) {
    return false;
}

struct CompareOptions {
    CommonOptions common;
    std::optional<std::size_t> workers;  // the default executor's size; unset: Python's rule
};
DemoResult run_compare(const CompareOptions& options, const Context& context);
void make_quick(CompareOptions& options, const Given& given = nothing_given);
// --tls: what a TLS handshake adds per request, with and without keep-alive (tls_cost.cpp):
// `requests` sequential GETs of /delay/0 three ways, as a table, and the numbers as JSON.
nlohmann::json run_tls_cost(const Target& target, int requests, const Context& context);

struct ExecutorCostOptions {
    std::vector<int> sizes{10, 100, 1000, 10000};  // N, the number of requests
    std::vector<int> delays_ms{1, 100};            // the server's delay
    int max_n = 1000;                // sizes above this are skipped (10000 takes minutes)
    std::size_t max_threads = 1000;  // the "as large as N" pool is capped here
    int repeats = 3;                 // runs of each configuration (a fresh child each)
    std::string url;
};
DemoResult run_executor_cost(const ExecutorCostOptions& options, const Context& context);
void make_quick(ExecutorCostOptions& options, const Given& given = nothing_given);

struct BatchTableOptions {
    std::vector<int> batch_sizes{4, 16};
    int iterations = 50;
    int delay_ms = 10;
    std::string url;
};
DemoResult run_batch_table(const BatchTableOptions& options, const Context& context);
void make_quick(BatchTableOptions& options, const Given& given = nothing_given);

struct UrlBarsOptions {
    std::vector<int> delays_ms{290, 430, 480, 510, 1210};
    std::vector<std::string> urls;  // --url, repeatable: replaces the five embedded URLs
};
DemoResult run_url_bars(const UrlBarsOptions& options, const Context& context);
void make_quick(UrlBarsOptions& options, const Given& given = nothing_given);

struct ExecutorTimestampsOptions {
    std::vector<int> delays_ms{290, 430, 480, 510, 1210};
    std::vector<std::size_t> workers{5, 2};
    std::vector<std::string> urls;
};
DemoResult run_executor_timestamps(const ExecutorTimestampsOptions& options,
                                   const Context& context);
void make_quick(ExecutorTimestampsOptions& options, const Given& given = nothing_given);

struct BlockingLoopOptions {
    int delay_ms = 500;  // how long the slow call takes
    int tick_ms = 100;
    int watchdog_ms = 100;  // debug mode's watchdog threshold (0: none)
    std::string url;
};
DemoResult run_blocking_loop(const BlockingLoopOptions& options, const Context& context);
void make_quick(BlockingLoopOptions& options, const Given& given = nothing_given);

// ---- Command line (main.cpp registers every demo with these) --------------------------------

// What a subcommand's callback leaves for main(): the result to print and the exit status.
struct Invocation {
    DemoResult result;
    bool json = false;
    std::string csv_path;
    TraceRequest trace;
    bool tls = false;  // --tls
    bool ran = false;
};

void add_compare_command(CLI::App& app, Invocation& invocation);
void add_executor_cost_command(CLI::App& app, Invocation& invocation);
void add_batch_table_command(CLI::App& app, Invocation& invocation);
void add_url_bars_command(CLI::App& app, Invocation& invocation);
void add_executor_timestamps_command(CLI::App& app, Invocation& invocation);
void add_blocking_loop_command(CLI::App& app, Invocation& invocation);
void add_all_command(CLI::App& app, Invocation& invocation);

// Adds --json, --csv FILE, --trace FILE, --timeline, --svg FILE and --tls to a subcommand.
void add_output_options(CLI::App& command, Invocation& invocation);
// Adds --quick to a subcommand; `given` then tells which options the command line set.
void add_quick_flag(CLI::App& command, bool& quick);
Given given_on(const CLI::App& command);
// Runs `demo` with the Context that --json / --csv / --trace ... ask for (opening the CSV file,
// if any), keeps its result for main(), and writes the trace files and timeline, if any.
void run_demo(Invocation& invocation, const std::function<DemoResult(const Context&)>& demo);

}  // namespace looplab::demos
