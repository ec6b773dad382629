// http/client/client_session.hpp: ClientSession, the async HTTP/1.1 client.
//
// aiohttp: aiohttp.ClientSession (client.py): request() and its get / post / head shortcuts,
//          the redirect loop, ClientTimeout, the connector's pool; close().
// requests: requests.Session, its blocking twin (http/client/blocking_client.hpp).
//
//     ClientSession session;                                  // binds to the loop on first use
//     ClientResponse r = co_await session.get("http://127.0.0.1:8080/");
//     std::string body = co_await r.text();
//     co_await session.close();
//
// One request, start to end (each step in its own file):
//   1. request() parses the URL and writes the request head once (serializer.hpp), merging
//      the session's default headers with the request's.
//   2. The pool (connection_pool.hpp) hands out a connection: an idle kept-alive one, or a new
//      one (net::create_connection with a ClientConnection protocol), or a place in its FIFO
//      queue while `limit` / `limit_per_host` are reached.
//   3. The request is written with Transport::write (never blocks), and the response head is
//      read from the connection's parser (client_connection.hpp), waiting for bytes as needed.
//   4. A ClientResponse (client_response.hpp) is returned as soon as the head is in; its body
//      is read on demand and the connection goes back to the pool when the body is done.
//   5. Redirects (redirects.hpp, shared with the blocking client): 301/302/303/307/308 are
//      followed up to max_redirects, draining each redirect's body so that its connection is
//      reused; one more is TooManyRedirects.
//
// https: the same path, with a TLS handshake after the connect (connection_pool.hpp: "TLS",
// and "Keys" for why connections are pooled per context). The context is the request's
// (RequestOptions::ssl), else the session's (ClientSessionOptions::ssl), else the process
// default (tls_info.hpp: the system's CAs). Redirects may go from http to https and back;
// each hop connects with its own URL's scheme. A response says what its handshake
// negotiated in ClientResponse::tls.
//
// Proxies: ClientSessionOptions::proxy / proxy_auth / trust_env (aiohttp's) pick one per hop
// (proxy.hpp); http:// requests are then written in absolute form to the proxy, https:// ones
// go through a CONNECT tunnel the pool opens (connection_pool.hpp).
//
// Retry: if a kept-alive connection turns out to be closed before the server sent a single
// byte of the response (it closed it while idle, and we had not seen that yet), an idempotent
// request (redirects.hpp: is_idempotent) is sent again, once, on a new connection. A POST is
// never resent: the server may have acted on it. ServerDisconnectedError says so. (hop.hpp has
// the rule, shared with the blocking client: the stale connection is a returned value.)
//
// Errors (client_errors.hpp, the same types as the blocking client): InvalidUrl (bad URL),
// ClientConnectionError (refused, unreachable, name not found, reset before the head; cause()
// holds the net::NetError), ServerDisconnectedError (closed without answering),
// ClientSSLError and ClientConnectorCertificateError (the TLS handshake failed; cause() holds
// the net::tls::SSLError), ClientTimeoutError (phase pool / connect / tls_handshake /
// sock_read / total, see client_timeout.hpp),
// ClientProtocolError (a malformed head), ClientPayloadError (body cut short or malformed),
// TooManyRedirects. Cancelling a request closes its connection; nothing leaks, and nothing
// half-used goes back to the pool.
//
// Tracing: while the loop has a tracer (EventLoop::set_tracer), each request records an
// http_request slice and its phases (pool wait, connect, send, first byte, body): see
// request_trace.hpp. With no tracer this costs one branch per phase and allocates nothing.
//
// Loop-thread only. The session must outlive the requests it runs. Call close() (and await it)
// before the loop ends, as aiohttp warns about unclosed sessions: close() waits until every
// connection's descriptor is closed. A session destroyed unclosed while its loop runs aborts
// its connections; destroyed after its loop has finished, it cannot (the loop's callbacks are
// gone) and whatever was still open is the loop's to free.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "http/client/basic_auth.hpp"
#include "http/client/client_response.hpp"
#include "http/client/client_timeout.hpp"
#include "http/client/connection_pool.hpp"
#include "http/client/cookie_jar.hpp"
#include "http/client/hop.hpp"
#include "http/client/proxy.hpp"
#include "http/client/tls_info.hpp"
#include "http/codings/decoder.hpp"
#include "http/proto/headers.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/url.hpp"
#include "runtime/coro.hpp"

