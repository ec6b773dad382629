// tests/runtime/trace_export_test.cpp: the timeline rows, the terminal timeline and the SVG,
// fed hand-written events (the shapes tracer.hpp documents), so each test knows the answer.
// The Chrome JSON exporter is tested in tests/demos/chrome_trace_test.cpp, where a JSON parser
// is linked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/trace/trace_export.hpp"
#include "runtime/trace/trace_rows.hpp"
#include "runtime/trace/trace_text.hpp"

namespace looplab {
namespace {

constexpr std::int64_t kOrigin = 5'000'000'000;  // any steady-clock value
constexpr std::uint32_t kLoop = 0;

// An event at `start_us` microseconds after the origin, lasting `duration_us`.
TraceEvent event(TraceKind kind, double start_us, double duration_us, std::uint64_t id,
                 std::uint32_t thread = kLoop, std::string name = {}, std::string detail = {}) {
    TraceEvent e;
    e.kind = kind;
    e.start_ns = kOrigin + static_cast<std::int64_t>(start_us * 1000);
    e.duration_ns = static_cast<std::int64_t>(duration_us * 1000);
    e.id = id;
    e.thread = thread;
    e.name = std::move(name);
    e.detail = std::move(detail);
    return e;
}

const std::string kUrl = "GET http://127.0.0.1:4242/delay/100";

// A task made at `created_us` whose first step [step_us, +1000] begins a native request of
// ~100 ms (phases inside), and whose last step ends it.
void add_native_task(std::vector<TraceEvent>& events, std::uint64_t task, std::uint64_t request,
                     double created_us, double step_us) {
    events.push_back(event(TraceKind::task_created, created_us, 0, task, kLoop, "fetch"));
    const double r = step_us + 500;
    events.push_back(event(TraceKind::http_phase, r, 100, request, kLoop, "pool wait"));
    events.push_back(event(TraceKind::http_phase, r + 100, 300, request, kLoop, "connect"));
    events.push_back(event(TraceKind::task_step, step_us, 1000, task, kLoop, "fetch"));
    events.push_back(event(TraceKind::task_wait, step_us + 1000, 0, task, kLoop, "a socket"));
    events.push_back(event(TraceKind::http_phase, r + 400, 100, request, kLoop, "send"));
    events.push_back(event(TraceKind::http_phase, r + 500, 99'000, request, kLoop, "first byte"));
    events.push_back(event(TraceKind::http_phase, r + 99'500, 500, request, kLoop, "body"));
    events.push_back(event(TraceKind::http_request, r, 100'000, request, kLoop, kUrl, "200"));
    events.push_back(event(TraceKind::task_step, r + 100'100, 400, task, kLoop, "fetch"));
    events.push_back(event(TraceKind::task_done, r + 100'500, 0, task, kLoop));
}

// Two tasks (ids 2, 3) each making one request through the ClientSession, plus the main task.
TraceLane native_lane() {
    TraceLane lane;
    lane.title = "native";
    lane.origin_ns = kOrigin;
    lane.thread_names = {{kLoop, "loop"}};
    lane.events.push_back(event(TraceKind::task_created, 0, 0, 1, kLoop, "main"));
    lane.events.push_back(event(TraceKind::task_step, 0, 400, 1, kLoop, "main"));
    add_native_task(lane.events, 2, 10, 300, 1000);
    add_native_task(lane.events, 3, 11, 310, 2000);
    lane.events.push_back(event(TraceKind::task_step, 104'000, 100, 1, kLoop, "main"));
    lane.events.push_back(event(TraceKind::task_done, 104'100, 0, 1, kLoop));
    return lane;
}

// One task (id 2) whose step queues work item 7; worker thread 1 runs it, making a blocking
// request inside; the task's next step takes the result.
TraceLane executor_lane() {
    TraceLane lane;
    lane.title = "executor";
    lane.origin_ns = kOrigin;
    lane.thread_names = {{kLoop, "loop"}, {1, "worker 1"}};
    auto& e = lane.events;
    e.push_back(event(TraceKind::task_created, 500, 0, 2, kLoop, "fetch"));
    e.push_back(event(TraceKind::executor_queued, 1500, 0, 7, kLoop, "", ""));
    e.push_back(event(TraceKind::task_step, 1000, 1000, 2, kLoop, "fetch"));
    e.push_back(event(TraceKind::http_request, 3100, 99'800, 99, 1, kUrl, "200"));
    e.push_back(event(TraceKind::executor_run, 3000, 100'000, 7, 1));
    e.push_back(event(TraceKind::executor_returned, 103'500, 0, 7, kLoop));
    e.push_back(event(TraceKind::task_step, 104'000, 1000, 2, kLoop, "fetch"));
    e.push_back(event(TraceKind::task_done, 105'000, 0, 2, kLoop));
    return lane;
}

// `n` blocking requests one after the other on the main thread: no loop, no task.
TraceLane blocking_lane(int n, std::string name = kUrl) {
    TraceLane lane;
    lane.title = "blocking";
    lane.origin_ns = kOrigin;
    for (int k = 0; k < n; ++k) {
        lane.events.push_back(event(TraceKind::http_request, k * 100'000.0, 100'000,
                                    static_cast<std::uint64_t>(k + 1), kLoop, name, "200"));
    }
    return lane;
}

std::vector<RowState> states_of(const TimelineRow& row) {
    std::vector<RowState> states;
    for (const RowSegment& s : row.segments) states.push_back(s.state);
    return states;
}

void expect_segments_cover_their_row(const TimelineRow& row) {
    ASSERT_FALSE(row.segments.empty()) << row.label;
    EXPECT_EQ(row.segments.front().start_ns, row.start_ns) << row.label;
    EXPECT_EQ(row.segments.back().end_ns, row.end_ns) << row.label;
    for (std::size_t k = 0; k < row.segments.size(); ++k) {
        EXPECT_LE(row.segments[k].start_ns, row.segments[k].end_ns) << row.label;
        if (k == 0) continue;
        EXPECT_EQ(row.segments[k].start_ns, row.segments[k - 1].end_ns) << row.label;
        EXPECT_NE(row.segments[k].state, row.segments[k - 1].state) << "unmerged " << row.label;
    }
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// ---- rows ------------------------------------------------------------------------------

TEST(TraceRows, ARequestBelongsToTheTaskWhoseStepBeganItAndLabelsItsRow) {
    const std::vector<TimelineRow> rows = timeline_rows(native_lane());
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0].label, "main");
    EXPECT_FALSE(rows[0].is_request);
    for (int k : {1, 2}) {
        EXPECT_EQ(rows[k].label, "GET /delay/100");
        EXPECT_EQ(rows[k].detail, "200");
        EXPECT_TRUE(rows[k].is_request);
        EXPECT_EQ(rows[k].task_id, static_cast<std::uint64_t>(k + 1));
        expect_segments_cover_their_row(rows[k]);
        // queued until its first step, running in it, waiting on the socket, running again;
        // the pool wait lies inside the running step, which wins.
        EXPECT_EQ(states_of(rows[k]),
                  (std::vector<RowState>{RowState::queued, RowState::running, RowState::waiting,
                                         RowState::running}));
    }
    EXPECT_EQ(rows[1].start_ns, 300'000);
    EXPECT_EQ(rows[1].end_ns, 1000'000 + 500'000 + 100'500'000);
}

TEST(TraceRows, ARequestOnAWorkerBelongsToTheTaskThatQueuedTheWorkItem) {
    const std::vector<TimelineRow> rows = timeline_rows(executor_lane());
    ASSERT_EQ(rows.size(), 1u);
    const TimelineRow& row = rows[0];
    EXPECT_EQ(row.label, "GET /delay/100");
    EXPECT_EQ(row.task_id, 2u);
    expect_segments_cover_their_row(row);
    EXPECT_EQ(states_of(row), (std::vector<RowState>{RowState::queued, RowState::running,
                                                     RowState::queued, RowState::waiting_thread,
                                                     RowState::waiting, RowState::running}));
    // The worker's run, exactly: from 3 ms to 103 ms.
    EXPECT_EQ(row.segments[3].start_ns, 3'000'000);
    EXPECT_EQ(row.segments[3].end_ns, 103'000'000);
}

TEST(TraceRows, ARequestNoTaskOwnsIsARowOfItsOwnAllRunning) {
    const std::vector<TimelineRow> rows = timeline_rows(blocking_lane(3));
    ASSERT_EQ(rows.size(), 3u);
    for (std::size_t k = 0; k < rows.size(); ++k) {
        EXPECT_TRUE(rows[k].is_request);
        EXPECT_EQ(rows[k].task_id, 0u);
        EXPECT_EQ(rows[k].start_ns, static_cast<std::int64_t>(k) * 100'000'000);
        EXPECT_EQ(states_of(rows[k]), std::vector<RowState>{RowState::running});
    }
}

TEST(TraceRows, AnEmptyLaneHasNoRows) {
    EXPECT_TRUE(timeline_rows(TraceLane{}).empty());
    EXPECT_EQ(lane_end_ns(TraceLane{}), 0);
}

TEST(TraceRows, ShortRequestNamesDropSchemeAndHost) {
    EXPECT_EQ(short_request_name("GET http://h:1/a/b?c=1"), "GET /a/b?c=1");
    EXPECT_EQ(short_request_name("GET http://h:1"), "GET /");
    EXPECT_EQ(short_request_name("not a url"), "not a url");
}

// ---- terminal timeline -----------------------------------------------------------------

TEST(Timeline, EveryLineFitsEightyColumnsWhateverTheLabelsAndSizes) {
    std::vector<TraceLane> lanes = {blocking_lane(3, "GET http://h/" + std::string(200, 'x')),
                                    native_lane(), executor_lane(), blocking_lane(500),
                                    TraceLane{"empty", {}, {}, kOrigin}};
    lanes[0].title = std::string(300, 't');
    std::ostringstream out;
    write_timeline(out, lanes);
    const std::vector<std::string> lines = lines_of(out.str());
    ASSERT_GT(lines.size(), 10u);
    for (const std::string& line : lines) EXPECT_LE(line.size(), 80u) << "'" << line << "'";
    EXPECT_NE(out.str().find("time (ms)"), std::string::npos);
    EXPECT_NE(out.str().find("# running"), std::string::npos);
    EXPECT_NE(out.str().find("more rows"), std::string::npos) << "500 rows are capped";
}

// The columns where `line`'s bar has a mark (not blank), relative to the bar's start.
std::vector<std::size_t> marked_columns(const std::string& line) {
    const std::size_t open = line.find('|');
    std::vector<std::size_t> columns;
    for (std::size_t c = open + 1; c + 1 < line.size(); ++c) {
        if (line[c] != ' ') columns.push_back(c - open - 1);
    }
    return columns;
}

TEST(Timeline, SequentialBarsFollowEachOtherAndConcurrentBarsShareColumns) {
    std::ostringstream out;
    write_timeline(out, {blocking_lane(4), native_lane()});
    const std::vector<std::string> lines = lines_of(out.str());
    std::vector<std::vector<std::size_t>> bars;
    for (const std::string& line : lines) {
        if (line.rfind("GET /delay/100", 0) == 0) bars.push_back(marked_columns(line));
    }
    ASSERT_EQ(bars.size(), 6u) << out.str();
    for (std::size_t k = 0; k < 4; ++k) {
        ASSERT_FALSE(bars[k].empty());
        EXPECT_NE(lines[1 + k].find('#'), std::string::npos) << "a blocking call holds its thread";
        if (k > 0) {
            EXPECT_GT(bars[k].front(), bars[k - 1].back()) << "one after the other";
        }
    }
    // The two native requests overlap: their bars share most columns.
    EXPECT_LE(bars[4].front(), bars[5].front());
    EXPECT_GE(bars[4].back(), bars[5].front());
    // The shared axis: the native lane (~100 ms) spans about a quarter of the blocking one.
    EXPECT_LT(bars[5].back(), bars[3].back() / 2);
}

TEST(Timeline, WidthIsAnOption) {
    TimelineOptions options;
    options.width = 60;
    std::ostringstream out;
    write_timeline(out, {executor_lane()}, options);
    for (const std::string& line : lines_of(out.str())) EXPECT_LE(line.size(), 60u) << line;
    EXPECT_NE(out.str().find('='), std::string::npos) << "waiting on a thread is drawn";
}

// ---- SVG -------------------------------------------------------------------------------

// Runs xmllint --noout on `svg`; returns its output (empty when well-formed). Fails the test
// if xmllint is missing: the check is required (Debian package libxml2-utils).
std::string xmllint_errors(const std::string& svg) {
    if (std::system("command -v xmllint >/dev/null 2>&1") != 0) {
        ADD_FAILURE() << "xmllint not found: apt-get install libxml2-utils";
        return "xmllint missing";
    }
    char path[] = "/tmp/looplab_trace_svg_XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) {
        ADD_FAILURE() << "mkstemp failed";
        return "no temporary file";
    }
    close(fd);
    std::ofstream(path) << svg;
    const std::string command = std::string("xmllint --noout ") + path + " 2>&1";
    std::string output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[512];
        while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
        const int status = pclose(pipe);
        if (status != 0 && output.empty()) output = "xmllint exit status " + std::to_string(status);
    } else {
        output = "popen failed";
    }
    std::remove(path);
    return output;
}

std::size_t count(const std::string& text, const std::string& what) {
    std::size_t n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

TEST(Svg, IsWellFormedXmlWithOneRowPerRequestAndALegend) {
    std::ostringstream out;
    SvgOptions options;
    options.title = "compare: <4> strategies & \"one\" axis";
    write_svg_timeline(out, {blocking_lane(4), native_lane(), executor_lane()}, options);
    const std::string svg = out.str();
    EXPECT_EQ(xmllint_errors(svg), "");
    EXPECT_EQ(count(svg, "<g class=\"lane\""), 3u);
    EXPECT_EQ(count(svg, "data-request=\"1\""), 4u + 2u + 1u);
    EXPECT_EQ(count(svg, "data-request=\"0\""), 1u) << "the native lane's main task";
    for (const char* state : {"running", "waiting on a thread", "queued"}) {
        EXPECT_NE(svg.find(state), std::string::npos) << state;
    }
    EXPECT_NE(svg.find("(ms)"), std::string::npos) << "an axis in ms";
}

TEST(Svg, HostileNamesStayWellFormed) {
    TraceLane lane = blocking_lane(2, "GET http://h/<script>&amp;\"'\x01\x1f\xff\xc3(");
    lane.title = "lane </g> \x02 \xe2\x82";
    std::ostringstream out;
    write_svg_timeline(out, {lane});
    EXPECT_EQ(xmllint_errors(out.str()), "");
    EXPECT_EQ(count(out.str(), "data-request=\"1\""), 2u);
    EXPECT_EQ(out.str().find("<script>"), std::string::npos);
}

TEST(Svg, ManyRowsAreCappedAndCounted) {
    SvgOptions options;
    options.max_rows = 10;
    std::ostringstream out;
    write_svg_timeline(out, {blocking_lane(25)}, options);
    EXPECT_EQ(xmllint_errors(out.str()), "");
    EXPECT_EQ(count(out.str(), "<g class=\"row\""), 10u);
    EXPECT_NE(out.str().find("15 more rows"), std::string::npos);
}

TEST(Svg, AnEmptyTraceIsStillAPicture) {
    std::ostringstream out;
    write_svg_timeline(out, {});
    EXPECT_EQ(xmllint_errors(out.str()), "");
}

// ---- escaping --------------------------------------------------------------------------

TEST(TraceText, JsonStringsEscapeQuotesBackslashesAndControlCharacters) {
    EXPECT_EQ(detail::json_string("a\"b\\c\nd\x01"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    EXPECT_EQ(detail::json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"") << "valid UTF-8 is kept";
}

TEST(TraceText, InvalidUtf8BecomesReplacementCharacters) {
    EXPECT_EQ(detail::valid_utf8("a\xff"
                                 "b"),
              "a\xEF\xBF\xBD"
              "b");
    EXPECT_EQ(detail::valid_utf8("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "overlong";
    EXPECT_EQ(detail::valid_utf8("\xed\xa0\x80").find("\xed"), std::string::npos) << "surrogate";
    EXPECT_EQ(detail::valid_utf8("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD") << "cut short";
    EXPECT_EQ(detail::valid_utf8("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

TEST(TraceText, XmlTextEscapesMarkupAndDropsForbiddenControls) {
    EXPECT_EQ(detail::xml_text("<a href='x'>&\"</a>\x01"),
              "&lt;a href=&apos;x&apos;&gt;&amp;&quot;&lt;/a&gt; ");
}

}  // namespace
}  // namespace looplab
