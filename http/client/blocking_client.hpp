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
// blocking socket (net/tls/ssl_socket.hpp, Python's ssl.SSLSocket): connect_timeout bounds
// the connect and, separately, the handshake; read_timeout each wait for bytes.
//
// Session keeps finished connections open and reuses them for the next request to the same
// host and port (HTTP/1.1 keep-alive), like requests.Session. It is thread-safe, because seed
// 001 shares one Session between executor threads: each request takes an idle connection (or
// opens one) under a mutex, uses it alone, and gives it back. If a reused connection turns out
// to have been closed by the server before any byte of the response arrived, an idempotent
// request is retried once on a new connection (the server may close idle connections at any
// time; urllib3 does the same).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <memory>
#include <span>
#include <variant>

#include "http/client/client_errors.hpp"
#include "http/client/cookie_jar.hpp"
#include "http/client/destination.hpp"
#include "http/client/hop.hpp"
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

struct Options {
    std::chrono::milliseconds connect_timeout{10'000};  // per address tried
    std::chrono::milliseconds read_timeout{30'000};     // per wait for the next bytes
    bool allow_redirects = true;
    int max_redirects = 10;
    ParserLimits limits{};
    // https: the client context (requests' verify= and cert=); null: default_ssl_context().
    std::shared_ptr<net::tls::SSLContext> ssl;
    // As ClientSessionOptions: send Accept-Encoding and decode Content-Encoding (gzip, deflate,
    // br), under decode_limits; transfer-codings before chunked are decoded either way.
    bool auto_decompress = true;
    codings::DecodeLimits decode_limits;
    // As ClientSessionOptions::cookie_jar (null: the session makes its own). A one-shot
    // blocking::get() keeps cookies across its redirects only.
    std::shared_ptr<CookieJar> cookie_jar;
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
    // ClientTimeoutError (phase connect or sock_read), ClientProtocolError,
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
    // stale one and the method is idempotent (hop.hpp draws the rule).
    Response send(const detail::Hop& hop);
    // One request/response exchange on one connection. allow_reuse=false forces a new
    // connection (the retry after a stale one).
    detail::Attempt<Response> exchange(const detail::Hop& hop, bool allow_reuse);
    codings::DecoderChain decoder_for(const Headers& headers, const Url& url) const;
    PooledSocket take_or_connect(const detail::Destination& to, bool allow_reuse);
    net::BlockingSocket connect(const detail::Destination& to);
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
