// http/client/client_timeout.hpp: how long a ClientSession request may take, phase by phase.
//
// aiohttp: aiohttp.ClientTimeout(total=300, connect=None, sock_read=None, ...) and the
//          TimerContext that turns each one into an asyncio.TimeoutError.
//
//     ClientTimeout t;
//     t.total = 5s;          // the whole request: pool wait, connect, redirects, the body
//     t.connect = 1s;        // getting a connection: the pool wait plus the TCP connect
//     t.sock_read = 500ms;   // longest silence between two reads from the server
//
// Each setting becomes a deadline on the loop's clock, and every wait of a request (for a pool
// slot, for the connect, for the next bytes) waits until the EARLIEST deadline that applies to
// it. When that deadline passes, the wait fails with ClientTimeoutError naming the phase:
//   - total fired: phase total, wherever the request was;
//   - connect fired while queued for a pool slot: phase pool; while connecting: phase connect
//     (aiohttp reports both as "connect"; the split says whether to raise `limit` or to look
//     at the server); during an https connection's TLS handshake: phase tls_handshake ("tls
//     handshake": a server that accepts TCP and then says nothing, or a port that is not TLS);
//   - sock_read fired: phase sock_read.
//
// Why deadlines and not nested asyncio.timeout() scopes: a data wait completes its own future
// with "deadline passed" from a timer, so the phase is known where it fires and no task is
// cancelled for it. Only the connect step, a coroutine of net/ with waits of its own inside,
// is wrapped in runtime's timeout_at() (which cancels it and closes its socket).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/client/client_errors.hpp"
#include "runtime/clock.hpp"

namespace looplab::http {

// aiohttp.ClientTimeout. nullopt disables a setting. total's default is aiohttp's 5 minutes.
struct ClientTimeout {
    std::optional<Duration> total = std::chrono::seconds(300);
    std::optional<Duration> connect;    // pool wait + TCP connect (+ name resolution, + TLS)
    std::optional<Duration> sock_read;  // between two reads, from the request's end onwards
};

namespace detail {

// One deadline of a request: when it passes and which setting it comes from.
struct Deadline {
    TimePoint when;
    ClientTimeoutError::Phase phase;
    Duration budget;  // the configured duration, for the message

    // The deadline `budget` after `start`, or nullopt if the setting is disabled.
    static std::optional<Deadline> after(TimePoint start, std::optional<Duration> budget,
                                         ClientTimeoutError::Phase phase) {
        if (!budget) return std::nullopt;
        return Deadline{start + *budget, phase, *budget};
    }

    // The error this deadline raises; `doing` says what the request was doing ("connecting
    // to 127.0.0.1:8080").
    ClientTimeoutError error(std::string_view doing) const {
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(budget).count();
        using P = ClientTimeoutError::Phase;
        std::string setting(phase == P::pool || phase == P::connect || phase == P::tls_handshake
                                ? "connect"
                            : phase == P::sock_read ? "sock_read"
                                                    : "total");
        return ClientTimeoutError(
            phase, "timed out " + std::string(doing) + ": the " + setting + " timeout of " +
                       std::to_string(ms) + " ms passed (phase: " +
                       std::string(ClientTimeoutError::phase_name(phase)) + ")");
    }
};

// The earlier of two deadlines; on a tie, `a` (so pass the more specific phase first).
inline std::optional<Deadline> earliest(const std::optional<Deadline>& a,
                                        const std::optional<Deadline>& b) {
    if (!a) return b;
    if (!b) return a;
    return b->when < a->when ? b : a;
}

// The same deadline reported as another phase (the connect budget while in the pool queue).
inline std::optional<Deadline> as_phase(std::optional<Deadline> d, ClientTimeoutError::Phase p) {
    if (d) d->phase = p;
    return d;
}

}  // namespace detail

}  // namespace looplab::http
