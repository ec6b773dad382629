// demos/seeds/strategies.hpp: the four ways to fetch N URLs that the seeds compare.
//
//   blocking     a plain loop of blocking calls                 seed 000 "synchronous",
//                (requests.get / Session.get)                   seed 001 seq_times
//   naive async  one coroutine per URL, each calling the        seed 000 "asynchronous":
//                blocking client, gathered                      still sequential
//   executor     the blocking client in run_in_executor,        seed 000 "executor",
//                gathered                                       seed 001 concur_times, 004
//   native       http::ClientSession, gathered                  seed 000/001/003 aiohttp
//
// Every strategy returns the same RunResult: one RequestRecord per URL with its times and the
// thread that did its I/O, plus the run's wall time and what it cost in threads. A request's
// failure is caught where it happens and recorded (ok = false, error = what()): a run always
// returns all N records, and the demos print and count the failures.
//
// With a recorder in the Observer (--trace, --timeline, --svg), an async strategy installs it
// on its loop, which then records its tasks, executor items and ClientSession requests; the
// blocking client has no loop to report to, so blocking_fetch records each of its requests
// itself (trace_blocking_request), on whichever thread made it: that is what gives the blocking
// strategy rows of its own in the pictures.
//
// Times are seconds on the steady clock since the run's start (t0), taken from inside the
// run: the async strategies start timing inside the loop, after it was made, and stop before
// it is torn down, as the seeds' perf_counter() calls around run_until_complete do.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/executor/thread_pool_executor.hpp"
#include "runtime/observe/trace_recorder.hpp"

namespace looplab::http::blocking {
class Session;
}

namespace looplab::demos {

using SteadyClock = std::chrono::steady_clock;

// One request of one run.
struct RequestRecord {
    std::size_t index = 0;  // position in the URL list
    std::string url;
    double start = 0;  // issued: the caller asked for it (for the executor: submitted)
    double began = 0;  // its HTTP exchange began (for the executor: a worker took it)
    double done = 0;   // its HTTP exchange ended, on the thread that did it
    double end = 0;    // its result was back with the caller (the loop, for async ones)
    bool ok = false;   // a complete response with status < 400
    int status = 0;    // 0 if no response arrived
    std::size_t bytes = 0;
    std::string error;   // why it failed (empty when ok)
    std::string thread;  // the thread that did the I/O: "main", "looplab_3", ...
};

struct RunResult {
    std::string strategy;  // "blocking", "naive async", "executor", "native"
    double wall = 0;       // seconds, first request issued to last result back
    double t0_unix = 0;    // the run's t0 on the system clock (for Start:/End: timestamps)
    std::vector<RequestRecord> records;  // in URL order
    // Executor runs: the pool's size and counters (threads started, queueing).
    std::optional<std::size_t> workers;
    std::optional<ThreadPoolExecutor::Stats> executor;
    // Native runs: TCP connections the session opened.
    std::optional<std::size_t> connections_opened;

    std::size_t failed() const;
    // Distinct threads that did I/O.
    std::size_t threads_used() const;
    // The most requests whose exchanges overlapped in time ([began, done]).
    std::size_t max_in_flight() const;
};

// Called on the thread that issues requests (the loop thread for async strategies): once when
// the run's clock starts (with t0 on the system clock), before each request starts, and when
// its result is back. For demos that print as they go (seeds 003 and 004). Any may be empty.
struct Observer {
    std::function<void(const RequestRecord&)> on_start{};
    std::function<void(const RequestRecord&)> on_done{};
    std::function<void(double t0_unix)> on_run_start{};
    // Where the run records its trace (demo_trace.hpp); nullptr: not traced.
    TraceRecorder* recorder = nullptr;
};

// The blocking client in a plain loop. With `session`: Session.get (keep-alive, seed 001);
// without: blocking::get, a new connection per request (requests.get, seed 000).
RunResult fetch_blocking(const std::vector<std::string>& urls,
                         http::blocking::Session* session = nullptr, const Observer& observer = {});

// One coroutine per URL, each calling blocking::get, gathered (seed 000's naive version).
RunResult fetch_naive_async(const std::vector<std::string>& urls, const Observer& observer = {});

struct ExecutorConfig {
    // The pool: nullptr means the loop's default executor (run_in_executor(nullptr, ...)),
    // which has `default_workers` threads if set, else Python's min(32, cores + 4).
    ThreadPoolExecutor* pool = nullptr;
    std::optional<std::size_t> default_workers{};
    // Shared by every worker (seed 001): keep-alive. nullptr: blocking::get per request.
    http::blocking::Session* session = nullptr;
};
// The blocking client in run_in_executor, gathered (seed 000's fast version; seed 004).
RunResult fetch_in_executor(const std::vector<std::string>& urls, const ExecutorConfig& config,
                            const Observer& observer = {});

struct NativeConfig {
    std::size_t limit = 100;  // ClientSession's connection limit (aiohttp's default is 100)
};
// One ClientSession, one coroutine per URL, gathered (the aiohttp of seeds 000, 001, 003).
RunResult fetch_native(const std::vector<std::string>& urls, const NativeConfig& config = {},
                       const Observer& observer = {});

// Records one blocking request (begun at trace_now() == start_ns, just finished as `record`
// says) as an http_request slice on the calling thread. Its id comes from a counter that
// starts at 2^32, far from the ClientSession's ids, so the two never collide in one trace.
// No-op when recorder is nullptr.
void trace_blocking_request(TraceRecorder* recorder, std::int64_t start_ns,
                            const RequestRecord& record);

// Python's default executor size, min(32, hardware threads + 4).
std::size_t python_default_workers();
// A readable name for the calling thread: "main" for the main thread, else its OS name.
std::string thread_label();

// The same URL n times.
std::vector<std::string> repeat_url(const std::string& url, int n);

}  // namespace looplab::demos
