// demos/seeds/blocking_loop.cpp: `looplab-demo blocking-loop`, seed 002's lesson.
// Lesson: docs/course.md#lesson-12-observing-the-loop
//
// Seed 002 ("Why doesn't asyncio always use executors?"): coroutines cooperate voluntarily; a
// blocking call inside one "won't voluntarily yield", so nothing else runs until it returns,
// and the loop cannot know in advance that a call will block. Here a ticker task prints every
// 100 ms while another task makes one slow request (the server waits 500 ms), three ways:
//   1. the blocking client called inside the coroutine: the ticks stop for the whole call.
//      Debug mode (loop.set_debug) names the culprit twice: its watchdog, a thread of its
//      own (runtime/observe/watchdog.hpp), while the loop is still stuck (after
//      --watchdog-ms, 100 ms by default); and the slow-callback check once the call has
//      returned, through the loop's exception handler, which this demo captures and prints;
//   2. the same call in run_in_executor: the call blocks a worker, the ticks go on;
//   3. the native ClientSession: no thread at all, the ticks go on.
//
// What to look at: the gap before the first tick after the call in mode 1 (the loop was
// stuck: "600 ms since the last tick"), the watchdog's line in the middle of that gap (printed
// from another thread while the loop could print nothing), the debug report after it, and the
// ticks that keep coming during the call in modes 2 and 3.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <ostream>

#include "demos/seeds/demo.hpp"
#include "demos/seeds/report.hpp"
#include "demos/seeds/strategies.hpp"
#include "http/client/blocking_client.hpp"
#include "http/client/client_session.hpp"
#include "runtime/looplab.hpp"
#include "runtime/observe/debug.hpp"

