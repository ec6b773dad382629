// docs/playground/solutions/crawler.cpp: the reference crawler (crawler.hpp says what it does).
//
// Each origin has a next free start time. A fetch takes the later of "now" and that time as
// its own start, moves the origin's time 1 / rate later, and sleeps until its start: a token
// bucket of burst 1 (runtime/sync/token_bucket.hpp), written out in a few lines so that this
// file does not depend on the graded exercises (it must pass in the starter copy too). With
// your HostRateLimiter solved, `co_await limiter.acquire(Url::parse(url))` does the same.
//
// Why slots are taken before sleeping, not after: two fetches of one origin created in the
// same iteration must get different slots; taking the slot is synchronous, so the second
// sees the first's.
#include "../crawler.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>
#include <utility>

#include "http/client/origin_key.hpp"
#include "http/proto/url.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"

namespace playground {

namespace {

// Each origin's next free start time (loop-thread only).
class Schedule {
public:
    explicit Schedule(double per_second)
        : spacing_(std::chrono::duration_cast<looplab::Duration>(
              std::chrono::duration<double>(1.0 / per_second))) {}

    // How long a fetch of `url` must wait from now; takes its slot.
    looplab::Duration take_turn(const std::string& url) {
        const std::string origin = looplab::http::origin_key(looplab::http::Url::parse(url));
        const looplab::TimePoint now = looplab::get_running_loop().time();
        auto [it, fresh] = next_.try_emplace(origin, now);
        const looplab::TimePoint start = std::max(now, it->second);
        it->second = start + spacing_;
        return start - now;
    }

private:
    looplab::Duration spacing_;
    std::map<std::string, looplab::TimePoint> next_;
};

looplab::Coro<std::string> fetch_in_turn(Schedule& schedule, const Fetch& fetch, std::string url) {
    const looplab::Duration wait = schedule.take_turn(url);
    if (wait > looplab::Duration::zero()) co_await looplab::sleep(wait);
    co_return co_await fetch(std::move(url));
}

}  // namespace

looplab::Coro<std::vector<std::string>> crawl(std::vector<std::string> urls, Fetch fetch,
                                              double per_host_rate) {
    if (!(per_host_rate > 0)) throw std::invalid_argument("crawl: per_host_rate must be > 0");
    Schedule schedule(per_host_rate);
    looplab::EventLoop& loop = looplab::get_running_loop();
    std::vector<looplab::Task<std::string>> tasks;
    for (std::string& url : urls) {
        tasks.push_back(loop.create_task(fetch_in_turn(schedule, fetch, url)));
    }
    std::vector<std::string> bodies;
    for (looplab::Task<std::string>& task : tasks) {
        std::string body = co_await task;
        bodies.push_back(std::move(body));
    }
    co_return bodies;
}

}  // namespace playground
