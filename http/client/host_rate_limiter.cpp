// http/client/host_rate_limiter.cpp: HostRateLimiter (see host_rate_limiter.hpp).
#include "http/client/host_rate_limiter.hpp"

#include <string>
#include <utility>

#include "http/client/origin_key.hpp"
#include "runtime/exercise_not_done.hpp"

namespace looplab::http {

HostRateLimiter::HostRateLimiter(double rate, double burst) : rate_(rate), burst_(burst) {
    const TokenBucket check(rate, burst);  // throws std::invalid_argument for bad values, now
}

TokenBucket& HostRateLimiter::bucket_for(const Url& url) {
    // exercise(host_rate_limiter): begin
    // The origin as the pools name it (origin_key.hpp): lowercased host, and the port spelled
    // out where host_header() would drop ":80".
    const std::string key = origin_key(url);
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
