// demos/seeds/url_bars.cpp: `looplab-demo url-bars`, seed 003.
// Lesson: docs/course.md#lesson-6-synchronization-between-tasks
//
// Seed 003 ("HTTP requests and asyncio: aiohttp vs. Requests"): five home pages fetched with
// requests.get in a loop, then with one aiohttp ClientSession and asyncio.gather; each page
// printed with its elapsed time and an asterisk bar, then a TOTAL line: 4.09 s sequential,
// 1.27 s async. Here the five pages are /delay/<ms> on the embedded server, with the delays
// the post's async run measured (290, 430, 480, 510, 1210 ms).
//
// What to look at:
//   - sequential: each bar is one page's time, and the TOTAL bar is the sum of them;
//   - concurrent: the lines come out in the order the pages FINISH (shortest first), each
//     page takes about as long as before, and the TOTAL bar is the slowest page, not the sum;
//   - one ClientSession for all five: the post's point about connection pooling.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <ostream>

#include "demos/seeds/demo.hpp"
#include "demos/seeds/report.hpp"
#include "demos/seeds/strategies.hpp"

namespace looplab::demos {

namespace {

// print('{0:30}{1:5.2f} {2}'.format(url, elapsed, asterisks(elapsed)))
std::string bar_line(const std::string& url, double seconds) {
    char number[16];
    std::snprintf(number, sizeof number, "%5.2f", seconds);
    std::string name = short_url(url, 29);
    name.resize(std::max<std::size_t>(name.size(), 30), ' ');
    return name + number + " " + asterisks(seconds);
}

// print(' TOTAL SECONDS: '.rjust(30, '-') + '{0:5.2f} {1}'.format(total, asterisks(total)))
std::string total_line(double seconds) {
    const std::string label = " TOTAL SECONDS: ";
    char number[16];
    std::snprintf(number, sizeof number, "%5.2f", seconds);
    return std::string(30 - label.size(), '-') + label + number + " " + asterisks(seconds);
}

}  // namespace

DemoResult run_url_bars(const UrlBarsOptions& options, const Context& context) {
    const Target target(options.urls.empty() ? std::string() : options.urls.front(), context.tls());
    std::vector<std::string> urls = options.urls;
    if (target.embedded()) {
        for (int delay : options.delays_ms) urls.push_back(target.url_for_delay(delay));
    }
    std::ostream& out = context.out();
    context.say("url-bars (seed 003): " + std::to_string(urls.size()) +
                " pages, sequential then concurrent");
    context.say("server: " + target.describe());
    out << "\n";

    Observer print_done{{}, [&out](const RequestRecord& r) {
                            out << bar_line(r.url, r.end - r.start) << std::endl;
                        }};

    out << "Sequential: blocking::get, one page after another\n";
    if (context.trace())
        context.trace()->set_title("url-bars (seed 003): sequential, then concurrent");
    print_done.recorder = context.trace_lane("sequential (blocking::get)");
    RunResult sequential = fetch_blocking(urls, nullptr, print_done);
    out << total_line(sequential.wall) << "\n";
    context.print_failures(sequential);

    out << "\nConcurrent: one ClientSession, gather (printed as each page finishes)\n";
    print_done.recorder = context.trace_lane("concurrent (ClientSession)");
    RunResult concurrent = fetch_native(urls, NativeConfig{}, print_done);
    out << total_line(concurrent.wall) << "\n";
    context.print_failures(concurrent);

    double slowest = 0;
    for (const RequestRecord& r : concurrent.records) slowest = std::max(slowest, r.end - r.start);
    out << "\n";
    context.say("Concurrent was " + fixed(sequential.wall / std::max(concurrent.wall, 1e-9), 1) +
                "x faster: the sequential total is the sum of the pages (" +
                fixed(sequential.wall, 2) + " s), the concurrent total is the slowest page (" +
                fixed(slowest, 2) +
                " s) plus a little. Each page took about as long either way; what changed is "
                "that the waits overlapped, on one thread.");

    if (context.csv()) {
        const int delay = -1;  // differs per URL: it is in the URL
        context.csv()->add("url-bars", sequential, delay, 0);
        context.csv()->add("url-bars", concurrent, delay, 0);
    }
    DemoResult result;
    result.failed = sequential.failed() + concurrent.failed();
    result.json = {{"demo", "url-bars"},
                   {"seed", "003"},
                   {"server", target.describe()},
                   {"urls", urls},
                   {"sequential", to_json(sequential, true)},
                   {"concurrent", to_json(concurrent, true)},
                   {"speedup", sequential.wall / std::max(concurrent.wall, 1e-9)}};
    return result;
}

void make_quick(UrlBarsOptions& options, const Given& given) {
    if (given("--delays-ms")) return;
    for (int& d : options.delays_ms) d /= 5;  // the same shape, five times shorter
}

void add_url_bars_command(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<UrlBarsOptions>();
    auto quick = std::make_shared<bool>(false);
    CLI::App* command = app.add_subcommand(
        "url-bars", "Seed 003: five pages, sequential then concurrent, with asterisk bars");
    command->add_option("--delays-ms", options->delays_ms, "The five pages' server delays")
        ->delimiter(',')
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    command->add_option("--url", options->urls,
                        "Fetch these pages instead (repeat --url for each page)");
    add_output_options(*command, invocation);
    add_quick_flag(*command, *quick);
    command->callback([options, quick, command, &invocation] {
        if (*quick) make_quick(*options, given_on(*command));
        run_demo(invocation, [options](const Context& c) { return run_url_bars(*options, c); });
    });
}

}  // namespace looplab::demos
