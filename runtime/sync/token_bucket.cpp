// runtime/sync/token_bucket.cpp: TokenBucket (see token_bucket.hpp).
#include "runtime/sync/token_bucket.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "runtime/event_loop.hpp"
#include "runtime/exercise_not_done.hpp"
#include "runtime/sleep.hpp"

namespace looplab {

TokenBucket::TokenBucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {
    // !(x > 0) also refuses NaN.
    if (!(rate > 0.0) || !std::isfinite(rate)) {
        throw std::invalid_argument("TokenBucket: rate must be a positive number of tokens/s");
    }
    if (!(burst >= 1.0) || !std::isfinite(burst)) {
        throw std::invalid_argument("TokenBucket: burst must be at least 1 token");
    }
}

void TokenBucket::refill() {
    // exercise(token_bucket): begin
    const TimePoint now = get_running_loop().time();
    if (!started_) {
        started_ = true;
        last_refill_ = now;
        return;
    }
    const double seconds = std::chrono::duration<double>(now - last_refill_).count();
    tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    last_refill_ = now;
    // exercise(token_bucket): end
}

Duration TokenBucket::time_until_token() const {
    if (tokens_ >= 1.0) return Duration::zero();
    // Rounded up to the nanosecond: rounding down would wake a hair early, find 0.99999 of a
    // token and sleep again for one nanosecond.
    const double ns = std::ceil((1.0 - tokens_) / rate_ * 1e9);
    return Duration(static_cast<Duration::rep>(ns));
}

Coro<void> TokenBucket::acquire() {
    // exercise(token_bucket): begin
    co_await waiters_.acquire();
    try {
        refill();
        while (tokens_ < 1.0) {
            co_await sleep(time_until_token());
            refill();
        }
        tokens_ -= 1.0;
    } catch (...) {
        waiters_.release();
        throw;
    }
    waiters_.release();
    // exercise(token_bucket): end
}

bool TokenBucket::try_acquire() {
    refill();
    if (waiters_.locked() || tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
}

double TokenBucket::tokens() {
    refill();
    return tokens_;
}

}  // namespace looplab
