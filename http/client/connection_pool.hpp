// http/client/connection_pool.hpp: the connections of a ClientSession: how many may be open, which
// idle one a request reuses, who waits for one, and when an idle one is closed.
//
// aiohttp: BaseConnector / TCPConnector (aiohttp/connector.py): limit, limit_per_host,
//          keepalive_timeout, the per-key _conns of idle connections and the _waiters queue.
// requests: urllib3's PoolManager / HTTPConnectionPool.
//
// Rules:
//   - Counting. A connection counts against `limit` (and against its host's `limit_per_host`)
//     from the moment a request reserves it (before the connect) until we close it: connecting,
//     in use, and idle all count. So `limit` is the most connections open at once (aiohttp
//     counts only the ones in use, and lets idle ones pile up beyond it). 0 means no limit.
//   - Keys. Connections are pooled per (scheme, host, port) and, for https, per TLS context
//     (aiohttp's ConnectionKey has its ssl too): a connection verified under one context's
//     trust and settings must not serve a request that asked for others. The context's
//     address stands for it: every pooled https connection holds its context alive (its
//     SSLProtocol does), so no other context can have that address while the key exists.
//   - TLS. An https connection is a TCP connect ("connect" phase) and then a TLS handshake on
//     it ("tls" phase), net::tls::start_tls with the request's host as SNI and for the
//     certificate check. Sessions are resumed through the context's session cache, so only
//     the first connection to a server pays for a full handshake. The connect deadline bounds
//     both steps; a handshake failure is ClientSSLError (ClientConnectorCertificateError when
//     the certificate is the problem), its timeout phase tls_handshake.
//   - Reuse. A request takes an idle connection to its host:port if there is one: the most
//     recently used first (LIFO), which is the one least likely to have been closed by the
//     server, and which lets the others age out. Reused connections are checked for an end of
//     stream seen while idle; the retry in ClientSession covers the race the check cannot see.
//   - Making room. A request that may open a connection but finds the total at `limit` closes
//     the oldest idle connection (of any host) instead of waiting for it to expire.
//   - Waiting. Otherwise the request queues; whenever a slot or an idle connection frees up,
//     the queue is scanned in order and each waiter that can now proceed is handed its
//     connection or its reserved slot (hand-off, as runtime's Semaphore: nobody arriving later
//     can take it first). Invariant after every scan: no queued waiter could proceed. A waiter
//     for a host at its per-host limit does not block waiters for other hosts behind it. A
//     scan costs O(waiters), and stops at once while nothing is idle and the total is at
//     `limit` (nobody could proceed), so 1,000 requests queued behind limit=100 do not make
//     every release walk the whole queue.
//   - Freeing a slot (a connection closed, a connect failed, an unused reserved slot given
//     back). Outside a scan it is always the same three steps, free_slot(): uncount it, hand it
//     on (wake_waiters: the queue has first claim, so nobody arriving later overtakes a
//     waiter), and prune the host's entry if nothing counts against it any more. Inside a
//     scan (try_grant evicting an idle connection, or dropping a dead one) only the first:
//     the scan itself hands on what is free, and an entry it holds must not be pruned.
//   - Idle expiry. Each idle connection has a timer; after keepalive_timeout it is closed. An
//     idle connection the server closes (or that receives anything unasked) leaves the pool as
//     soon as its connection_lost arrives.
//   - Leases. acquire() returns a ConnectionLease; release() gives the connection back (kept
//     idle if it can carry another request, else closed) and destroying an unreleased lease
//     closes the connection: an exception or a cancellation anywhere in a request therefore
//     closes its connection, and a half-used connection is never reused.
//
// A waiter's states (Waiter below; acquire() queues one when try_grant finds nothing free):
//
//     queued ----- wake_waiters: try_grant succeeded ----> handed over: `granted` (an idle
//     (in waiters_,                                         connection) or `reserved` (a slot
//      ready pending)                                       counted for it); ready done, and
//        |                                                  out of the queue
//        +-------- its deadline's timer fired -----------> timed out (`timed_out`; ready done)
//        +-------- abort_all (session closed) -----------> failed (ready holds the error;
//        |                                                  the queue is cleared)
//        +-------- its task was cancelled ---------------> cancelled (ready cancelled)
//
//     any state --- acquire()'s frame ends ---> left (leave_queue): out of the queue, and a
//                   hand-off the request will not use (it was cancelled just after the hand-
//                   over) goes back: `granted` through give_back, `reserved` through free_slot.
//
// A done waiter still in the queue (timed out, cancelled) is dropped by the next scan or when
// it leaves, whichever is first; a scan never hands anything to a done waiter. On the normal
// path acquire() takes the hand-off out of the waiter before it leaves, so nothing goes back.
//
// Lifetime: owned by shared_ptr (the session, every lease, and the connections' lost callbacks
// through a weak_ptr), so a response that outlives its session still releases safely. A lease
// released when its loop is not running in this thread (a response kept past run()) only frees
// its slot: nothing can be scheduled on a loop that has ended, and the transport is the loop's
// to free. Loop-thread only.
//
// Proxies (Destination::proxy, proxy.hpp): a new connection goes to the proxy instead, and
// for https opens a CONNECT tunnel (open_tunnel) before the TLS step; its key says so
// (origin_key.hpp: via_proxy), so it never serves a direct request, nor a direct one it.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/client/client_connection.hpp"
#include "http/client/client_timeout.hpp"
#include "http/client/destination.hpp"
#include "http/client/request_trace.hpp"
#include "http/client/tls_info.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/url.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::http::detail {