namespace looplab::http {

struct ClientSessionOptions {
    // At most this many connections open at once (connecting, in use or idle); a request beyond
    // waits, FIFO, and that wait is the "pool" timeout phase. 0: no limit. (aiohttp: limit.)
    std::size_t limit = 100;
    // The same per host:port; 0: no limit. (aiohttp: limit_per_host.)
    std::size_t limit_per_host = 0;
    // An idle kept-alive connection is closed after this long unused. Zero: connections are
    // never kept (aiohttp: keepalive_timeout, default 15 s; force_close for zero).
    Duration keepalive_timeout = std::chrono::seconds(15);
    // Default for every request; RequestOptions::timeout replaces it for one request.
    ClientTimeout timeout;
    int max_redirects = 10;
    // For responses: heads, and max_body_size for bodies. 16 KiB lines and 256 fields by
    // default (ParserLimits::for_responses), what curl and browsers accept.
    ParserLimits limits = ParserLimits::for_responses();
    // Send "Accept-Encoding: gzip, deflate[, br]" (unless the request has its own) and decode
    // the Content-Encoding of bodies (aiohttp: auto_decompress). Transfer-codings before
    // chunked are decoded either way: they are the connection's business, not the resource's.
    bool auto_decompress = true;
    // The decompression-bomb cap on every decoded body (http/codings/decoder.hpp).
    codings::DecodeLimits decode_limits;
    // The session's cookies (aiohttp: cookie_jar=): every response's Set-Cookie is stored,
    // every request (each redirect hop too) carries the cookies of its URL. Null: the session
    // makes a jar of its own. Share one jar between sessions by passing the same pointer.
    std::shared_ptr<CookieJar> cookie_jar;
    // Sent with every request; a request's own header of the same name replaces them.
    Headers headers;
    // Basic credentials for every request (aiohttp: ClientSession(auth=BasicAuth(...))), sent
    // as Authorization unless the request has one; dropped on a redirect to another origin.
    std::optional<BasicAuth> auth;
    // https: the client context to connect with (aiohttp: TCPConnector(ssl=...)); null: the
    // process default, default_ssl_context() (the system's CAs, hosts checked).
    std::shared_ptr<net::tls::SSLContext> ssl;
    // https: the longest a TLS handshake may take (asyncio's ssl_handshake_timeout), besides
    // the connect and total timeouts.
    Duration ssl_handshake_timeout = std::chrono::seconds(60);
    // Proxies (proxy.hpp), aiohttp's names: every request through `proxy` ("host:port",
    // "http://[user:pass@]host[:port]"; https:// URLs through CONNECT), with `proxy_auth`
    // ("user:password", Basic) if given; trust_env: http_proxy / https_proxy / no_proxy
    // from the environment (curl's rules) where `proxy` is not given. no_proxy: hosts that
    // go direct all the same (curl's --noproxy), replacing the environment's.
    std::optional<std::string> proxy;
    std::optional<std::string> proxy_auth;
    bool trust_env = false;
    std::optional<std::string> no_proxy;
};

struct RequestOptions {
    bool allow_redirects = true;
    // Query parameters appended to the URL's own, form-encoded (aiohttp / requests: params=):
    // {{"q", "a b"}, {"page", "2"}} adds "q=a+b&page=2". Redirects do not carry them along.
    Params params;
    // This request's credentials instead of the session's (aiohttp: request(auth=...)).
    std::optional<BasicAuth> auth;
    std::optional<ClientTimeout> timeout;  // replaces the session's, as a whole
    // https: this request's context instead of the session's (aiohttp: request(ssl=...)).
    std::shared_ptr<net::tls::SSLContext> ssl;
};

class ClientSession {
public:
    explicit ClientSession(ClientSessionOptions options = {});
    ~ClientSession();
    ClientSession(const ClientSession&) = delete;
    ClientSession& operator=(const ClientSession&) = delete;

    // Sends the request and returns once the (final) response head has arrived. Throws the
    // errors listed in the header comment; InvalidStateError once the session is closed.
    Coro<ClientResponse> request(std::string method, std::string url, Headers headers = {},
                                 std::string body = {}, RequestOptions options = {});
    Coro<ClientResponse> get(std::string url, Headers headers = {}) {
        return request("GET", std::move(url), std::move(headers));
    }
    Coro<ClientResponse> post(std::string url, std::string body, Headers headers = {}) {
        return request("POST", std::move(url), std::move(headers), std::move(body));
    }
    Coro<ClientResponse> head(std::string url) { return request("HEAD", std::move(url)); }

    // Closes every connection (idle ones, and those of responses still being read, which then
    // fail) and waits until their descriptors are closed. Idempotent; later requests throw
    // InvalidStateError.
    Coro<void> close();
    bool closed() const noexcept { return closed_; }
    const ClientSessionOptions& options() const noexcept { return options_; }
    // The session's cookies (options().cookie_jar, or the session's own).
    CookieJar& cookie_jar() const noexcept { return *options_.cookie_jar; }

    // ---- Statistics (tests and demos) --------------------------------------------------------
    std::size_t connections_opened() const noexcept;  // TCP connections made so far
    std::size_t connections_reused() const noexcept;  // requests served by an idle connection
    std::size_t active_connections() const noexcept;  // connecting or in use right now
    std::size_t idle_connections() const noexcept;    // kept alive, unused right now
    std::size_t peak_active_connections() const noexcept;
    std::size_t tls_handshakes() const noexcept;        // https connections made
    std::size_t tls_sessions_resumed() const noexcept;  // of which resumed a TLS session

private:
    // The pool of the running loop, made on first use (asyncio's lazy loop binding).
    std::shared_ptr<detail::ConnectionPool> bind_pool();
    detail::PoolOptions pool_options() const;
    // The proxy options above, as the rules of proxy.hpp take them.
    ProxySettings proxy_settings() const;
    // The request path, one hop at a time (client_session.cpp). `req` is the request's state,
    // carried across its hops; it must outlive each call (request() awaits them at once).
    struct RequestState;
    // One hop: an attempt, and one retry on a new connection if the first met a stale one and
    // the method is idempotent (hop.hpp draws the rule).
    Coro<ClientResponse> send(std::shared_ptr<detail::ConnectionPool> pool,
                              const RequestState& req);
    // A connection from the pool (an idle one only if allow_reuse), then the exchange on it.
    Coro<detail::Attempt<ClientResponse>> attempt(std::shared_ptr<detail::ConnectionPool> pool,
                                                  const RequestState& req, bool allow_reuse);
    // Writes the request on the leased connection and reads the response head.
    Coro<detail::Attempt<ClientResponse>> exchange(detail::ConnectionLease lease,
                                                   const RequestState& req);

    ClientSessionOptions options_;
    std::shared_ptr<detail::ConnectionPool> pool_;  // null until the first request
    bool closed_ = false;
};

}  // namespace looplab::http
