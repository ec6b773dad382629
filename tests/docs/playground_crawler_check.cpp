// tests/docs/playground_crawler_check.cpp: the check of the playground's crawler exercise
// (docs/playground/crawler.hpp), linked with either file that defines playground::crawl:
//
//   docs.playground.crawler (ctest, labels docs and playground): against the reference,
//       docs/playground/solutions/crawler.cpp, so that a broken check or solution fails;
//   check_playground_crawler (a build target, not run by ctest): against the student's
//       docs/playground/crawler.cpp, which fails until the exercise is done.
//
// Virtual time (ManualClock) and a fake fetch that records when it was called: the schedule
// is exact to the millisecond, and no network is needed.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "crawler.hpp"
#include "runtime/clock.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace {

using looplab::Coro;
using namespace std::chrono_literals;

// "a.test/2@500": the URL without "http://", and the virtual ms at which its fetch began.
struct FetchLog {
    looplab::TimePoint start;
    std::vector<std::string> entries;
};

std::string virtual_ms_since(looplab::TimePoint start) {
    const auto d = looplab::get_running_loop().time() - start;
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

// A fetch that takes 30 virtual ms and answers "body of URL".
Coro<std::string> fake_fetch(FetchLog& log, std::string url) {
    log.entries.push_back(url.substr(7) + "@" + virtual_ms_since(log.start));
    co_await looplab::sleep(30ms);
    co_return "body of " + url;
}

struct CrawlOutcome {
    std::vector<std::string> bodies;
    std::vector<std::string> fetches;  // sorted by time, then by name
    std::string took_ms;
};

CrawlOutcome crawl_on_virtual_time(std::vector<std::string> urls, double rate) {
    looplab::ManualClock clock;
    looplab::EventLoopOptions options;
    options.clock = &clock;
    CrawlOutcome outcome;
    auto main = [&]() -> Coro<void> {
        FetchLog log{looplab::get_running_loop().time(), {}};
        playground::Fetch fetch = [&log](std::string url) { return fake_fetch(log, url); };
        outcome.bodies = co_await playground::crawl(urls, fetch, rate);
        outcome.took_ms = virtual_ms_since(log.start);
        outcome.fetches = log.entries;
    };
    looplab::run(main(), options);
    std::sort(outcome.fetches.begin(), outcome.fetches.end(), [](const auto& a, const auto& b) {
        const auto at = [](const std::string& s) { return std::stol(s.substr(s.find('@') + 1)); };
        return at(a) != at(b) ? at(a) < at(b) : a < b;
    });
    return outcome;
}

TEST(PlaygroundCrawler, RequestsToOneHostStartHalfASecondApartAtTwoPerSecond) {
    const auto outcome =
        crawl_on_virtual_time({"http://a.test/1", "http://a.test/2", "http://a.test/3"}, 2.0);
    EXPECT_EQ(outcome.fetches,
              (std::vector<std::string>{"a.test/1@0", "a.test/2@500", "a.test/3@1000"}));
    EXPECT_EQ(outcome.took_ms, "1030");
}

TEST(PlaygroundCrawler, HostsDoNotWaitForEachOtherButEachKeepsItsOwnRate) {
    const auto outcome =
        crawl_on_virtual_time({"http://a.test/1", "http://b.test/1", "http://a.test/2",
                               "http://b.test/2", "http://a.test/3", "http://b.test:8080/1"},
                              2.0);
    EXPECT_EQ(outcome.fetches,
              (std::vector<std::string>{"a.test/1@0", "b.test/1@0", "b.test:8080/1@0",
                                        "a.test/2@500", "b.test/2@500", "a.test/3@1000"}));
}

TEST(PlaygroundCrawler, ReturnsTheBodiesInTheOrderOfTheUrls) {
    const auto outcome =
        crawl_on_virtual_time({"http://a.test/2", "http://b.test/1", "http://a.test/1"}, 10.0);
    EXPECT_EQ(outcome.bodies,
              (std::vector<std::string>{"body of http://a.test/2", "body of http://b.test/1",
                                        "body of http://a.test/1"}));
}

TEST(PlaygroundCrawler, ARateThatIsNotPositiveIsRefusedBeforeAnyFetch) {
    EXPECT_THROW(crawl_on_virtual_time({"http://a.test/1"}, 0.0), std::invalid_argument);
    EXPECT_THROW(crawl_on_virtual_time({"http://a.test/1"}, -1.0), std::invalid_argument);
}

}  // namespace