class ConnectionPool;

struct PoolOptions {
    std::size_t limit = 100;         // 0: no limit
    std::size_t limit_per_host = 0;  // 0: no limit
    Duration keepalive_timeout{};    // zero: never keep a connection idle
    ParserLimits parser_limits;
    // https: the handshake's own bound (asyncio's ssl_handshake_timeout), besides the
    // request's connect and total deadlines.
    Duration ssl_handshake_timeout = std::chrono::seconds(60);
};

// Counters for tests and demos (ClientSession's stats accessors).
struct PoolStats {
    std::size_t opened = 0;                // TCP connections made
    std::size_t reused = 0;                // requests that got an idle connection
    std::size_t peak_active = 0;           // most connections in use (or connecting) at once
    std::size_t tls_handshakes = 0;        // https connections made (TLS handshakes done)
    std::size_t tls_sessions_resumed = 0;  // of which resumed an earlier TLS session
};

// The right to use one connection for one exchange (aiohttp: Connection). Move-only.
class ConnectionLease {
public:
    ConnectionLease() = default;
    ConnectionLease(std::shared_ptr<ConnectionPool> pool, std::shared_ptr<ClientConnection> conn,
                    std::string key, bool reused)
        : pool_(std::move(pool)), conn_(std::move(conn)), key_(std::move(key)), reused_(reused) {}
    ConnectionLease(ConnectionLease&& other) noexcept = default;
    ConnectionLease& operator=(ConnectionLease&& other) noexcept {
        if (this != &other) {
            discard();
            pool_ = std::move(other.pool_);
            conn_ = std::move(other.conn_);
            key_ = std::move(other.key_);
            reused_ = other.reused_;
        }
        return *this;
    }
    ~ConnectionLease() { discard(); }

    explicit operator bool() const noexcept { return conn_ != nullptr; }
    ClientConnection& connection() const noexcept { return *conn_; }
    // Whether the connection came from the idle list (served a request before).
    bool reused() const noexcept { return reused_; }

    // Gives the connection back: kept idle if `reusable` and it can carry another request,
    // closed otherwise. The lease is empty afterwards. No-op on an empty lease.
    void release(bool reusable);
    // Closes the connection and frees its slot. No-op on an empty lease.
    void discard() noexcept;

private:
    std::shared_ptr<ConnectionPool> pool_;
    std::shared_ptr<ClientConnection> conn_;
    std::string key_;  // Destination::key
    bool reused_ = false;
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
public:
    static std::shared_ptr<ConnectionPool> make(EventLoop& loop, PoolOptions options,
                                                PoolStats carried_over = {});
    ~ConnectionPool();
    ConnectionPool(const ConnectionPool&) = delete;
    ConnectionPool& operator=(const ConnectionPool&) = delete;

    // A connection to `to`: an idle one (only if allow_reuse), or a new one, waiting in the
    // queue if the limits say so. `connect` bounds the pool wait (reported as phase pool), the
    // connect (phase connect) and an https handshake (phase tls_handshake) together; `total`
    // bounds them too. Throws ClientTimeoutError, ClientConnectionError (cause: the
    // net::NetError), ClientSSLError / ClientConnectorCertificateError (cause: the
    // net::tls::SSLError), InvalidStateError once closed, CancelledError. Holds no slot when
    // it throws. `trace` (may be null) gets the "pool wait", "connect" and "tls" phases; it
    // must outlive the call.
    Coro<ConnectionLease> acquire(Destination to, bool allow_reuse, std::optional<Deadline> connect,
                                  std::optional<Deadline> total, RequestTrace* trace = nullptr);

