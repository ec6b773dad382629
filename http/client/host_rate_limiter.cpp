// http/client/host_rate_limiter.cpp: HostRateLimiter (see host_rate_limiter.hpp).
#include "http/client/host_rate_limiter.hpp"

#include <cctype>
#include <string>
#include <utility>

#include "runtime/exercise_not_done.hpp"

namespace looplab::http {

HostRateLimiter::HostRateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {
    const TokenBucket check(rate, burst);  // throws std::invalid_argument for bad values, now
}

TokenBucket& HostRateLimiter::bucket_for(const Url& url) {
    // exercise(host_rate_limiter): begin
    // Host names are case-insensitive (RFC 9110 4.2.3), so the key is lowercased; and it
    // spells the port out, where host_header() would drop ":80".
    std::string key = url.host();
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    key += ":" + std::to_string(url.port());
    auto it = buckets_.find(key);
    if (it == buckets_.end()) {
        it = buckets_.emplace(key, std::make_unique<TokenBucket>(rate_, burst_)).first;
    }
    return *it->second;
    // exercise(host_rate_limiter): end
}

Coro<void> HostRateLimiter::acquire(Url url) {
    TokenBucket& bucket = bucket_for(url);
    co_await bucket.acquire();
}

}  // namespace looplab::http
