// http/client/blocking_client.hpp: a blocking HTTP/1.1 client, the `requests` of the demos.
//
// requests: requests.get(url) and requests.Session (keep-alive through urllib3's pool).
//
// This is the client the seeds call "synchronous": each call blocks the calling thread until
// the whole response has arrived. Called from a coroutine, it therefore blocks the event loop
// too (seed 000's "naive async" that is still sequential); called through run_in_executor, it
// blocks a worker thread instead (seed 000's "executor" version). It shares the sans-I/O
// parser with the async ClientSession: only the I/O differs (plain blocking sockets with
// poll()-based timeouts, net/blocking_socket.hpp). https runs the same TLS engine over the
// blocking socket (net/tls/ssl_socket.hpp, Python's ssl.SSLSocket).
//
// Timeouts, as safe as ClientSession's (client_timeout.hpp) and reported in the same words
// (detail::Deadline::error), because a blocking call that a server can hold forever is the
// one thing a thread-per-request program cannot recover from:
//   - total_timeout: one deadline for the whole request, every hop, connect and read (aiohttp's
//     total). A server that trickles its head a byte a second (slowloris) or drips a body
//     never trips a per-read timeout; this one it does trip;
//   - connect_timeout: each TCP connect, and separately the TLS handshake that follows;
//   - read_timeout: each wait for the next bytes (aiohttp's sock_read, requests' read).
// Each wait waits until the earliest deadline that applies, and the error names the phase
// whose deadline it was. (Name resolution and sending are not bounded: getaddrinfo has no
// timeout, and a request head fits the socket's send buffer.)
//
// Proxies (Options::proxy, proxy.hpp): http:// requests go to the proxy in absolute form;
// https:// ones open a CONNECT tunnel, then TLS to the origin through it. Such connections
// are pooled apart from direct ones (origin_key.hpp: via_proxy).
//
// Memory: the body is returned whole, so it is buffered whole; Options::limits bounds it
// (kDefaultMaxBodySize unless raised), and the head by the same ParserLimits as ClientSession.
// An endless body is refused at the limit, not held until the server gives up.
//
// Session keeps finished connections open and reuses them for the next request to the same
// host and port (HTTP/1.1 keep-alive), like requests.Session: redirect hops to the same
// server too, and the one-shot get() / request() keep theirs for the hops of their request. It is
// thread-safe, because seed 001 shares one Session between executor threads: each request takes an
// idle connection (or opens one) under a mutex, uses it alone, and gives it back. If a reused
// connection turns out to have been closed by the server before any byte of the response arrived,
// an idempotent request is retried once on a new connection (the server may close idle connections
// at any time; urllib3 does the same).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <memory>
#include <span>
#include <variant>

#include "http/client/client_errors.hpp"
#include "http/client/client_timeout.hpp"
#include "http/client/cookie_jar.hpp"
#include "http/client/destination.hpp"
#include "http/client/hop.hpp"
#include "http/client/proxy.hpp"
#include "http/client/tls_info.hpp"
#include "http/codings/decoder.hpp"
#include "http/codings/decoder_chain.hpp"
#include "http/proto/headers.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/message.hpp"
#include "http/proto/url.hpp"
#include "net/blocking_socket.hpp"
#include "net/tls/ssl_socket.hpp"

namespace looplab::http::blocking {

// The body cap of the blocking client's default Options (it buffers the whole body): 64 MiB.
inline constexpr std::uint64_t kDefaultMaxBodySize = 64ull * 1024 * 1024;

// ClientSessionOptions' limits (ParserLimits::for_responses), with the body capped at
// kDefaultMaxBodySize.
constexpr ParserLimits default_limits() {
    ParserLimits limits = ParserLimits::for_responses();
    limits.max_body_size = kDefaultMaxBodySize;
    return limits;
}

struct Options {
    std::chrono::milliseconds connect_timeout{10'000};  // each connect, and the TLS handshake
    std::chrono::milliseconds read_timeout{30'000};     // per wait for the next bytes
    // The whole request, redirects included; nullopt: none. aiohttp's total default (300 s).
    std::optional<std::chrono::milliseconds> total_timeout = std::chrono::seconds(300);
    bool allow_redirects = true;
    int max_redirects = 10;
    // Heads as ClientSession's; bodies capped (ParserLimits::kUnlimited lifts the cap).
    ParserLimits limits = default_limits();
    // Sent with every request; a request's own header of the same name replaces them. Then
    // User-Agent and Accept unless given (default_headers.hpp, as ClientSession).
    Headers headers;
    // https: the client context (requests' verify= and cert=); null: default_ssl_context().
    std::shared_ptr<net::tls::SSLContext> ssl;
    // As ClientSessionOptions: send Accept-Encoding and decode Content-Encoding (gzip, deflate,
    // br), under decode_limits; transfer-codings before chunked are decoded either way.
    bool auto_decompress = true;
    codings::DecodeLimits decode_limits;
    // As ClientSessionOptions::cookie_jar (null: the session makes its own). A one-shot
    // blocking::get() keeps cookies across its redirects only.
    std::shared_ptr<CookieJar> cookie_jar;
    // Proxies (proxy.hpp; requests' proxies=): empty, every request goes direct;
    // ProxySettings::from_environment() for http_proxy / https_proxy / no_proxy.
    ProxySettings proxy;
};

// A complete response: the body is all there (anything less is an exception).
struct Response {
    HttpVersion version;
    int status = 0;
    std::string reason;
    Headers headers;
    std::string body;
    std::string url;  // the final URL, after redirects
    // https: what the connection's TLS handshake negotiated; null for http.
    std::shared_ptr<const TlsInfo> tls;

    const std::string& text() const noexcept { return body; }
    bool ok() const noexcept { return status < 400; }
    // ClientResponseError if status >= 400.
    void raise_for_status() const;
};

}  // namespace looplab::http::blocking

namespace looplab::http::detail {

// One connection of the blocking client: a plain socket, or TLS over one (https).
class BlockingConnection {
public:
    explicit BlockingConnection(net::BlockingSocket plain) : socket_(std::move(plain)) {}
    explicit BlockingConnection(net::tls::SSLSocket tls);