namespace looplab::demos {

namespace {

enum class Mode { blocking, executor, native };

const char* mode_name(Mode m) {
    switch (m) {
        case Mode::blocking:
            return "blocking call in a coroutine";
        case Mode::executor:
            return "run_in_executor";
        case Mode::native:
            return "native ClientSession";
    }
    return "";
}

// One watchdog report, as this demo keeps it.
struct WatchdogLine {
    double at = 0;         // seconds since the start, when the watchdog spoke
    double stuck_for = 0;  // seconds the loop had been inside the callback by then
    std::string inside;
    std::string origin;
};

// What one mode's run saw. Touched only on the loop thread, except `watchdog`, which the
// watchdog's thread appends to (under watchdog_mutex).
struct Observed {
    std::vector<double> ticks;  // seconds since the start
    double fetch_start = 0;
    double fetch_end = 0;
    RequestRecord fetch;
    std::vector<ExceptionContext> reports;  // what debug mode reported
    bool stop = false;
    std::mutex watchdog_mutex;
    std::vector<WatchdogLine> watchdog;
};

struct Setup {
    Mode mode;
    std::string url;
    Duration tick;
    SteadyClock::time_point t0;
    std::ostream* out;
    TraceRecorder* recorder = nullptr;  // --trace, --timeline, --svg: this mode's lane
};

double since(const Setup& s) {
    return std::chrono::duration<double>(SteadyClock::now() - s.t0).count();
}

std::string ms(double seconds) {
    return std::to_string(std::lround(seconds * 1000)) + " ms";
}

// "created at /work/main/demos/seeds/x.cpp:12" -> "created at demos/seeds/x.cpp:12"
std::string repo_relative(const std::string& where) {
    const std::size_t path = where.find('/');
    const std::size_t demos = where.rfind("/demos/");  // the checkout's own folder may say "demos"
    if (path == std::string::npos || demos == std::string::npos || demos < path) return where;
    return where.substr(0, path) + where.substr(demos + 1);
}

// One line of the timeline, indented; wrapped only if it does not fit in 78 columns.
void print_line(std::ostream& out, const std::string& text) {
    if (text.size() + 4 <= 78) {
        out << "    " << text << std::endl;
    } else {
        out << wrap(text, 78, "    ") << std::flush;
    }
}

Coro<void> ticker(const Setup* s, Observed* seen) {
    const double tick_s = std::chrono::duration<double>(s->tick).count();
    double last = 0;
    while (!seen->stop) {
        co_await sleep(s->tick);
        const double now = since(*s);
        seen->ticks.push_back(now);
        *s->out << "    " << fixed(now, 3) << " s  tick";
        if (now - last > 1.5 * tick_s) {
            *s->out << "   <- " << ms(now - last) << " since the last tick: the loop was stuck";
        }
        *s->out << std::endl;
        last = now;
    }
}

Coro<RequestRecord> fetch_native_once(std::string url, SteadyClock::time_point t0) {
    RequestRecord record;
    record.url = url;
    record.thread = thread_label();
    http::ClientSession session;
    try {
        http::ClientResponse response = co_await session.get(url);
        std::string body = co_await response.text();
        record.status = response.status;
        record.bytes = body.size();
        record.ok = response.ok();
        if (!record.ok) record.error = "HTTP " + std::to_string(response.status);
    } catch (const std::exception& e) {
        record.error = e.what();
    }
    record.done = record.end = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    co_await session.close();
    co_return record;
}

RequestRecord blocking_once(const std::string& url, SteadyClock::time_point t0,
                            TraceRecorder* recorder) {
    RequestRecord record;
    record.url = url;
    record.thread = thread_label();
    const std::int64_t traced_start = trace_now();
    try {
        http::blocking::Response response = http::blocking::get(url);
        record.status = response.status;
        record.bytes = response.body.size();
        record.ok = response.ok();
        if (!record.ok) record.error = "HTTP " + std::to_string(response.status);
    } catch (const std::exception& e) {
        record.error = e.what();
    }
    record.done = record.end = std::chrono::duration<double>(SteadyClock::now() - t0).count();
    trace_blocking_request(recorder, traced_start, record);
    return record;
}

Coro<void> fetcher(const Setup* s, Observed* seen) {
    co_await sleep(s->tick * 5 / 2);  // let the ticker show its rhythm first
    seen->fetch_start = since(*s);
    const std::string what = s->mode == Mode::blocking ? "blocking::get, on the loop's thread"
                             : s->mode == Mode::executor
                                 ? "blocking::get in run_in_executor (a worker thread)"
                                 : "ClientSession.get (on the loop, no thread)";
    print_line(*s->out, fixed(seen->fetch_start, 3) + " s  fetch: calls " + what);
    RequestRecord record;
    switch (s->mode) {
        case Mode::blocking:
            // no co_await: the loop is stuck in here
            record = blocking_once(s->url, s->t0, s->recorder);
            break;
        case Mode::executor: {
            // Named, not inside the co_await: a g++ 12 bug (CONTRIBUTING.md, "Compiler bugs").
            auto call = [url = s->url, t0 = s->t0, recorder = s->recorder] {
                if (recorder) recorder->name_this_thread(thread_label());  // the worker's track
                return blocking_once(url, t0, recorder);
            };
            record = co_await get_running_loop().run_in_executor(nullptr, std::move(call));
            break;
        }
        case Mode::native:
            record = co_await fetch_native_once(s->url, s->t0);
            break;
    }
    seen->fetch_end = since(*s);
    record.start = record.began = seen->fetch_start;
    record.done = record.end = seen->fetch_end;
    seen->fetch = record;
    print_line(*s->out, fixed(seen->fetch_end, 3) + " s  fetch: " +
                            (record.ok ? "status " + std::to_string(record.status)
                                       : "FAILED: " + record.error) +
                            " after " + ms(seen->fetch_end - seen->fetch_start));
    co_await sleep(s->tick * 5 / 2);  // and show that it goes on (or not) afterwards
    seen->stop = true;
}

Coro<void> mode_main(const Setup* s, Observed* seen) {
    EventLoop& loop = get_running_loop();
    if (s->recorder) {
        s->recorder->name_this_thread("loop (main thread)");
        loop.set_tracer(s->recorder);
    }
    // Debug mode reports through the exception handler: capture the reports, print them.
    loop.set_exception_handler([s, seen](EventLoop&, const ExceptionContext& context) {
        seen->reports.push_back(context);
        print_line(*s->out,
                   "debug mode: " + context.message + " [" + repo_relative(context.source) + "]");
    });
    Task<void> ticks = loop.create_task(ticker(s, seen), "ticker");
    Task<void> fetch = loop.create_task(fetcher(s, seen), "fetch");
    co_await fetch;
    co_await ticks;
    loop.set_tracer(nullptr);  // the loop's teardown is not part of the picture
}

// Debug mode's watchdog for the next loop: its reports are printed as a line of the timeline,
// from the watchdog's own thread (the loop thread is stuck: it prints nothing meanwhile), and
// kept for the verdict and the JSON.
void install_watchdog(int watchdog_ms, const Setup& setup, Observed& seen) {
    if (watchdog_ms <= 0) {
        debug::set_watchdog(std::nullopt);
        return;
    }
    debug::set_watchdog(
        std::chrono::milliseconds(watchdog_ms), [&setup, &seen](const Watchdog::Report& r) {
            WatchdogLine line{since(setup), Duration(r.at_ns - r.since_ns).count() / 1e9, r.inside,
                              r.origin};
            *setup.out << "    " << fixed(line.at, 3)
                       << " s  watchdog (another thread): the loop is stuck, for "
                       << ms(line.stuck_for) << " so far\n"
                       << wrap("inside " + r.inside + "; " + r.origin, 78, std::string(13, ' '))
                       << std::flush;
            std::lock_guard lock(seen.watchdog_mutex);
            seen.watchdog.push_back(std::move(line));
        });
}

std::vector<WatchdogLine> watchdog_lines(Observed& seen) {
    std::lock_guard lock(seen.watchdog_mutex);
    return seen.watchdog;
}

}  // namespace

DemoResult run_blocking_loop(const BlockingLoopOptions& options, const Context& context) {
    const Target target(options.url, context.tls());
    const std::string url = target.url_for_delay(options.delay_ms);
    std::ostream& out = context.out();
    std::string title = "blocking-loop (seed 002): a ticker task prints every " +
                        std::to_string(options.tick_ms) +
                        " ms while another task makes one slow request";
    if (target.embedded())
        title += " (the server waits " + std::to_string(options.delay_ms) + " ms)";
    context.say(title);
    context.say("server: " + target.describe());
    if (context.trace()) context.trace()->set_title(title);

    DemoResult result;
    nlohmann::json modes = nlohmann::json::array();
    int number = 0;
    for (Mode mode : {Mode::blocking, Mode::executor, Mode::native}) {
        out << "\n" << ++number << ". " << mode_name(mode) << "\n";
        Setup setup{mode,
                    url,
                    std::chrono::milliseconds(options.tick_ms),
                    SteadyClock::now(),
                    &out,
                    context.trace_lane(mode_name(mode))};
        Observed seen;
        EventLoopOptions loop_options;
        loop_options.debug = true;  // slow steps are reported, naming the task
        install_watchdog(options.watchdog_ms, setup, seen);
        run(mode_main(&setup, &seen), loop_options);
        debug::reset_watchdog();  // its sink points at `setup` and `seen`

        double max_gap = 0;
        double previous = 0;
        int during = 0;
        for (double t : seen.ticks) {
            max_gap = std::max(max_gap, t - previous);
            previous = t;
            if (t > seen.fetch_start && t < seen.fetch_end) ++during;
        }
        const double call = seen.fetch_end - seen.fetch_start;
        std::string verdict = std::to_string(during) + " ticks during the " + ms(call) +
                              " call; longest gap between ticks " + ms(max_gap) + ". ";
        if (mode == Mode::blocking) {
            verdict +=
                "The call never gave the loop back, so the ticker could not run until it "
                "returned: a coroutine is only as concurrent as its awaits. Debug mode cannot "
                "stop this (nobody can know in advance that a call will block), but ";
            const std::vector<WatchdogLine> lines = watchdog_lines(seen);
            if (!lines.empty() && lines.front().at < seen.fetch_end) {
                verdict +=
                    "its watchdog named the task from another thread while the loop was "
                    "still stuck (at " +
                    fixed(lines.front().at, 3) + " s, " + ms(lines.front().stuck_for) +
                    " into the step), and the slow-callback check reported it again "
                    "once the call had returned.";
            } else {
                verdict +=
                    "it reports the step once it has returned, naming the task and "
                    "where it was created.";
            }
        } else if (mode == Mode::executor) {
            verdict +=
                "The call blocked a worker thread instead; the fetch task only awaited "
                "run_in_executor's future, which gave the loop back, and it kept ticking.";
        } else {
            verdict +=
                "The request waited on the selector like the ticker's timer; one "
                "thread served both.";
        }
        context.say("=> " + verdict, "    ");

        RunResult as_run;
        as_run.strategy = mode == Mode::blocking   ? "blocking in coroutine"
                          : mode == Mode::executor ? "executor"
                                                   : "native";
        as_run.wall = call;
        as_run.records.push_back(seen.fetch);
        context.print_failures(as_run);
        if (context.csv()) {
            context.csv()->add("blocking-loop", as_run, target.embedded() ? options.delay_ms : -1,
                               0);
        }
        result.failed += as_run.failed();
        nlohmann::json reports = nlohmann::json::array();
        for (const ExceptionContext& r : seen.reports) {
            reports.push_back({{"message", r.message}, {"source", repo_relative(r.source)}});
        }
        nlohmann::json watchdog = nlohmann::json::array();
        for (const WatchdogLine& w : watchdog_lines(seen)) {
            watchdog.push_back({{"at_s", w.at},
                                {"stuck_ms", w.stuck_for * 1000},
                                {"inside", w.inside},
                                {"origin", w.origin}});
        }
        modes.push_back({{"mode", as_run.strategy},
                         {"ok", seen.fetch.ok},
                         {"status", seen.fetch.status},
                         {"error", seen.fetch.error},
                         {"call_ms", call * 1000},
                         {"fetch_start_s", seen.fetch_start},
                         {"fetch_end_s", seen.fetch_end},
                         {"ticks", seen.ticks.size()},
                         {"ticks_during_call", during},
                         {"max_gap_ms", max_gap * 1000},
                         {"debug_reports", reports},
                         {"watchdog_reports", watchdog}});
    }
    result.json = {{"demo", "blocking-loop"},
                   {"seed", "002"},
                   {"server", target.describe()},
                   {"delay_ms", target.embedded() ? options.delay_ms : -1},
                   {"tick_ms", options.tick_ms},
                   {"watchdog_ms", options.watchdog_ms},
                   {"modes", modes}};
    return result;
}

void make_quick(BlockingLoopOptions& options, const Given& given) {
    if (!given("--delay-ms")) options.delay_ms = 200;
    if (!given("--tick-ms")) options.tick_ms = 50;
}

void add_blocking_loop_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<BlockingLoopOptions>();
    auto quick = std::make_shared<bool>(false);
    CLI::App* command = app.add_subcommand(
        "blocking-loop",
        "Seed 002's lesson: a blocking call stops every other task; debug mode names it");
    command->add_option("--delay-ms", options->delay_ms, "How long the server waits")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--tick-ms", options->tick_ms, "The ticker's period")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command
        ->add_option("--watchdog-ms", options->watchdog_ms,
                     "Debug mode's watchdog: report a step stuck this long, while it is (0: off)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--url", options->url, "Make the slow request to this URL instead");
    add_output_options(*command, invocation);
    add_quick_flag(*command, *quick);
    command->callback([options, quick, command, &invocation] {
        if (*quick) make_quick(*options, given_on(*command));
        run_demo(invocation,
                 [options](const Context& c) { return run_blocking_loop(*options, c); });
    });
}

}  // namespace looplab::demos