    // Closes every connection (idle and in use: responses still reading then fail) and fails
    // the queued waiters, then waits until every connection has delivered connection_lost,
    // i.e. every descriptor is closed. Later acquire() calls throw InvalidStateError.
    Coro<void> close();
    // close() without the wait, for a destructor.
    void abort_all() noexcept;

    EventLoop& loop() const noexcept { return loop_; }
    const PoolStats& stats() const noexcept { return stats_; }
    std::size_t idle_connections() const noexcept { return idle_count_; }
    std::size_t active_connections() const noexcept { return open_ - idle_count_; }
    // Nothing open, nobody waiting: the pool can be replaced (a session moving to a new loop).
    bool is_empty() const noexcept { return open_ == 0 && waiters_.empty() && live_.empty(); }

private:
    friend class ConnectionLease;
    struct Idle {
        std::shared_ptr<ClientConnection> conn;
        TimerHandle expiry;
        TimePoint since;
    };
    struct Host {
        std::size_t open = 0;    // counted connections (connecting, in use, idle)
        std::vector<Idle> idle;  // oldest first; reuse takes the back (LIFO)
    };
    struct Waiter {
        std::string key;
        bool allow_reuse = true;
        Future<void> ready;                         // completed on hand-off or at the deadline
        std::shared_ptr<ClientConnection> granted;  // an idle connection handed over
        bool reserved = false;                      // a slot for a new connection handed over
        bool timed_out = false;
    };
    enum class Grant { none, idle, reserved };

    ConnectionPool(EventLoop& loop, PoolOptions options, PoolStats stats);

    Grant try_grant(const std::string& key, bool allow_reuse,
                    std::shared_ptr<ClientConnection>& out);
    bool evict_oldest_idle(const std::string* only_key);
    void wake_waiters();
    void leave_queue(const std::shared_ptr<Waiter>& waiter) noexcept;
    Coro<ConnectionLease> connect_new(Destination to, std::optional<Deadline> connect,
                                      std::optional<Deadline> total, RequestTrace* trace);
    // https through a proxy, before the TLS step: CONNECT, and its 2xx (proxy.hpp).
    Coro<void> open_tunnel(const Destination& to, ClientConnection& conn,
                           std::optional<Deadline> deadline);
    // The TLS step of connect_new: the handshake on conn's transport (https only).
    Coro<void> start_tls(const Destination& to, std::shared_ptr<net::Transport> transport,
                         std::shared_ptr<ClientConnection> conn, std::optional<Deadline> deadline);
    void give_back(std::shared_ptr<ClientConnection> conn, const std::string& key, bool reusable);
    // Inside a scan: closes a counted connection and uncounts it (nothing handed on).
    void close_counted(const std::shared_ptr<ClientConnection>& conn, const std::string& key);
    // One slot of `key` fewer counts against the limits.
    void uncount(const std::string& key);
    // The rule for a slot that came free outside a scan: uncount(key), then hand_on(key).
    void free_slot(const std::string& key);
    // A slot or an idle connection of `key` came free: the queue gets first claim on it
    // (wake_waiters), then the host's entry goes if nothing counts against it (prune).
    // Never inside try_grant / wake_waiters, which hold a reference to an entry.
    void hand_on(const std::string& key);
    // Drops the host's entry once nothing counts against it and nothing is idle.
    void prune(const std::string& key);
    void on_lost(ClientConnection& conn, const std::string& key);
    void expire_idle(const std::string& key, ClientConnection* conn);
    void note_active();

    EventLoop& loop_;
    PoolOptions options_;
    PoolStats stats_;
    std::unordered_map<std::string, Host> hosts_;  // by Destination::key
    std::list<std::shared_ptr<Waiter>> waiters_;   // FIFO; done entries are dropped by scans
    // Every connection whose connection_lost has not run yet (close() waits for them).
    std::unordered_map<ClientConnection*, std::weak_ptr<ClientConnection>> live_;
    std::size_t open_ = 0;        // counted connections, all hosts
    std::size_t idle_count_ = 0;  // of which idle
    bool closed_ = false;
    Future<void> all_lost_;  // close() waits on it while live_ is not empty
};

}  // namespace looplab::http::detail
