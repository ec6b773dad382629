// http/client/blocking_client.cpp: see blocking_client.hpp.
#include "http/client/blocking_client.hpp"

#include <algorithm>
#include <cassert>
#include <utility>
#include <variant>

#include "http/client/default_headers.hpp"
#include "http/client/origin_key.hpp"
#include "http/client/peer_hint.hpp"
#include "http/client/redirects.hpp"
#include "http/codings/decoder_chain.hpp"
#include "http/idna/idna.hpp"
#include "http/proto/protocol_error.hpp"
#include "http/proto/response_parser.hpp"
#include "net/errors.hpp"
#include "net/resolver.hpp"
#include "net/tls/ssl_errors.hpp"

namespace looplab::http::blocking {

using detail::Attempt;
using detail::Hop;
using detail::StaleConnection;

namespace {

// The body's next piece through the decoder (or its end, `end`), with a decoding failure
// reported as ClientSession reports it.
void decode(codings::DecoderChain& decoder, std::string_view in, std::string& body, const Url& url,
            bool end = false) {
    try {
        if (end) {
            decoder.finish();
        } else {
            decoder.decode(in, body);
        }
    } catch (const codings::DecodingError& e) {
        throw ClientPayloadError(
            "response body from " + url.str() + " cannot be decoded: " + e.what(),
            std::current_exception());
    }
}

}  // namespace

void Response::raise_for_status() const {
    if (status >= 400) throw ClientResponseError(status, reason, url);
}

// ---- Connection -------------------------------------------------------------------------------

}  // namespace looplab::http::blocking

namespace looplab::http::detail {

BlockingConnection::BlockingConnection(net::tls::SSLSocket tls)
    : socket_(std::move(tls)),
      tls_info_(TlsInfo::of(std::get<net::tls::SSLSocket>(socket_).ssl_object())) {}

void BlockingConnection::send_all(std::string_view bytes) {
    std::visit([bytes](auto& socket) { socket.send_all(bytes); }, socket_);
}

std::size_t BlockingConnection::recv_some(std::span<char> buffer,
                                          std::chrono::milliseconds timeout) {
    return std::visit([&](auto& socket) { return socket.recv_some(buffer, timeout); }, socket_);
}

}  // namespace looplab::http::detail

namespace looplab::http::blocking {

Session::Session(Options options, std::size_t max_idle_per_host)
    : options_(std::move(options)), max_idle_per_host_(max_idle_per_host) {
    if (!options_.cookie_jar) options_.cookie_jar = std::make_shared<CookieJar>();
}

void Session::close() {
    std::lock_guard lock(mutex_);
    idle_.clear();
}

std::size_t Session::connections_opened() const {
    std::lock_guard lock(mutex_);
    return connections_opened_;
}

std::size_t Session::idle_connections() const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& [key, sockets] : idle_) n += sockets.size();
    return n;
}

codings::DecoderChain Session::decoder_for(const Headers& headers, const Url& url) const {
    try {
        return codings::DecoderChain::for_response(headers, options_.auto_decompress,
                                                   options_.decode_limits);
    } catch (const codings::DecodingError& e) {
        throw ClientProtocolError("response from " + url.str() + ": " + e.what(),
                                  std::current_exception());
    }
}

// ---- Deadlines --------------------------------------------------------------------------------

