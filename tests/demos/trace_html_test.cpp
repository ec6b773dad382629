// tests/demos/trace_html_test.cpp: the loop explorer page (write_html_explorer) from a real
// recorder, and from the real looplab-demo: one self-contained HTML file that names nothing on
// the network, whose embedded JSON parses and holds every iteration, task and request the
// recorder saw. (Here rather than in tests/runtime because this suite links a JSON parser; the
// exporter itself is runtime code. What the page's script does with the data is checked in
// Chromium: tests/docs/explorer_check.py.)
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "demos/support/demo_process.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/observe/trace_recorder.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "runtime/trace/trace_export.hpp"

namespace looplab::demos::testing {
namespace {

constexpr const char* kDataOpen = R"(<script id="trace-data" type="application/json">)";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// The JSON block's text; fails the test if the page has none, or more than one.
std::string data_block(const std::string& page) {
    const std::size_t open = page.find(kDataOpen);
    EXPECT_NE(open, std::string::npos) << "no data block";
    if (open == std::string::npos) return "{}";
    EXPECT_EQ(page.find(kDataOpen, open + 1), std::string::npos) << "two data blocks";
    const std::size_t from = open + std::string(kDataOpen).size();
    const std::size_t close = page.find("</script>", from);
    return page.substr(from, close - from);
}

nlohmann::json page_data(const std::string& page) {
    return nlohmann::json::parse(data_block(page));
}

// Every src= or href= whose value starts with http:, https: or // (a network fetch).
std::vector<std::string> network_references(const std::string& page) {
    std::vector<std::string> found;
    for (const char* attribute : {"src=", "href="}) {
        for (std::size_t at = page.find(attribute); at != std::string::npos;
             at = page.find(attribute, at + 1)) {
            std::size_t value = at + std::string(attribute).size();
            if (value < page.size() && (page[value] == '"' || page[value] == '\'')) ++value;
            const std::string head = page.substr(value, 8);
            if (head.rfind("http:", 0) == 0 || head.rfind("https:", 0) == 0 ||
                head.rfind("//", 0) == 0) {
                found.push_back(page.substr(at, 60));
            }
        }
    }
    return found;
}

std::size_t count_kind(const std::vector<TraceEvent>& events, TraceKind kind) {
    std::size_t n = 0;
    for (const TraceEvent& e : events) n += e.kind == kind;
    return n;
}

Coro<int> napper(int naps) {
    for (int i = 0; i < naps; ++i) co_await sleep(std::chrono::milliseconds(1));
    co_return naps;
}

Coro<int> offloader() {
    auto work = [] { return 6 * 7; };
    const int answer = co_await get_running_loop().run_in_executor(nullptr, work);
    co_return answer;
}

Coro<int> run_all() {
    EventLoop& loop = get_running_loop();
    Task<int> a = loop.create_task(napper(3), "napper");
    Task<int> b = loop.create_task(offloader(), "offloader </script> <b>");
    const int x = co_await a;
    const int y = co_await b;
    co_return x + y;
}

// A real run recorded: tasks that sleep, one that uses the executor, named awkwardly.
TraceLane recorded_lane() {
    TraceRecorder recorder;
    EventLoop loop;
    loop.set_tracer(&recorder);
    recorder.name_this_thread("loop");
    EXPECT_EQ(loop.run_until_complete(loop.create_task(run_all(), "main")), 45);
    loop.set_tracer(nullptr);
    loop.close();
    return make_lane(recorder, "recorded");
}

std::string page_of(const std::vector<TraceLane>& lanes, const ExplorerOptions& options = {}) {
    std::ostringstream out;
    write_html_explorer(out, lanes, options);
    return out.str();
}

TEST(TraceHtml, IsOneSelfContainedPageThatLoadsNothing) {
    const std::string page = page_of({recorded_lane()});
    EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(page.find("</html>"), std::string::npos);
    EXPECT_NE(page.find("Content-Security-Policy"), std::string::npos);
    EXPECT_NE(page.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(page.find("<style>"), std::string::npos);
    EXPECT_NE(page.find("getElementById(\"trace-data\")"), std::string::npos) << "no script";
    EXPECT_EQ(network_references(page), std::vector<std::string>{});
    EXPECT_EQ(page.find("<link"), std::string::npos);
    EXPECT_EQ(page.find("<script src"), std::string::npos);
}

TEST(TraceHtml, TheEmbeddedDataHoldsEveryIterationTaskAndWorkItemTheRecorderSaw) {
    const TraceLane lane = recorded_lane();
    const nlohmann::json data = page_data(page_of({lane}));
    ASSERT_EQ(data["lanes"].size(), 1u);
    const nlohmann::json& l = data["lanes"][0];
    EXPECT_EQ(l["title"], "recorded");
    const std::size_t iterations = count_kind(lane.events, TraceKind::iteration);
    ASSERT_GT(iterations, 3u);
    EXPECT_EQ(l["iterations"].size(), iterations);
    EXPECT_EQ(l["tasks"].size(), count_kind(lane.events, TraceKind::task_created));
    std::set<std::string> names;
    for (const nlohmann::json& t : l["tasks"]) names.insert(t["name"].get<std::string>());
    EXPECT_EQ(names, (std::set<std::string>{"main", "napper", "offloader </script> <b>"}));
    EXPECT_EQ(l["items"].size(), 1u);
    EXPECT_EQ(l["workers"].size(), 1u);
    // Every iteration was detailed (a small run): the six phases' data is there.
    for (const nlohmann::json& it : l["iterations"]) {
        EXPECT_TRUE(it.contains("phases")) << it.dump();
        EXPECT_TRUE(it.contains("state")) << it.dump();
    }
    EXPECT_EQ(l["note"], "");
}

TEST(TraceHtml, ATasksIterationsAreThoseThatTouchedIt) {
    const nlohmann::json data = page_data(page_of({recorded_lane()}));
    const nlohmann::json& l = data["lanes"][0];
    for (const nlohmann::json& t : l["tasks"]) {
        if (t["name"] != "napper") continue;
        // Created, started, woken three times (each sleep), done: at least four iterations.
        EXPECT_GE(t["its"].size(), 4u) << t.dump();
        std::set<std::string> what;
        for (const nlohmann::json& e : t["events"]) what.insert(e[2].get<std::string>());
        EXPECT_EQ(what, (std::set<std::string>{"created", "step", "wait", "done"}));
        return;
    }
    FAIL() << "no task named napper";
}

TEST(TraceHtml, PastItsBudgetAPageSummarisesLaterIterationsAndSaysSo) {
    const TraceLane lane = recorded_lane();
    ExplorerOptions options;
    options.detail_budget_bytes = 200;
    const nlohmann::json data = page_data(page_of({lane}, options));
    const nlohmann::json& l = data["lanes"][0];
    EXPECT_EQ(l["iterations"].size(), count_kind(lane.events, TraceKind::iteration));
    EXPECT_NE(l["note"].get<std::string>().find("Summarised"), std::string::npos);
    EXPECT_TRUE(l["iterations"][0].contains("phases"));
    EXPECT_FALSE(l["iterations"].back().contains("phases"));
    EXPECT_TRUE(l["iterations"].back().contains("k"));
}

TEST(TraceHtml, ALaneWithNoIterationStillMakesAValidPage) {
    TraceLane empty;
    empty.title = "nothing ran";
    const std::string page = page_of({empty});
    const nlohmann::json data = page_data(page);
    EXPECT_EQ(data["lanes"][0]["iterations"].size(), 0u);
}

// ---- the real looplab-demo ----

TEST(TraceHtml, CompareQuickWritesAPageWithEveryRunAndRequestUnderTwoMegabytes) {
    if (!demo_available()) GTEST_SKIP() << "looplab-demo not built";
    const std::string html = temp_path(".html");
    const std::string json = temp_path(".json");
    const DemoOutput run = run_demo({"compare", "--quick", "--html", html, "--trace", json});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const std::string page = read_file(html);
    EXPECT_LT(page.size(), 2u * 1000 * 1000);
    EXPECT_EQ(network_references(page), std::vector<std::string>{});
    const nlohmann::json data = page_data(page);
    ASSERT_EQ(data["lanes"].size(), 4u);
    // The same run's --trace file: one iteration slice per iteration of each lane (pid).
    const nlohmann::json trace = nlohmann::json::parse(read_file(json));
    std::map<int, std::size_t> iterations;
    std::map<int, std::size_t> requests;
    for (const nlohmann::json& e : trace["traceEvents"]) {
        if (e.value("cat", "") == "iteration") ++iterations[e["pid"].get<int>()];
        if (e.value("cat", "") == "http" && e.value("ph", "") == "b" &&
            e["args"].value("kind", "") == "http_request") {
            ++requests[e["pid"].get<int>()];
        }
    }
    for (std::size_t k = 0; k < 4; ++k) {
        const int pid = static_cast<int>(k) + 1;
        EXPECT_EQ(data["lanes"][k]["iterations"].size(), iterations[pid]) << "lane " << k;
        EXPECT_EQ(data["lanes"][k]["requests"].size(), requests[pid]) << "lane " << k;
    }
    std::remove(html.c_str());
    std::remove(json.c_str());
}

TEST(TraceHtml, ExploreMakesTheSamePageDataFromATraceFile) {
    if (!demo_available()) GTEST_SKIP() << "looplab-demo not built";
    const std::string html = temp_path(".html");
    const std::string json = temp_path(".json");
    const std::string converted = temp_path(".html");
    ASSERT_EQ(run_demo({"url-bars", "--quick", "--html", html, "--trace", json}).exit_code, 0);
    const DemoOutput explore = run_demo({"explore", json, "-o", converted});
    ASSERT_EQ(explore.exit_code, 0) << explore.err;
    EXPECT_NE(explore.out.find("wrote the loop explorer of 2 runs"), std::string::npos)
        << explore.out;
    const nlohmann::json direct = page_data(read_file(html));
    const nlohmann::json again = page_data(read_file(converted));
    ASSERT_EQ(direct["lanes"].size(), again["lanes"].size());
    int compared = 0;
    for (std::size_t k = 0; k < direct["lanes"].size(); ++k) {
        const nlohmann::json& d = direct["lanes"][k];
        const nlohmann::json& a = again["lanes"][k];
        EXPECT_EQ(d["title"], a["title"]);
        EXPECT_EQ(d["iterations"].size(), a["iterations"].size());
        EXPECT_EQ(d["tasks"].size(), a["tasks"].size());
        EXPECT_EQ(d["requests"].size(), a["requests"].size());
        if (d["iterations"].size() != a["iterations"].size()) continue;
        // Every iteration's phases, and its callbacks' words and sites, come back too.
        for (std::size_t i = 0; i < d["iterations"].size(); ++i) {
            const nlohmann::json& x = d["iterations"][i];
            const nlohmann::json& y = a["iterations"][i];
            EXPECT_EQ(x["phases"], y["phases"]) << "iteration " << i;
            ASSERT_EQ(x["cb"].size(), y["cb"].size()) << "iteration " << i;
            for (std::size_t c = 0; c < x["cb"].size(); ++c) {
                EXPECT_EQ(x["cb"][c][0], y["cb"][c][0]);  // words
                EXPECT_EQ(x["cb"][c][1], y["cb"][c][1]);  // where
                EXPECT_EQ(x["cb"][c][2], y["cb"][c][2]);  // task
            }
        }
        ++compared;
    }
    EXPECT_GE(compared, 1) << "no run had iterations";
    for (const std::string& path : {html, json, converted}) std::remove(path.c_str());
}

TEST(TraceHtml, ExploreRefusesAFileThatIsNotATraceAndSaysWhy) {
    if (!demo_available()) GTEST_SKIP() << "looplab-demo not built";
    const std::string bad = temp_path(".json");
    std::ofstream(bad) << "{\"not\": \"a trace\"}";
    const std::string page = temp_path(".html");
    const DemoOutput run = run_demo({"explore", bad, "-o", page});
    EXPECT_EQ(run.exit_code, 2);
    EXPECT_NE(run.err.find("not a Chrome trace"), std::string::npos) << run.err;
    const DemoOutput missing = run_demo({"explore", bad + ".missing", "-o", page});
    EXPECT_EQ(missing.exit_code, 2);
    EXPECT_NE(missing.err.find("cannot read"), std::string::npos) << missing.err;
    std::remove(bad.c_str());
}

}  // namespace
}  // namespace looplab::demos::testing
