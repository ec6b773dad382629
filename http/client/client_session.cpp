// http/client/client_session.cpp: the request path of ClientSession (client_session.hpp).
#include "http/client/client_session.hpp"

#include <cassert>
#include <exception>
#include <utility>
#include <variant>

#include "http/client/client_errors.hpp"
#include "http/client/default_headers.hpp"
#include "http/client/origin_key.hpp"
#include "http/client/peer_hint.hpp"
#include "http/client/redirects.hpp"
#include "http/idna/idna.hpp"
#include "http/proto/protocol_error.hpp"
#include "net/errors.hpp"
#include "runtime/errors.hpp"
#include "runtime/task.hpp"

namespace looplab::http {

namespace {

using Phase = ClientTimeoutError::Phase;

// Bodies up to this size are copied behind the head and sent in one write; larger ones are
// written on their own, which costs a second send() instead of a copy of the body.
constexpr std::size_t kInlineBodyLimit = 16 * 1024;
// A redirect's body is read and dropped (so its connection is reused) up to this size; a
// longer one closes the connection instead.
constexpr std::size_t kRedirectDrainLimit = 64 * 1024;

// The hop's bytes for the first write: its head (in absolute form to a proxy, for http://),
// and its body if small.
std::string first_write(const detail::Hop& hop, const std::optional<Proxy>& proxy) {
    std::string out;
    if (proxy && !hop.url.is_tls()) {
        detail::write_proxied_head(hop, *proxy, out);
    } else {
        hop.write_head(out);
    }
    if (hop.body.size() <= kInlineBodyLimit) out.append(hop.body);
    return out;
}

}  // namespace

// One request's state, carried from hop to hop (aiohttp keeps the same in _request's locals):
// request() makes it and moves it along each redirect; send(), attempt() and exchange() read it.
struct ClientSession::RequestState {
    detail::Hop hop;                            // what this hop sends
    std::string head;                           // first_write(hop), made once per hop
    ClientTimeout timeout;                      // the request's, or the session's
    std::optional<detail::Deadline> total;      // one deadline across every hop and attempt
    detail::RequestTrace& trace;                // the request's slice; each hop adds its phases
    std::shared_ptr<net::tls::SSLContext> ssl;  // RequestOptions::ssl, or null
    ProxySettings proxies;                      // the session's, made once per request
    std::optional<Proxy> proxy;                 // this hop's, from proxies
};

ClientSession::ClientSession(ClientSessionOptions options) : options_(std::move(options)) {
    if (!options_.cookie_jar) options_.cookie_jar = std::make_shared<CookieJar>();
}

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
        pool_ = detail::ConnectionPool::make(loop, pool_options(), pool_->stats());
    }
    if (!pool_) pool_ = detail::ConnectionPool::make(loop, pool_options());
    return pool_;
}

detail::PoolOptions ClientSession::pool_options() const {
    return {options_.limit, options_.limit_per_host, options_.keepalive_timeout, options_.limits,
            options_.ssl_handshake_timeout};
}

ProxySettings ClientSession::proxy_settings() const {
    ProxySettings settings;
    if (options_.trust_env) settings = ProxySettings::from_environment();
    if (options_.proxy) {
        std::string no_proxy = std::move(settings.no_proxy);
        settings = ProxySettings::all(*options_.proxy);
        settings.no_proxy = std::move(no_proxy);
    }
    if (options_.no_proxy) settings.no_proxy = *options_.no_proxy;
    if (options_.proxy_auth) settings.auth = options_.proxy_auth;
    return settings;
}

Coro<void> ClientSession::close() {
    closed_ = true;
    if (pool_) {
        const std::shared_ptr<detail::ConnectionPool> pool = pool_;
        co_await pool->close();
    }
}

// ---- The request path ---------------------------------------------------------------------

namespace {

// Authorization from BasicAuth, unless the request names its own (aiohttp raises for both; a
// header given by hand is the more specific wish). The first hop only: Hop::follow drops it
// on a redirect to another origin, as it drops any Authorization.
void add_auth(const std::optional<BasicAuth>& auth, Headers& headers) {
    if (auth && !headers.contains("Authorization")) headers.add("Authorization", auth->encode());
}

}  // namespace

