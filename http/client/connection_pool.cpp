// http/client/connection_pool.cpp: see connection_pool.hpp.
#include "http/client/connection_pool.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "http/client/client_errors.hpp"
#include "http/client/origin_key.hpp"
#include "http/client/proxy.hpp"
#include "http/proto/protocol_error.hpp"
#include "net/errors.hpp"
#include "net/tls/create_connection.hpp"
#include "net/transport/create_connection.hpp"
#include "runtime/errors.hpp"
#include "runtime/timeout.hpp"

namespace looplab::http::detail {

namespace {
// The pool wait's label: "ClientSession pool wait for 127.0.0.1:8080 (no free connection)";
// subject: the waiter's key, which lives as long as the waiter.
void describe_pool_wait(const Label& label, const LabelView& view, std::string& out) {
    if (view.live) out += " for " + *static_cast<const std::string*>(label.subject);
    out += " (no free connection)";
}
}  // namespace

namespace {

using Phase = ClientTimeoutError::Phase;

}  // namespace

// ---- ConnectionLease ------------------------------------------------------------------------

void ConnectionLease::release(bool reusable) {
    if (!conn_) return;
    std::shared_ptr<ConnectionPool> pool = std::move(pool_);
    std::shared_ptr<ClientConnection> conn = std::move(conn_);
    pool->give_back(std::move(conn), key_, reusable);
}

void ConnectionLease::discard() noexcept {
    if (!conn_) return;
    try {
        release(false);
    } catch (...) {
        // Only possible while the loop itself is being closed (call_soon then throws); the
        // transport and its descriptor go with the loop's callbacks.
    }
    pool_.reset();
    conn_.reset();
}

// ---- Creation and teardown ------------------------------------------------------------------

std::shared_ptr<ConnectionPool> ConnectionPool::make(EventLoop& loop, PoolOptions options,
                                                     PoolStats carried_over) {
    return std::shared_ptr<ConnectionPool>(new ConnectionPool(loop, options, carried_over));
}

ConnectionPool::ConnectionPool(EventLoop& loop, PoolOptions options, PoolStats stats)
    : loop_(loop), options_(options), stats_(stats) {}

// Idle timers hold only a weak_ptr to the pool, so they may outlive it; connections belong to
// their transports. Nothing to do (and the loop may already be gone).
ConnectionPool::~ConnectionPool() = default;

void ConnectionPool::abort_all() noexcept {
    closed_ = true;
    try {
        for (const std::shared_ptr<Waiter>& w : waiters_) {
            if (!w->ready.done()) {
                w->ready.set_exception(ClientConnectionError(
                    "the session was closed while the request waited for a connection"));
            }
        }
        waiters_.clear();
        for (auto& [key, host] : hosts_) {
            for (Idle& idle : host.idle) {
                idle.expiry.cancel();
                idle.conn->abort();
            }
            host.open -= host.idle.size();
            open_ -= host.idle.size();
            host.idle.clear();
        }
        idle_count_ = 0;
        // Connections in use: their responses fail at the next read; their leases free the
        // slots when released.
        for (auto& [raw, weak] : live_) {
            if (std::shared_ptr<ClientConnection> conn = weak.lock()) conn->abort();
        }
    } catch (...) {
        // The loop is closed (abort() could not schedule connection_lost): nothing is left to
        // wait for, and the transports go with the loop's callbacks.
    }
}

Coro<void> ConnectionPool::close() {
    const std::shared_ptr<ConnectionPool> self = shared_from_this();
    abort_all();
    if (!live_.empty()) {
        all_lost_ = loop_.create_future<void>();
        co_await Future<void>(all_lost_);
    }
}

// ---- Acquiring --------------------------------------------------------------------------------

Coro<ConnectionLease> ConnectionPool::acquire(Destination to, bool allow_reuse,
                                              std::optional<Deadline> connect,
                                              std::optional<Deadline> total, RequestTrace* trace) {
    const std::shared_ptr<ConnectionPool> self = shared_from_this();
    if (closed_) throw InvalidStateError("ClientSession is closed");
    const std::string key = to.key;
    for (;;) {
        std::shared_ptr<ClientConnection> conn;
        Grant grant = try_grant(key, allow_reuse, conn);
        if (grant == Grant::none) {
            // Queue (FIFO) until wake_waiters hands us something, or the deadline passes.
            auto waiter = std::make_shared<Waiter>();
            waiter->key = key;
            waiter->allow_reuse = allow_reuse;
            waiter->ready = loop_.create_future<void>();
            waiter->ready.state()->set_label(
                {"ClientSession pool wait", &describe_pool_wait, &waiter->key, 0});
            waiters_.push_back(waiter);
            const std::optional<Deadline> deadline =
                earliest(as_phase(connect, Phase::pool), total);
            TimerHandle timer;
            if (deadline) {
                timer = loop_.call_at(deadline->when, [waiter] {
                    if (waiter->ready.done()) return;
                    waiter->timed_out = true;
                    waiter->ready.set_result();
                });
            }
            // However this frame ends (a timeout, a cancellation, or destroyed with its loop),
            // the waiter leaves the queue and a hand-off it will not use is given back.
            struct LeaveQueue {
                ConnectionPool& pool;
                const std::shared_ptr<Waiter>& waiter;
                ~LeaveQueue() { pool.leave_queue(waiter); }
            } leave{*this, waiter};
            // Left open if the wait fails: the request's trace ends it with the error.
            if (trace) trace->begin_phase("pool wait");
            try {
                co_await Future<void>(waiter->ready);
            } catch (...) {
                timer.cancel();
                throw;  // cancelled, or the session was closed
            }
            timer.cancel();
            if (waiter->timed_out) {
                throw deadline->error("waiting for a free connection to " + to.name);
            }
            if (trace) trace->end_phase();
            conn = std::move(waiter->granted);
            grant = conn ? Grant::idle : Grant::reserved;
            waiter->reserved = false;  // ours now: nothing for leave_queue to give back
        }
        if (grant == Grant::reserved) {
            co_return co_await connect_new(std::move(to), connect, total, trace);
        }
        // Handed over while idle, it may have died since (its connection_lost then found it
        // no longer in the idle list): close it and look again.
        if (conn->is_usable()) co_return ConnectionLease(self, std::move(conn), key, true);
        conn->abort();
        free_slot(key);
    }
}

Coro<ConnectionLease> ConnectionPool::connect_new(Destination to, std::optional<Deadline> connect,
                                                  std::optional<Deadline> total,
                                                  RequestTrace* trace) {
    const std::shared_ptr<ConnectionPool> self = shared_from_this();
    const Url& url = to.url;
    const std::string& key = to.key;
    if (trace) trace->begin_phase("connect");  // ended below, or by the request's error
    const std::optional<Deadline> deadline = earliest(connect, total);
    // Through a proxy the TCP connection goes to the proxy (proxy.hpp), and errors name it.
    const Url& where = to.proxy ? to.proxy->url : url;
    const std::string where_name = to.proxy ? to.proxy->name() : to.name;
    auto factory = [this] {
        return std::make_shared<ClientConnection>(loop_, options_.parser_limits);
    };
    std::shared_ptr<ClientConnection> conn;
    std::shared_ptr<net::Transport> transport;
    std::exception_ptr failure;
    // The slot was reserved by try_grant; every way out below either keeps it (a lease) or
    // frees it.
    try {
        if (deadline) {
            auto made = co_await timeout_at(
                deadline->when, net::create_connection(loop_, factory, where.host(), where.port()));
            transport = std::move(made.first);
            conn = std::move(made.second);
        } else {
            auto made = co_await net::create_connection(loop_, factory, where.host(), where.port());
            transport = std::move(made.first);
            conn = std::move(made.second);
        }
    } catch (const TimeoutError&) {  // looplab::TimeoutError: our deadline, from timeout_at
        failure = std::make_exception_ptr(deadline->error("connecting to " + where_name));
    } catch (const net::ConnectTimeoutError& e) {  // the kernel gave up on the SYNs first
        failure = std::make_exception_ptr(ClientTimeoutError(
            Phase::connect, "timed out connecting to " + where_name + ": " + e.what()));
    } catch (const net::NetError& e) {
        failure = std::make_exception_ptr(ClientConnectionError(
            "cannot connect to " + where_name + ": " + e.what(), std::current_exception()));
    } catch (...) {
        failure = std::current_exception();  // CancelledError
    }
    if (!failure && to.ssl && to.proxy) {
        try {
            co_await open_tunnel(to, *conn, deadline);
        } catch (...) {
            failure = std::current_exception();
            conn->abort();  // not yet the pool's: nothing else closes it
        }
    }
    if (!failure && to.ssl) {
        if (trace) trace->begin_phase("tls");  // ends "connect"
        try {
            co_await start_tls(to, transport, conn, deadline);
        } catch (...) {
            failure = std::current_exception();
        }
    }
    if (failure) {
        free_slot(key);
        std::rethrow_exception(failure);
    }
    ++stats_.opened;
    live_.emplace(conn.get(), conn);
    conn->set_on_lost([weak = weak_from_this(), key](ClientConnection& c) {
        if (std::shared_ptr<ConnectionPool> pool = weak.lock()) pool->on_lost(c, key);
    });
    // It may have been lost already, between connection_made and this line.
    if (conn->is_lost()) live_.erase(conn.get());
    if (closed_) {
        conn->abort();
        free_slot(key);
        throw InvalidStateError("ClientSession was closed while connecting");
    }
    if (trace) trace->end_phase();
    co_return ConnectionLease(self, std::move(conn), key, false);
}

// CONNECT on a new connection to the proxy, read with the connection's own parser (which
// knows that a 2xx to CONNECT has no body: the connection is a tunnel from there on). The
// connect budget covers it, as aiohttp counts the proxy's CONNECT in its connect timeout.
Coro<void> ConnectionPool::open_tunnel(const Destination& to, ClientConnection& conn,
                                       std::optional<Deadline> deadline) {
    const Proxy& proxy = *to.proxy;
    const std::string target = origin_key(to.url);
    conn.begin_request("CONNECT");
    try {
        conn.write(connect_request(to.url, proxy));
    } catch (const net::NetError& e) {
        throw ClientConnectionError(
            "connection to " + proxy.name() + " broke during CONNECT: " + e.what(),
            std::current_exception());
    }
    for (;;) {
        ResponseEvent event;
        try {
            event = conn.parser().next_event();
        } catch (const ProtocolError& e) {
            throw ClientProxyError(
                proxy.name() + " answered CONNECT with a malformed head: " + e.what(), 0);
        }
        if (auto* head = std::get_if<ResponseHead>(&event)) {
            check_tunnel_reply(TunnelReply{head->status, head->reason}, proxy, to.url);
            conn.end_tunnel_setup();
            co_return;
        }
        if (std::holds_alternative<InformationalResponse>(event)) continue;
        if (std::holds_alternative<ConnectionClosed>(event) || conn.is_lost()) {
            throw ClientProxyError(
                proxy.name() + " closed the connection instead of answering CONNECT " + target, 0);
        }
        const bool arrived = co_await conn.wait_for_data(
            deadline ? std::optional<TimePoint>(deadline->when) : std::nullopt);
        if (!arrived) {
            throw deadline->error("waiting for " + proxy.name() + " to open a tunnel to " + target);
        }
    }
}

// The handshake's failures become client errors (throw_handshake_error, shared with the
// blocking client); start_tls has aborted the connection by the time any of them is thrown.
Coro<void> ConnectionPool::start_tls(const Destination& to,
                                     std::shared_ptr<net::Transport> transport,
                                     std::shared_ptr<ClientConnection> conn,
                                     std::optional<Deadline> deadline) {
    net::tls::SSLOptions ssl(to.ssl);
    ssl.server_hostname = to.url.host();
    ssl.ssl_handshake_timeout = options_.ssl_handshake_timeout;
    const std::string doing = "tls handshake with " + to.name;
    try {
        std::shared_ptr<net::Transport> tls_transport;
        if (deadline) {
            tls_transport = co_await timeout_at(deadline->when,
                                                net::tls::start_tls(loop_, transport, conn, ssl));
        } else {
            tls_transport = co_await net::tls::start_tls(loop_, transport, conn, ssl);
        }
        conn->use_tls(*tls_transport);
    } catch (const TimeoutError&) {
        // The connect budget ran out in this step: say so (total keeps its own name).
        const Deadline d = *deadline;
        throw(d.phase == Phase::connect ? *as_phase(d, Phase::tls_handshake) : d).error(doing);
    } catch (const net::NetError&) {
        throw_handshake_error(doing);
    }
    ++stats_.tls_handshakes;
    if (conn->tls_info() && conn->tls_info()->session_reused) ++stats_.tls_sessions_resumed;
}

ConnectionPool::Grant ConnectionPool::try_grant(const std::string& key, bool allow_reuse,
                                                std::shared_ptr<ClientConnection>& out) {
    Host& host = hosts_[key];
    if (allow_reuse) {
        while (!host.idle.empty()) {
            Idle idle = std::move(host.idle.back());  // LIFO: the most recently used
            host.idle.pop_back();
            --idle_count_;
            idle.expiry.cancel();
            if (!idle.conn->is_usable()) {  // saw its end of stream while idle
                close_counted(idle.conn, key);
                continue;
            }
            idle.conn->set_idle(false);
            ++stats_.reused;
            out = std::move(idle.conn);
            note_active();
            return Grant::idle;
        }
    }
    // A new connection. Idle ones are evicted to make room (only the retry, which refuses to
    // reuse, can find idle connections of its own host here).
    if (options_.limit_per_host != 0 && host.open >= options_.limit_per_host &&
        !evict_oldest_idle(&key)) {
        return Grant::none;
    }
    if (options_.limit != 0 && open_ >= options_.limit && !evict_oldest_idle(nullptr)) {
        return Grant::none;
    }
    ++host.open;
    ++open_;
    note_active();
    return Grant::reserved;
}

bool ConnectionPool::evict_oldest_idle(const std::string* only_key) {
    Host* oldest = nullptr;
    const std::string* oldest_key = nullptr;
    for (auto& [key, host] : hosts_) {
        if (host.idle.empty() || (only_key && key != *only_key)) continue;
        if (!oldest || host.idle.front().since < oldest->idle.front().since) {
            oldest = &host;
            oldest_key = &key;
        }
    }
    if (!oldest) return false;
    Idle idle = std::move(oldest->idle.front());
    oldest->idle.erase(oldest->idle.begin());
    --idle_count_;
    idle.expiry.cancel();
    close_counted(idle.conn, *oldest_key);
    return true;
}

void ConnectionPool::leave_queue(const std::shared_ptr<Waiter>& waiter) noexcept {
    try {
        waiters_.remove(waiter);
        if (waiter->granted) {
            give_back(std::move(waiter->granted), waiter->key, true);
        } else if (waiter->reserved) {
            waiter->reserved = false;
            free_slot(waiter->key);
        }
    } catch (...) {
        // Only while the loop itself is closing (scheduling then throws).
    }
}

void ConnectionPool::wake_waiters() {
    // Off the loop (a lease dropped after its loop ended) there is nobody to wake: waiters are
    // tasks of that loop.
    if (try_get_running_loop() != &loop_) return;
    for (auto it = waiters_.begin(); it != waiters_.end();) {
        // Fast exit: at the limit with nothing idle, nobody can proceed.
        if (options_.limit != 0 && open_ >= options_.limit && idle_count_ == 0) return;
        Waiter& w = **it;
        if (w.ready.done()) {  // timed out or cancelled
            it = waiters_.erase(it);
            continue;
        }
        const Grant grant = try_grant(w.key, w.allow_reuse, w.granted);
        if (grant == Grant::none) {
            ++it;
            continue;
        }
        w.reserved = grant == Grant::reserved;
        w.ready.set_result();
        it = waiters_.erase(it);
    }
}

// ---- Giving back, closing, expiring ----------------------------------------------------------

void ConnectionPool::give_back(std::shared_ptr<ClientConnection> conn, const std::string& key,
                               bool reusable) {
    // Kept only while the loop runs here (it needs the loop's timer); off the loop the slot is
    // just freed (see ClientConnection::abort).
    const bool on_loop = try_get_running_loop() == &loop_;
    if (reusable && on_loop && !closed_ && options_.keepalive_timeout > Duration::zero() &&
        conn->is_usable()) {
        conn->set_idle(true);
        ClientConnection* raw = conn.get();
        TimerHandle expiry =
            loop_.call_later(options_.keepalive_timeout, [weak = weak_from_this(), key, raw] {
                if (std::shared_ptr<ConnectionPool> pool = weak.lock()) pool->expire_idle(key, raw);
            });
        hosts_[key].idle.push_back(Idle{std::move(conn), std::move(expiry), loop_.time()});
        ++idle_count_;
        hand_on(key);
    } else {
        conn->abort();
        free_slot(key);
    }
}

void ConnectionPool::close_counted(const std::shared_ptr<ClientConnection>& conn,
                                   const std::string& key) {
    conn->abort();
    uncount(key);
}

void ConnectionPool::uncount(const std::string& key) {
    auto it = hosts_.find(key);
    if (it == hosts_.end()) return;
    --it->second.open;
    --open_;
}

void ConnectionPool::free_slot(const std::string& key) {
    uncount(key);
    hand_on(key);
}

void ConnectionPool::hand_on(const std::string& key) {
    wake_waiters();
    prune(key);
}

void ConnectionPool::prune(const std::string& key) {
    auto it = hosts_.find(key);
    if (it != hosts_.end() && it->second.open == 0 && it->second.idle.empty()) hosts_.erase(it);
}

void ConnectionPool::on_lost(ClientConnection& conn, const std::string& key) {
    live_.erase(&conn);
    auto it = hosts_.find(key);
    if (it != hosts_.end()) {
        std::vector<Idle>& idle = it->second.idle;
        auto found = std::find_if(idle.begin(), idle.end(),
                                  [&](const Idle& i) { return i.conn.get() == &conn; });
        if (found != idle.end()) {  // the server closed an idle connection
            found->expiry.cancel();
            idle.erase(found);
            --idle_count_;
            free_slot(key);
        }
    }
    if (closed_ && live_.empty() && all_lost_ && !all_lost_.done()) all_lost_.set_result();
}

void ConnectionPool::expire_idle(const std::string& key, ClientConnection* conn) {
    auto it = hosts_.find(key);
    if (it == hosts_.end()) return;
    std::vector<Idle>& idle = it->second.idle;
    auto found =
        std::find_if(idle.begin(), idle.end(), [&](const Idle& i) { return i.conn.get() == conn; });
    if (found == idle.end()) return;
    std::shared_ptr<ClientConnection> expired = std::move(found->conn);
    idle.erase(found);
    --idle_count_;
    expired->abort();
    free_slot(key);
}

void ConnectionPool::note_active() {
    stats_.peak_active = std::max(stats_.peak_active, open_ - idle_count_);
}

}  // namespace looplab::http::detail
