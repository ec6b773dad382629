// docs/playground/crawler.cpp: YOUR crawler (crawler.hpp says what it must do).
//
// This skeleton fetches everything at once and ignores per_host_rate, so the check fails:
//     cmake --build build --target check_playground_crawler
// Make it wait for its origin's turn before each fetch. Two ways, both fine:
//   - looplab::http::HostRateLimiter (http/client/host_rate_limiter.hpp, the graded exercise
//     of lesson 11, with burst 1), or
//   - your own: each origin's next free start time, and looplab::sleep until it.
#include "crawler.hpp"

#include <stdexcept>
#include <utility>

#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"

namespace playground {

namespace {

looplab::Coro<std::string> fetch_one(const Fetch& fetch, std::string url) {
    // TODO: wait here until this URL's origin may be fetched again.
    co_return co_await fetch(std::move(url));
}

}  // namespace

looplab::Coro<std::vector<std::string>> crawl(std::vector<std::string> urls, Fetch fetch,
                                              double per_host_rate) {
    if (!(per_host_rate > 0)) throw std::invalid_argument("crawl: per_host_rate must be > 0");
    looplab::EventLoop& loop = looplab::get_running_loop();
    std::vector<looplab::Task<std::string>> tasks;
    for (std::string& url : urls) tasks.push_back(loop.create_task(fetch_one(fetch, url)));
    std::vector<std::string> bodies;
    for (looplab::Task<std::string>& task : tasks) {
        std::string body = co_await task;
        bodies.push_back(std::move(body));
    }
    co_return bodies;
}

}  // namespace playground
