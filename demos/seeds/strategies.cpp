// demos/seeds/strategies.cpp: the four ways to fetch N URLs (see strategies.hpp).
#include "demos/seeds/strategies.hpp"

#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <memory>
#include <set>
#include <thread>
#include <utility>

#include "http/client/blocking_client.hpp"
#include "http/client/client_session.hpp"
#include "runtime/looplab.hpp"

namespace looplab::demos {

namespace {

// Static initialisation runs on the main thread.
const std::thread::id main_thread_id = std::this_thread::get_id();

double seconds_since(SteadyClock::time_point t0) {
    return std::chrono::duration<double>(SteadyClock::now() - t0).count();
}

double unix_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// One blocking request, timed, on the calling thread; never throws (the error is recorded).
// This is the body of every strategy but the native one: called in a loop (blocking), inside
// a coroutine (naive async) or on a worker (executor).
RequestRecord blocking_fetch(http::blocking::Session* session, const std::string& url,
                             SteadyClock::time_point t0, TraceRecorder* recorder) {
    RequestRecord record;
    record.url = url;
    record.thread = thread_label();
    const std::int64_t traced_start = trace_now();
    record.began = seconds_since(t0);
    try {
        http::blocking::Response response = session ? session->get(url) : http::blocking::get(url);
        record.status = response.status;
        record.bytes = response.body.size();
        record.ok = response.ok();
        if (!record.ok) {
            record.error = "HTTP " + std::to_string(response.status) + " " + response.reason;
        }
    } catch (const std::exception& e) {
        record.error = e.what();
    }
    record.done = record.end = seconds_since(t0);
    trace_blocking_request(recorder, traced_start, record);
    return record;
}

// Names the loop's thread in the trace, and installs the recorder on the running loop. Called
// first thing in each async strategy's main coroutine: from there on, the loop records.
void start_tracing(TraceRecorder* recorder) {
    if (!recorder) return;
    recorder->name_this_thread("loop (main thread)");
    get_running_loop().set_tracer(recorder);
}

// The run is over: the loop's own teardown (cancelling leftovers, joining the executor) is not
// part of the picture.
void stop_tracing(TraceRecorder* recorder) {
    if (recorder) get_running_loop().set_tracer(nullptr);
}

void notify(const std::function<void(const RequestRecord&)>& fn, const RequestRecord& record) {
    if (fn) fn(record);
}

// The run's t0, on both clocks; tells the observer.
SteadyClock::time_point start_clock(RunResult& run, const Observer& observer) {
    run.t0_unix = unix_now();
    const auto t0 = SteadyClock::now();
    if (observer.on_run_start) observer.on_run_start(run.t0_unix);
    return t0;
}

// ---- naive async -----------------------------------------------------------------------

// An `async def` that calls requests.get: there is no co_await in it, so once its task's first
// step starts, it runs to the end, blocking the loop; the next task's step can only start
// after it. Gathering such coroutines runs them one after the other.
Coro<RequestRecord> naive_one(std::string url, std::size_t index, SteadyClock::time_point t0,
                              const Observer* observer) {
    RequestRecord issued;
    issued.index = index;
    issued.url = url;
    issued.start = seconds_since(t0);
    notify(observer->on_start, issued);
    // the loop is stuck in here
    RequestRecord record = blocking_fetch(nullptr, url, t0, observer->recorder);
    record.index = index;
    record.start = issued.start;
    notify(observer->on_done, record);
    co_return record;
}

Coro<RunResult> naive_main(std::vector<std::string> urls, const Observer* observer) {
    RunResult run;
    run.strategy = "naive async";
    start_tracing(observer->recorder);
    const auto t0 = start_clock(run, *observer);
    std::vector<Coro<RequestRecord>> coros;
    for (std::size_t i = 0; i < urls.size(); ++i) {
        coros.push_back(naive_one(urls[i], i, t0, observer));
    }
    run.records = co_await gather(std::move(coros));
    run.wall = seconds_since(t0);
    stop_tracing(observer->recorder);
    co_return run;
}

// ---- executor --------------------------------------------------------------------------

// The request runs on a worker; this coroutine waits for it on a Future, so the loop is free
// to start the other coroutines meanwhile.
Coro<RequestRecord> executor_one(ThreadPoolExecutor* pool, http::blocking::Session* session,
                                 std::string url, std::size_t index, SteadyClock::time_point t0,
                                 const Observer* observer) {
    RequestRecord issued;
    issued.index = index;
    issued.url = url;
    issued.start = seconds_since(t0);
    notify(observer->on_start, issued);
    // Named, not a temporary inside the co_await: g++ 12 destroys lambda temporaries with
    // non-trivial captures there twice (CONTRIBUTING.md, "Compiler bugs").
    auto call = [session, url, t0, recorder = observer->recorder] {
        if (recorder) recorder->name_this_thread(thread_label());  // the worker's track
        return blocking_fetch(session, url, t0, recorder);
    };
    RequestRecord record = co_await get_running_loop().run_in_executor(pool, std::move(call));
    record.index = index;
    record.start = issued.start;
    record.end = seconds_since(t0);  // back on the loop thread
    notify(observer->on_done, record);
    co_return record;
}

Coro<RunResult> executor_main(std::vector<std::string> urls, ExecutorConfig config,
                              const Observer* observer) {
    EventLoop& loop = get_running_loop();
    start_tracing(observer->recorder);
    if (!config.pool && config.default_workers) {
        loop.set_default_executor(
            std::make_unique<ThreadPoolExecutor>(*config.default_workers, "looplab"));
    }
    ThreadPoolExecutor& pool = config.pool ? *config.pool : loop.default_executor();
    RunResult run;
    run.strategy = "executor";
    const auto t0 = start_clock(run, *observer);
    std::vector<Coro<RequestRecord>> coros;
    for (std::size_t i = 0; i < urls.size(); ++i) {
        coros.push_back(executor_one(config.pool, config.session, urls[i], i, t0, observer));
    }
    run.records = co_await gather(std::move(coros));
    run.wall = seconds_since(t0);
    run.workers = pool.max_workers();
    run.executor = pool.stats();
    stop_tracing(observer->recorder);
    co_return run;
}

// ---- native ----------------------------------------------------------------------------

// The request is a coroutine on the loop thread: every wait (connect, the server's answer)
// suspends it, and the loop runs the others meanwhile. No thread but the loop's.
Coro<RequestRecord> native_one(http::ClientSession* session, std::string url, std::size_t index,
                               SteadyClock::time_point t0, const Observer* observer) {
    RequestRecord record;
    record.index = index;
    record.url = url;
    record.thread = thread_label();
    record.start = seconds_since(t0);
    record.began = record.start;
    notify(observer->on_start, record);
    try {
        http::ClientResponse response = co_await session->get(url);
        std::string body = co_await response.text();
        record.status = response.status;
        record.bytes = body.size();
        record.ok = response.ok();
        if (!record.ok) {
            record.error = "HTTP " + std::to_string(response.status) + " " + response.reason;
        }
    } catch (const std::exception& e) {
        record.error = e.what();
    }
    record.done = record.end = seconds_since(t0);
    notify(observer->on_done, record);
    co_return record;
}

Coro<RunResult> native_main(std::vector<std::string> urls, NativeConfig config,
                            const Observer* observer) {
    RunResult run;
    run.strategy = "native";
    start_tracing(observer->recorder);
    const auto t0 = start_clock(run, *observer);
    http::ClientSessionOptions session_options;
    session_options.limit = config.limit;
    http::ClientSession session(session_options);
    std::vector<Coro<RequestRecord>> coros;
    for (std::size_t i = 0; i < urls.size(); ++i) {
        coros.push_back(native_one(&session, urls[i], i, t0, observer));
    }
    run.records = co_await gather(std::move(coros));  // native_one never throws
    run.wall = seconds_since(t0);
    run.connections_opened = session.connections_opened();
    co_await session.close();
    stop_tracing(observer->recorder);
    co_return run;
}

}  // namespace

// ---- RunResult -------------------------------------------------------------------------

std::size_t RunResult::failed() const {
    return static_cast<std::size_t>(std::count_if(records.begin(), records.end(),
                                                  [](const RequestRecord& r) { return !r.ok; }));
}

std::size_t RunResult::threads_used() const {
    std::set<std::string> threads;
    for (const RequestRecord& r : records) threads.insert(r.thread);
    return threads.size();
}

std::size_t RunResult::max_in_flight() const {
    // Sweep: +1 at each began, -1 at each end; at equal times the end comes first.
    std::vector<std::pair<double, int>> events;
    for (const RequestRecord& r : records) {
        events.emplace_back(r.began, +1);
        events.emplace_back(r.done, -1);
    }
    std::sort(events.begin(), events.end());
    int now = 0;
    int most = 0;
    for (const auto& [time, delta] : events) {
        now += delta;
        most = std::max(most, now);
    }
    return static_cast<std::size_t>(most);
}

// ---- The strategies --------------------------------------------------------------------

RunResult fetch_blocking(const std::vector<std::string>& urls, http::blocking::Session* session,
                         const Observer& observer) {
    RunResult run;
    run.strategy = "blocking";
    if (observer.recorder) observer.recorder->name_this_thread("main");
    const auto t0 = start_clock(run, observer);
    for (std::size_t i = 0; i < urls.size(); ++i) {
        RequestRecord issued;
        issued.index = i;
        issued.url = urls[i];
        issued.start = seconds_since(t0);
        notify(observer.on_start, issued);
        RequestRecord record = blocking_fetch(session, urls[i], t0, observer.recorder);
        record.index = i;
        record.start = issued.start;
        notify(observer.on_done, record);
        run.records.push_back(std::move(record));
    }
    run.wall = seconds_since(t0);
    return run;
}

RunResult fetch_naive_async(const std::vector<std::string>& urls, const Observer& observer) {
    return run(naive_main(urls, &observer));
}

RunResult fetch_in_executor(const std::vector<std::string>& urls, const ExecutorConfig& config,
                            const Observer& observer) {
    return run(executor_main(urls, config, &observer));
}

RunResult fetch_native(const std::vector<std::string>& urls, const NativeConfig& config,
                       const Observer& observer) {
    return run(native_main(urls, config, &observer));
}

void trace_blocking_request(TraceRecorder* recorder, std::int64_t start_ns,
                            const RequestRecord& record) {
    if (!recorder) return;
    static std::atomic<std::uint64_t> next_id{std::uint64_t{1} << 32};
    TraceEvent event;
    event.kind = TraceKind::http_request;
    event.start_ns = start_ns;
    event.duration_ns = trace_now() - start_ns;
    event.id = next_id.fetch_add(1, std::memory_order_relaxed);
    event.name = "GET " + record.url;
    event.detail = record.ok || record.status != 0 ? std::to_string(record.status) : record.error;
    recorder->record(std::move(event));
}

std::size_t python_default_workers() {
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    return std::min<std::size_t>(32, cores + 4);
}

std::string thread_label() {
    if (std::this_thread::get_id() == main_thread_id) return "main";
    char name[16] = {};
    if (pthread_getname_np(pthread_self(), name, sizeof name) == 0 && name[0] != '\0') {
        return name;
    }
    return "thread";
}

std::vector<std::string> repeat_url(const std::string& url, int n) {
    return std::vector<std::string>(static_cast<std::size_t>(std::max(0, n)), url);
}

}  // namespace looplab::demos
