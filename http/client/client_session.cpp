// http/client/client_session.cpp: the request path of ClientSession (client_session.hpp).
#include "http/client/client_session.hpp"

#include <exception>
#include <utility>
#include <variant>

#include "http/client/client_errors.hpp"
#include "http/client/redirects.hpp"
#include "http/proto/message.hpp"
#include "http/proto/protocol_error.hpp"
#include "http/proto/serializer.hpp"
#include "net/errors.hpp"
#include "runtime/errors.hpp"
#include "runtime/task.hpp"

namespace looplab::http {

namespace {

using Phase = ClientTimeoutError::Phase;

// Thrown by exchange() when a reused connection was dead before the response began; send()
// retries (or refuses to) and never lets it escape.
struct StaleConnection {
    std::exception_ptr cause;
};

// Bodies up to this size are copied behind the head and sent in one write; larger ones are
// written on their own, which costs a second send() instead of a copy of the body.
constexpr std::size_t kInlineBodyLimit = 16 * 1024;
// A redirect's body is read and dropped (so its connection is reused) up to this size; a
// longer one closes the connection instead.
constexpr std::size_t kRedirectDrainLimit = 64 * 1024;

bool sends_body(std::string_view method, std::string_view body) {
    return !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
}

// The request head's fields: the session's defaults, replaced by the request's own fields of
// the same name, plus User-Agent and Accept unless given (aiohttp sends both too).
Headers merge_headers(const Headers& session, const Headers& request) {
    Headers merged = session;
    for (const HeaderField& f : request) merged.remove(f.name);
    for (const HeaderField& f : request) merged.add(f.name, f.value);
    if (!merged.contains("User-Agent")) merged.add("User-Agent", "looplab/0.1");
    if (!merged.contains("Accept")) merged.add("Accept", "*/*");
    return merged;
}

// The request head (and a small body) as bytes; Host comes from the URL.
std::string serialize_request(const std::string& method, const Url& url, const Headers& headers,
                              const std::string& body) {
    std::string out;
    write_request_head(
        out, method, url.target(), url.host_header(), headers,
        sends_body(method, body) ? OutgoingBody::of_length(body.size()) : OutgoingBody::none());
    if (body.size() <= kInlineBodyLimit) out.append(body);
    return out;
}

}  // namespace

ClientSession::ClientSession(ClientSessionOptions options) : options_(std::move(options)) {}

ClientSession::~ClientSession() {
    // Aborting needs the loop's call_soon: only possible while that loop runs here.
    if (pool_ && try_get_running_loop() == &pool_->loop()) pool_->abort_all();
}

std::shared_ptr<detail::ConnectionPool> ClientSession::bind_pool() {
    EventLoop& loop = get_running_loop();
    if (closed_) throw InvalidStateError("ClientSession is closed");
    if (pool_ && &pool_->loop() != &loop) {
        // Like runtime's WaiterQueue: an idle session may move to another loop (a test's next
        // run()); one with connections of another loop may not.
        if (!pool_->is_empty()) {
            throw InvalidStateError("ClientSession has connections on another event loop");
        }
        pool_ = detail::ConnectionPool::make(
            loop,
            {options_.limit, options_.limit_per_host, options_.keepalive_timeout, options_.limits},
            pool_->stats());
    }
    if (!pool_) {
        pool_ = detail::ConnectionPool::make(loop, {options_.limit, options_.limit_per_host,
                                                    options_.keepalive_timeout, options_.limits});
    }
    return pool_;
}

Coro<void> ClientSession::close() {
    closed_ = true;
    if (pool_) {
        const std::shared_ptr<detail::ConnectionPool> pool = pool_;
        co_await pool->close();
    }
}

// ---- The request path ---------------------------------------------------------------------

Coro<ClientResponse> ClientSession::request(std::string method, std::string url_text,
                                            Headers headers, std::string body,
                                            RequestOptions options) {
    const std::shared_ptr<detail::ConnectionPool> pool = bind_pool();
    // The request's slice on the loop's tracer, if any (request_trace.hpp): it ends with the
    // body (in the response), or here with the error.
    detail::RequestTrace trace(pool->loop(), method, url_text);
    try {
        const ClientTimeout timeout = options.timeout.value_or(options_.timeout);
        const std::optional<detail::Deadline> total =
            detail::Deadline::after(pool->loop().time(), timeout.total, Phase::total);
        Headers merged = merge_headers(options_.headers, headers);
        // Our own "Connection: close" means the connection is not to be reused.
        const bool reusable = keep_alive(HttpVersion{1, 1}, merged);
        Url url = Url::parse(url_text);
        for (int redirects = 0;; ++redirects) {
            const std::string head = serialize_request(method, url, merged, body);
            ClientResponse response =
                co_await send(pool, method, url, head, body, reusable, timeout, total, trace);
            std::optional<Redirect> next;
            if (options.allow_redirects) {
                next = redirect_for(response.status, method, url, response.headers);
            }
            if (!next) {
                response.adopt_trace(std::move(trace));
                co_return response;
            }
            if (redirects >= options_.max_redirects) {
                throw TooManyRedirects(options_.max_redirects, next->url.str());
            }
            co_await response.discard_body(kRedirectDrainLimit);
            trace.end_phase();  // this hop's body
            if (next->cross_origin) drop_credentials(merged);
            url = std::move(next->url);
            method = std::move(next->method);
            if (!next->keep_body) body.clear();
        }
    } catch (...) {
        trace.fail(std::current_exception());
        throw;
    }
}

Coro<ClientResponse> ClientSession::send(std::shared_ptr<detail::ConnectionPool> pool,
                                         const std::string& method, const Url& url,
                                         const std::string& head, const std::string& body,
                                         bool reusable, const ClientTimeout& timeout,
                                         std::optional<detail::Deadline> total,
                                         detail::RequestTrace& trace) {
    std::exception_ptr stale;
    for (int attempt = 0;; ++attempt) {
        // connect covers the pool wait and the connect, per attempt (aiohttp: the same).
        const std::optional<detail::Deadline> connect =
            detail::Deadline::after(pool->loop().time(), timeout.connect, Phase::connect);
        // The retry refuses idle connections: they may all be stale (a restarted server).
        detail::ConnectionLease lease =
            co_await pool->acquire(url, attempt == 0, connect, total, &trace);
        const bool reused = lease.reused();
        try {
            co_return co_await exchange(std::move(lease), method, url, head, body, reusable,
                                        timeout, total, trace);
        } catch (const StaleConnection& s) {
            stale = s.cause;
        }
        trace.end_phase("stale connection");
        // Only a reused connection is ever stale, and the retry never reuses: one retry at most.
        if (!reused || attempt > 0) throw std::logic_error("ClientSession: stale fresh connection");
        if (!is_idempotent(method)) {
            throw ServerDisconnectedError("server " + url.host_header() +
                                              " closed a kept-alive connection; " + method +
                                              " is not retried",
                                          stale);
        }
    }
}

Coro<ClientResponse> ClientSession::exchange(detail::ConnectionLease lease,
                                             const std::string& method, const Url& url,
                                             const std::string& head, const std::string& body,
                                             bool reusable, const ClientTimeout& timeout,
                                             std::optional<detail::Deadline> total,
                                             detail::RequestTrace& trace) {
    detail::ClientConnection& conn = lease.connection();
    conn.begin_request(method);
    trace.begin_phase("send");
    try {
        conn.write(head);
        if (body.size() > kInlineBodyLimit) conn.write(body);
        trace.begin_phase("first byte");
    } catch (const net::NetError& e) {  // TransportClosedError: closing since we took it
        if (lease.reused()) throw StaleConnection{std::current_exception()};
        throw ClientConnectionError(
            "sending the request to " + url.host_header() + " failed: " + e.what(),
            std::current_exception());
    }

    // The head: informational responses are skipped, everything else ends here or throws.
    for (;;) {
        ResponseEvent event;
        try {
            event = conn.parser().next_event();
        } catch (const ProtocolError& e) {
            throw ClientProtocolError("malformed response from " + url.str() + ": " + e.what(),
                                      std::current_exception());
        }
        if (auto* h = std::get_if<ResponseHead>(&event)) {
            trace.begin_phase("body");  // ends "first byte"
            ClientResponse response;
            response.status = h->status;
            response.reason = std::move(h->reason);
            response.version = h->version;
            response.headers = std::move(h->headers);
            response.url = url.str();
            response.method = method;
            response.attach(std::move(lease), reusable, total, timeout.sock_read);
            co_return response;
        }
        if (std::holds_alternative<InformationalResponse>(event)) continue;
        if (std::holds_alternative<ConnectionClosed>(event)) {
            if (lease.reused()) throw StaleConnection{};
            throw ServerDisconnectedError("server " + url.host_header() +
                                          " closed the connection without answering");
        }
        // NeedData.
        if (conn.is_lost()) {
            if (lease.reused() && conn.bytes_since_request() == 0) {
                throw StaleConnection{conn.error()};
            }
            if (conn.error()) {
                throw ClientConnectionError(
                    "connection to " + url.host_header() +
                        " broke before the response arrived: " + describe(conn.error()),
                    conn.error());
            }
            throw ClientConnectionError("connection to " + url.host_header() +
                                        " was closed before the response arrived");
        }
        const std::optional<detail::Deadline> d = detail::earliest(
            detail::Deadline::after(conn.loop().time(), timeout.sock_read, Phase::sock_read),
            total);
        // Named before it is tested (GCC 12 and co_await in conditions: CONTRIBUTING.md).
        const bool arrived =
            co_await conn.wait_for_data(d ? std::optional<TimePoint>(d->when) : std::nullopt);
        if (!arrived) throw d->error("waiting for the response from " + url.str());
    }
}

// ---- Statistics -----------------------------------------------------------------------------

std::size_t ClientSession::connections_opened() const noexcept {
    return pool_ ? pool_->stats().opened : 0;
}
std::size_t ClientSession::connections_reused() const noexcept {
    return pool_ ? pool_->stats().reused : 0;
}
std::size_t ClientSession::active_connections() const noexcept {
    return pool_ ? pool_->active_connections() : 0;
}
std::size_t ClientSession::idle_connections() const noexcept {
    return pool_ ? pool_->idle_connections() : 0;
}
std::size_t ClientSession::peak_active_connections() const noexcept {
    return pool_ ? pool_->stats().peak_active : 0;
}

}  // namespace looplab::http