    void send_all(std::string_view bytes);
    // BlockingSocket::recv_some's contract; SSLSocket's for TLS (0 at close_notify,
    // SSLEOFError at an end of stream without one).
    std::size_t recv_some(std::span<char> buffer, std::chrono::milliseconds read_timeout);
    // null for a plain connection.
    const std::shared_ptr<const TlsInfo>& tls_info() const noexcept { return tls_info_; }

private:
    std::variant<net::BlockingSocket, net::tls::SSLSocket> socket_;
    std::shared_ptr<const TlsInfo> tls_info_;
};

}  // namespace looplab::http::detail

namespace looplab::http::blocking {

class Session {
public:
    explicit Session(Options options = {}, std::size_t max_idle_per_host = 10);
    ~Session() = default;
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Sends the request and returns the complete response, following redirects if allowed.
    // Throws InvalidUrl, ClientConnectionError (or ServerDisconnectedError),
    // ClientTimeoutError (phase connect, tls_handshake, sock_read or total), ClientProtocolError,
    // ClientPayloadError, TooManyRedirects. Thread-safe.
    Response request(std::string_view method, std::string_view url, const Headers& headers = {},
                     std::string_view body = {});
    Response get(std::string_view url, const Headers& headers = {}) {
        return request("GET", url, headers);
    }
    Response head(std::string_view url) { return request("HEAD", url); }
    Response post(std::string_view url, std::string_view body, const Headers& headers = {}) {
        return request("POST", url, headers, body);
    }

    // Closes the idle connections.
    void close();
    // How many TCP connections this session has opened (keep-alive makes it small).
    std::size_t connections_opened() const;
    std::size_t idle_connections() const;
    // The session's cookies (Options::cookie_jar, or the session's own). Thread-safe.
    CookieJar& cookie_jar() const noexcept { return *options_.cookie_jar; }

private:
    // A connection for one exchange: an idle one of `key` (only if allow_reuse), or a new one.
    struct PooledSocket {
        detail::BlockingConnection socket;
        bool reused;  // came from the idle list: it may have been closed while idle
    };
    // One hop (no redirects): an attempt, and one retry on a new connection if the first met a
    // stale one and the method is idempotent (hop.hpp draws the rule). `total`: the request's.
    Response send(const detail::Hop& hop, const std::optional<detail::Deadline>& total);
    // One request/response exchange on one connection. allow_reuse=false forces a new
    // connection (the retry after a stale one).
    detail::Attempt<Response> exchange(const detail::Hop& hop, bool allow_reuse,
                                       const std::optional<detail::Deadline>& total);
    codings::DecoderChain decoder_for(const Headers& headers, const Url& url) const;
    // `proxy`: the one the request goes through (a CONNECT tunnel first for https), or none.
    PooledSocket take_or_connect(const detail::Destination& to, const std::optional<Proxy>& proxy,
                                 bool allow_reuse, const std::optional<detail::Deadline>& total);
    // A TCP connection to `where` (the origin, or the proxy); `name` names it in errors.
    net::BlockingSocket connect(const Url& where, const std::string& name,
                                const std::optional<detail::Deadline>& total);
    void give_back(const std::string& key, detail::BlockingConnection socket);

    Options options_;
    std::size_t max_idle_per_host_;
    mutable std::mutex mutex_;  // guards idle_ and connections_opened_
    std::unordered_map<std::string, std::vector<detail::BlockingConnection>>
        idle_;  // by Destination::key
    std::size_t connections_opened_ = 0;
};

// One request on a fresh connection, closed afterwards (requests.get).
Response get(std::string_view url, const Options& options = {});
Response request(std::string_view method, std::string_view url, const Headers& headers = {},
                 std::string_view body = {}, const Options& options = {});

}  // namespace looplab::http::blocking
