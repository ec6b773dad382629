// docs/playground/crawler.hpp: the playground's crawler exercise (docs/course.md, lesson 11):
// fetch many URLs at once, but never more than `per_host_rate` requests per second to any one
// origin.
//
// asyncio/aiohttp: a crawler that pairs aiohttp.ClientSession with a per-host limiter
// (aiolimiter keyed by host), the 500 Lines crawler with politeness added.
//
// The fetch is passed in (I/O injected, as looplab's tests inject a clock), so the check runs
// on virtual time and its schedule is exact. With a real network it is a ClientSession get:
//
//     ClientSession session;
//     Fetch fetch = [&session](std::string url) -> Coro<std::string> {
//         ClientResponse r = co_await session.get(url);
//         co_return co_await r.text();
//     };
//     std::vector<std::string> bodies = co_await crawl(urls, fetch, 2.0);
//
// Your file is docs/playground/crawler.cpp; docs/playground/solutions/crawler.cpp is the
// reference. docs/playground/README.md says how to check yours.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/coro.hpp"

namespace playground {

using Fetch = std::function<looplab::Coro<std::string>(std::string url)>;

// Fetches every URL with `fetch`, concurrently, and returns the bodies in the order of `urls`.
// Requests to one origin (host and port, looplab::http::origin_key) start at least
// 1 / per_host_rate seconds apart, the first at once; requests to different origins never wait
// for each other. std::invalid_argument if per_host_rate is not positive (before any fetch).
looplab::Coro<std::vector<std::string>> crawl(std::vector<std::string> urls, Fetch fetch,
                                              double per_host_rate);

}  // namespace playground