Coro<ClientResponse> ClientSession::request(std::string method, std::string url_text,
                                            Headers headers, std::string body,
                                            RequestOptions options) {
    const std::shared_ptr<detail::ConnectionPool> pool = bind_pool();
    // The request's slice on the loop's tracer, if any (request_trace.hpp): it ends with the
    // body (in the response), or here with the error.
    detail::RequestTrace trace(pool->loop(), method, url_text);
    try {
        const ClientTimeout timeout = options.timeout.value_or(options_.timeout);
        add_auth(options.auth ? options.auth : options_.auth, headers);
        RequestState req{
            .hop = {std::move(method),
                    parse_url(url_text).with_params(options.params),
                    detail::request_headers(options_.headers, headers, options_.auto_decompress),
                    std::move(body),
                    {}},
            .head = {},
            .timeout = timeout,
            .total = detail::Deadline::after(pool->loop().time(), timeout.total, Phase::total),
            .trace = trace,
            .ssl = std::move(options.ssl),
            .proxies = proxy_settings(),
            .proxy = std::nullopt,
        };
        for (int redirects = 0;; ++redirects) {
            req.hop.cookies = cookie_jar().cookie_header(req.hop.url);
            req.proxy = req.proxies.for_url(req.hop.url);
            req.head = first_write(req.hop, req.proxy);
            ClientResponse response = co_await send(pool, req);
            cookie_jar().update_from_response(req.hop.url, response.headers);
            std::optional<Redirect> next;
            if (options.allow_redirects) {
                next = redirect_for(response.status, req.hop.method, req.hop.url, response.headers);
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
            req.hop.follow(std::move(*next));
        }
    } catch (...) {
        trace.fail(std::current_exception());
        throw;
    }
}

Coro<ClientResponse> ClientSession::send(std::shared_ptr<detail::ConnectionPool> pool,
                                         const RequestState& req) {
    detail::Attempt<ClientResponse> first = co_await attempt(pool, req, /*allow_reuse=*/true);
    if (auto* response = std::get_if<ClientResponse>(&first)) co_return std::move(*response);
    req.trace.end_phase("stale connection");
    const auto& stale = std::get<detail::StaleConnection>(first);
    if (!is_idempotent(req.hop.method)) throw detail::not_retried(req.hop, stale);
    // The retry refuses idle connections (they may all be stale: a restarted server), and only
    // a reused connection is ever stale: so this one cannot be, and there is one retry at most.
    detail::Attempt<ClientResponse> second = co_await attempt(pool, req, /*allow_reuse=*/false);
    assert(std::holds_alternative<ClientResponse>(second));
    co_return std::get<ClientResponse>(std::move(second));
}

Coro<detail::Attempt<ClientResponse>> ClientSession::attempt(
    std::shared_ptr<detail::ConnectionPool> pool, const RequestState& req, bool allow_reuse) {
    // connect covers the pool wait and the connect, per attempt (aiohttp: the same).
    const std::optional<detail::Deadline> connect =
        detail::Deadline::after(pool->loop().time(), req.timeout.connect, Phase::connect);
    // The context only matters for https; the default is made on first use (it reads the
    // system's CAs), so a session that only speaks http never makes one.
    std::shared_ptr<net::tls::SSLContext> ssl;
    if (req.hop.url.is_tls())
        ssl = req.ssl ? req.ssl : options_.ssl ? options_.ssl : default_ssl_context();
    detail::Destination to = detail::Destination::of(req.hop.url, std::move(ssl));
    if (req.proxy) {
        to.key = via_proxy(to.key, req.proxy->url, req.proxy->authorization.value_or(""));
        to.proxy = req.proxy;
    }
    detail::ConnectionLease lease =
        co_await pool->acquire(std::move(to), allow_reuse, connect, req.total, &req.trace);
    co_return co_await exchange(std::move(lease), req);
}

Coro<detail::Attempt<ClientResponse>> ClientSession::exchange(detail::ConnectionLease lease,
                                                              const RequestState& req) {
    const Url& url = req.hop.url;
    detail::ClientConnection& conn = lease.connection();
    conn.begin_request(req.hop.method);
    req.trace.begin_phase("send");
    std::exception_ptr write_error;
    try {
        conn.write(req.head);
        if (req.hop.body.size() > kInlineBodyLimit) conn.write(req.hop.body);
    } catch (const net::NetError&) {  // TransportClosedError: closing since we took it
        write_error = std::current_exception();
    }
    if (write_error) {
        if (lease.reused()) co_return detail::StaleConnection{write_error};
        throw ClientConnectionError(
            "sending the request to " + url.host_header() + " failed: " + describe(write_error),
            write_error);
    }
    req.trace.begin_phase("first byte");

    // The head: informational responses are skipped, everything else ends here or throws.
    for (;;) {
        ResponseEvent event;
        try {
            event = conn.parser().next_event();
        } catch (const ProtocolError& e) {
            throw ClientProtocolError(
                detail::malformed_head_message(url, e.what(), conn.first_bytes()),
                std::current_exception());
        }
        if (auto* h = std::get_if<ResponseHead>(&event)) {
            req.trace.begin_phase("body");  // ends "first byte"
            ClientResponse response;
            response.status = h->status;
            response.reason = std::move(h->reason);
            response.version = h->version;
            response.headers = std::move(h->headers);
            response.url = url.str();
            response.method = req.hop.method;
            codings::DecoderChain decoder;
            try {
                decoder = codings::DecoderChain::for_response(
                    response.headers, options_.auto_decompress, options_.decode_limits);
            } catch (const codings::DecodingError& e) {
                throw ClientProtocolError("response from " + url.str() + ": " + e.what(),
                                          std::current_exception());
            }
            response.tls = conn.tls_info();
            response.attach(std::move(lease), req.hop.asks_keep_alive(), req.total,
                            req.timeout.sock_read, std::move(decoder));
            co_return response;
        }
        if (std::holds_alternative<InformationalResponse>(event)) continue;
        if (std::holds_alternative<ConnectionClosed>(event)) {
            if (lease.reused()) co_return detail::StaleConnection{};
            throw ServerDisconnectedError("server " + url.host_header() +
                                          " closed the connection without answering");
        }
        // NeedData.
        if (conn.is_lost()) {
            if (lease.reused() && conn.bytes_since_request() == 0) {
                co_return detail::StaleConnection{conn.error()};
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
        if (detail::peer_kind(conn.first_bytes()) != detail::PeerKind::unknown) {
            // TLS or HTTP/2 (peer_hint.hpp): no HTTP/1.x head will come, whatever we wait for.
            throw ClientProtocolError(
                detail::malformed_head_message(url, detail::kNotHttp1, conn.first_bytes()));
        }
        const std::optional<detail::Deadline> d = detail::earliest(
            detail::Deadline::after(conn.loop().time(), req.timeout.sock_read, Phase::sock_read),
            req.total);
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
std::size_t ClientSession::tls_handshakes() const noexcept {
    return pool_ ? pool_->stats().tls_handshakes : 0;
}
std::size_t ClientSession::tls_sessions_resumed() const noexcept {
    return pool_ ? pool_->stats().tls_sessions_resumed : 0;
}

}  // namespace looplab::http
