// http/server/date_cache.cpp: see date_cache.hpp.
#include "http/server/date_cache.hpp"

#include <cstdio>
#include <utility>

namespace looplab::http {

DateCache::DateCache(Clock clock) : clock_(std::move(clock)) {}

std::string_view DateCache::now() {
    const std::time_t second = clock_();
    if (second != second_) {
        text_ = format(second);
        second_ = second;
        ++formatted_;
    }
    return text_;
}

std::string DateCache::format(std::time_t t) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[40];
    const int n = std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                                kDays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon],
                                utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return std::string(text, n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace looplab::http