namespace {

using Phase = ClientTimeoutError::Phase;
using detail::Deadline;

// The blocking client's clock: the same steady clock as the loop's MonotonicClock, so a
// Deadline means the same thing in both clients.
TimePoint now() {
    return std::chrono::time_point_cast<Duration>(std::chrono::steady_clock::now());
}

// The deadline of one wait: `budget` (this phase's setting) from now, or the request's total
// deadline if that comes first (a tie is reported as the phase, the more specific one).
Deadline wait_deadline(std::chrono::milliseconds budget, Phase phase,
                       const std::optional<Deadline>& total) {
    return *detail::earliest(Deadline::after(now(), Duration(budget), phase), total);
}

// What is left of `d`, as a timeout for poll(): rounded up, so a wait never ends a little
// before its deadline and is then reported as not expired; zero once it has passed.
std::chrono::milliseconds remaining(const Deadline& d) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(d.when - now());
    return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace

// ---- Connections ------------------------------------------------------------------------------

namespace {

// CONNECT through the proxy on `socket`, until its answer's head has arrived; throws unless
// it is 2xx (then the socket is a pipe to target). Each wait is bounded as a response's.
void open_tunnel(net::BlockingSocket& socket, const Url& target, const Proxy& proxy,
                 std::chrono::milliseconds read_timeout, const std::optional<Deadline>& total) {
    std::string received;
    try {
        socket.send_all(detail::connect_request(target, proxy));
        std::optional<detail::TunnelReply> reply;
        while (!reply) {
            char buffer[4096];
            const Deadline d = wait_deadline(read_timeout, Phase::sock_read, total);
            std::size_t n = 0;
            try {
                n = socket.recv_some(buffer, remaining(d));
            } catch (const net::SocketTimeoutError&) {
                throw d.error("waiting for " + proxy.name() + " to open a tunnel to " +
                              origin_key(target));
            }
            if (n == 0) {
                throw ClientProxyError(proxy.name() + " closed the connection instead of " +
                                           "answering CONNECT " + origin_key(target),
                                       0);
            }
            received.append(buffer, n);
            reply = detail::parse_tunnel_reply(received, proxy);
        }
        detail::check_tunnel_reply(*reply, proxy, target);
    } catch (const net::NetError& e) {
        throw ClientConnectionError(
            "connection to " + proxy.name() + " broke during CONNECT: " + e.what(),
            std::current_exception());
    }
}

}  // namespace

Session::PooledSocket Session::take_or_connect(const detail::Destination& to,
                                               const std::optional<Proxy>& proxy, bool allow_reuse,
                                               const std::optional<Deadline>& total) {
    if (allow_reuse) {
        std::lock_guard lock(mutex_);
        auto it = idle_.find(to.key);
        if (it != idle_.end() && !it->second.empty()) {
            detail::BlockingConnection socket = std::move(it->second.back());
            it->second.pop_back();
            return {std::move(socket), /*reused=*/true};
        }
    }
    net::BlockingSocket plain =
        proxy ? connect(proxy->url, proxy->name(), total) : connect(to.url, to.name, total);
    if (!to.ssl) return {detail::BlockingConnection(std::move(plain)), /*reused=*/false};
    if (proxy) open_tunnel(plain, to.url, *proxy, options_.read_timeout, total);
    net::tls::WrapOptions wrap;
    wrap.server_hostname = to.url.host();
    wrap.session_key = net::tls::SessionKey{to.url.host(), to.url.port()};  // resumption
    // The handshake has a connect budget of its own (the TCP connect used the first one).
    const Deadline d = wait_deadline(options_.connect_timeout, Phase::tls_handshake, total);
    const std::string doing = "tls handshake with " + to.name;
    try {
        return {detail::BlockingConnection(
                    net::tls::SSLSocket::wrap(std::move(plain), to.ssl, wrap, remaining(d))),
                /*reused=*/false};
    } catch (const net::tls::SSLTimeoutError&) {
        throw d.error(doing);
    } catch (const net::NetError&) {
        detail::throw_handshake_error(doing);
    }
}

net::BlockingSocket Session::connect(const Url& where, const std::string& name,
                                     const std::optional<Deadline>& total) {
    try {
        auto addresses = net::resolve_blocking(where.host(), where.port());
        const Deadline d = wait_deadline(options_.connect_timeout, Phase::connect, total);
        try {
            net::BlockingSocket socket = net::BlockingSocket::connect(addresses, remaining(d));
            std::lock_guard lock(mutex_);
            ++connections_opened_;
            return socket;
        } catch (const net::ConnectTimeoutError&) {
            throw d.error("connecting to " + name);
        }
    } catch (const net::NetError& e) {
        throw ClientConnectionError(std::string("cannot connect to ") + name + ": " + e.what(),
                                    std::current_exception());
    }
}

void Session::give_back(const std::string& key, detail::BlockingConnection socket) {
    std::lock_guard lock(mutex_);
    auto& sockets = idle_[key];
    if (sockets.size() < max_idle_per_host_) sockets.push_back(std::move(socket));
}

// ---- One exchange -----------------------------------------------------------------------------

Attempt<Response> Session::exchange(const Hop& hop, bool allow_reuse,
                                    const std::optional<Deadline>& total) {
    const Url& url = hop.url;
    detail::Destination to = detail::Destination::of(
        url, url.is_tls() ? (options_.ssl ? options_.ssl : default_ssl_context()) : nullptr);
    const std::optional<Proxy> proxy = options_.proxy.for_url(url);
    if (proxy) to.key = via_proxy(to.key, proxy->url, proxy->authorization.value_or(""));
    auto [socket, reused] = take_or_connect(to, proxy, allow_reuse, total);

    std::string out;
    if (proxy && !url.is_tls()) {
        detail::write_proxied_head(hop, *proxy, out);  // absolute form, to the proxy
    } else {
        hop.write_head(out);  // origin form, to the origin (or through a tunnel)
    }
    out.append(hop.body);
    try {
        socket.send_all(out);
    } catch (const net::NetError& e) {
        if (reused) return StaleConnection{std::current_exception()};
        throw ClientConnectionError(
            std::string("sending the request to ") + url.host_header() + " failed: " + e.what(),
            std::current_exception());
    }

    ResponseParser parser(hop.method, options_.limits);
    codings::DecoderChain decoder;
    Response response;
    response.url = url.str();
    response.tls = socket.tls_info();
    bool got_any_byte = false;
    char first_bytes[detail::kPeerHintBytes] = {};  // TLS or HTTP/2 instead of HTTP/1.x?
    std::size_t first_bytes_size = 0;
    bool got_head = false;
    for (;;) {
        ResponseEvent event;
        try {
            event = parser.next_event();
        } catch (const ProtocolError& e) {
            if (got_head) {
                throw ClientPayloadError(std::string("response body from ") + url.str() +
                                             " is incomplete or malformed: " + e.what(),
                                         std::current_exception());
            }
            throw ClientProtocolError(
                detail::malformed_head_message(url, e.what(),
                                               std::string_view(first_bytes, first_bytes_size)),
                std::current_exception());
        }
        if (std::holds_alternative<NeedData>(event)) {
            std::span<char> space = parser.prepare(64 * 1024);
            std::size_t n = 0;
            // ClientSession's words for the same waits (client_session.cpp, client_response.cpp).
            const Deadline d = wait_deadline(options_.read_timeout, Phase::sock_read, total);
            try {
                n = socket.recv_some(space, remaining(d));
            } catch (const net::SocketTimeoutError&) {
                throw d.error(got_head ? "reading the body of " + url.str()
                                       : "waiting for the response from " + url.str());
            } catch (const net::NetError& e) {
                if (reused && !got_any_byte) return StaleConnection{std::current_exception()};
                if (got_head) {
                    throw ClientPayloadError(std::string("connection to ") + url.host_header() +
                                                 " broke during the body of " + url.str() + ": " +
                                                 e.what(),
                                             std::current_exception());
                }
                throw ClientConnectionError(std::string("connection to ") + url.host_header() +
                                                " broke before the response arrived: " + e.what(),
                                            std::current_exception());
            }
            if (n == 0) {
                parser.feed_eof();
            } else {
                got_any_byte = true;
                for (std::size_t i = 0; first_bytes_size < sizeof first_bytes && i < n; ++i) {
                    first_bytes[first_bytes_size++] = space[i];
                }
                parser.commit(n);
                const std::string_view first(first_bytes, first_bytes_size);
                if (!got_head && detail::peer_kind(first) != detail::PeerKind::unknown) {
                    throw ClientProtocolError(
                        detail::malformed_head_message(url, detail::kNotHttp1, first));
                }
            }
        } else if (std::holds_alternative<ConnectionClosed>(event)) {
            if (reused) return StaleConnection{};
            throw ServerDisconnectedError("server " + url.host_header() +
                                          " closed the connection without answering");
        } else if (auto* head = std::get_if<ResponseHead>(&event)) {
            got_head = true;
            response.version = head->version;
            response.status = head->status;
            response.reason = head->reason;
            response.headers = std::move(head->headers);
            decoder = decoder_for(response.headers, url);
        } else if (auto* data = std::get_if<Data>(&event)) {
            decode(decoder, data->bytes, response.body, url);
        } else if (std::holds_alternative<EndOfMessage>(event)) {
            decode(decoder, {}, response.body, url, /*end=*/true);
            break;
        }
        // InformationalResponse (100 Continue, ...): keep reading for the final response.
    }
    if (parser.keep_alive() && hop.asks_keep_alive()) give_back(to.key, std::move(socket));
    return response;
}

// ---- Requests and redirects -------------------------------------------------------------------

Response Session::request(std::string_view method, std::string_view url_text,
                          const Headers& headers, std::string_view body) {
    Hop hop{std::string(method),
            parse_url(url_text),
            detail::with_accept_encoding(detail::merge_headers(options_.headers, headers),
                                         options_.auto_decompress),
            std::string(body),
            {}};
    const std::optional<Deadline> total = Deadline::after(
        now(),
        options_.total_timeout ? std::optional<Duration>(*options_.total_timeout) : std::nullopt,
        Phase::total);
    for (int redirects = 0;; ++redirects) {
        hop.cookies = cookie_jar().cookie_header(hop.url);
        Response response = send(hop, total);
        cookie_jar().update_from_response(hop.url, response.headers);
        if (!options_.allow_redirects) return response;
        std::optional<Redirect> next =
            redirect_for(response.status, hop.method, hop.url, response.headers);
        if (!next) return response;
        if (redirects >= options_.max_redirects) {
            throw TooManyRedirects(options_.max_redirects, next->url.str());
        }
        hop.follow(std::move(*next));
    }
}

Response Session::send(const Hop& hop, const std::optional<Deadline>& total) {
    Attempt<Response> first = exchange(hop, /*allow_reuse=*/true, total);
    if (Response* response = std::get_if<Response>(&first)) return std::move(*response);
    if (!is_idempotent(hop.method))
        throw detail::not_retried(hop, std::get<StaleConnection>(first));
    // Once more, on a new connection: only a reused connection is ever stale, so this one
    // cannot be, and there is one retry at most.
    Attempt<Response> second = exchange(hop, /*allow_reuse=*/false, total);
    assert(std::holds_alternative<Response>(second));
    return std::get<Response>(std::move(second));
}

Response request(std::string_view method, std::string_view url, const Headers& headers,
                 std::string_view body, const Options& options) {
    // One-shot, like requests.get: the session keeps a connection only for the request's own
    // redirect hops, and closes it when it goes.
    Session session(options, 1);
    return session.request(method, url, headers, body);
}

Response get(std::string_view url, const Options& options) {
    return request("GET", url, {}, {}, options);
}

}  // namespace looplab::http::blocking
