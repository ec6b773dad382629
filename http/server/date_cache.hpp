// http/server/date_cache.hpp: the Date header every response carries, formatted at most once a
// second.
//
// nginx:   ngx_cached_http_time (src/core/ngx_times.c), which ngx_time_update() rewrites at
//          most once per second and every response copies
// aiohttp: helpers.rfc822_formatted_time(), the same per-second cache
//
// RFC 9110 6.6.1: an origin server with a clock MUST send Date in its 2xx, 3xx and 4xx
// responses (and may in the others; looplab sends it in every final response). The value has
// one-second resolution, so formatting it anew for each of 100,000 responses a second would
// redo the same gmtime and the same 29 characters 100,000 times: the cache compares the current
// second with the one it formatted, and formats only when they differ. Reading the clock is a
// vDSO call (no syscall) on Linux. One cache per server, read on its loop's thread only, so it
// needs no lock.
//
// The format is IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", built from fixed English names:
// strftime's %a / %b would follow the process's locale, and the HTTP date is not localised.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <string>
#include <string_view>

namespace looplab::http {

class DateCache {
public:
    // Seconds since the Unix epoch. The default reads the system clock; tests pass their own.
    using Clock = std::function<std::time_t()>;

    explicit DateCache(Clock clock = [] { return std::time(nullptr); });

    // The Date value for the current second. The view is valid until a later call that falls
    // in another second.
    std::string_view now();

    // How many times the value was formatted: at most once per distinct second asked for.
    std::uint64_t formatted() const noexcept { return formatted_; }

    // `t` as an IMF-fixdate (RFC 9110 5.6.7).
    static std::string format(std::time_t t);

private:
    Clock clock_;
    std::time_t second_ = -1;  // the second text_ was formatted for
    std::string text_;
    std::uint64_t formatted_ = 0;
};

}  // namespace looplab::http
