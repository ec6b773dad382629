// runtime/sync/token_bucket.hpp: at most `rate` acquisitions per second, with bursts of `burst`.
//
// asyncio: none in the standard library; aiolimiter.AsyncLimiter is the usual package
//          (a leaky bucket), and aiohttp's TCPConnector(limit_per_host=...) the cousin that
//          limits connections rather than requests per second.
//
//     TokenBucket bucket(10.0, 5.0);   // 10 per second on average, 5 at once after a pause
//     co_await bucket.acquire();       // suspends this task until a token is there
//
// The bucket holds up to `burst` tokens and starts full. Tokens flow in continuously at
// `rate` per second (computed from the loop's clock when needed, not by a timer ticking in the
// background: an idle bucket costs nothing). acquire() takes one token, first waiting with
// sleep() for as long as the next token needs to arrive.
//
// Fair, first come first served: waiting tasks queue on a Lock (FIFO by hand-off), so a task
// that arrives while others wait cannot grab the token they are sleeping for; try_acquire()
// refuses while anyone waits for the same reason. Cancelled waiters leave the queue (the Lock
// guarantees that) without taking a token. Time is the loop's clock, so virtual-time tests
// (ManualClock) check the exact schedule without sleeping.
//
// Semaphore limits how many run at once; this limits how many start per second. A client
// that must be polite to a server (an API quota, a crawler) needs the second.
//
// This file is graded exercise "token_bucket" (docs/course.md, lesson 11): the bodies of
// refill() and acquire() in token_bucket.cpp are the regions a starter copy leaves out.
#pragma once

#include "runtime/clock.hpp"
#include "runtime/coro.hpp"
#include "runtime/sync/lock.hpp"

namespace looplab {

// Loop-thread only. Not copyable or movable (waiting tasks refer to it).
class TokenBucket {
public:
    // rate: tokens per second, > 0; burst: capacity, >= 1. std::invalid_argument otherwise.
    TokenBucket(double rate, double burst);
    TokenBucket(const TokenBucket&) = delete;
    TokenBucket& operator=(const TokenBucket&) = delete;

    // Takes one token, suspending until one has arrived and every earlier waiter has had
    // theirs. Throws CancelledError if cancelled while waiting (no token is taken then).
    Coro<void> acquire();

    // Takes a token if one is there and nobody is waiting; never suspends. Needs a running
    // loop (for its clock).
    bool try_acquire();

    // Tokens in the bucket now (fractional), after crediting the time since the last look.
    double tokens();

    double rate() const noexcept { return rate_; }
    double burst() const noexcept { return burst_; }

private:
    // Credits the tokens earned since last_refill_, capped at burst_.
    void refill();
    // How long until one whole token is in the bucket (zero if there is one).
    Duration time_until_token() const;

    double rate_;
    double burst_;
    double tokens_;          // starts full
    TimePoint last_refill_;  // when tokens_ was last brought up to date
    bool started_ = false;   // last_refill_ is set on first use, from the running loop's clock
    Lock waiters_;           // held by the task waiting for the next token
};

}  // namespace looplab
