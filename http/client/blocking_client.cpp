// http/client/blocking_client.cpp: see blocking_client.hpp.
#include "http/client/blocking_client.hpp"

#include <variant>

#include "http/client/origin_key.hpp"
#include "http/client/redirects.hpp"
#include "http/proto/protocol_error.hpp"
#include "http/proto/response_parser.hpp"
#include "http/proto/serializer.hpp"
#include "net/errors.hpp"
#include "net/resolver.hpp"

namespace looplab::http::blocking {

namespace {

// Thrown inside exchange() when a reused connection was already dead: the caller retries once.
struct StaleConnection {
    std::exception_ptr cause;
};

bool sends_body(std::string_view method, std::string_view body) {
    return !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

void Response::raise_for_status() const {
    if (status >= 400) throw ClientResponseError(status, reason, url);
}

Session::Session(Options options, std::size_t max_idle_per_host)
    : options_(std::move(options)), max_idle_per_host_(max_idle_per_host) {}

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

net::BlockingSocket Session::take_or_connect(const Url& url, const std::string& key,
                                             bool allow_reuse, bool& reused) {
    if (allow_reuse) {
        std::lock_guard lock(mutex_);
        auto it = idle_.find(key);
        if (it != idle_.end() && !it->second.empty()) {
            net::BlockingSocket socket = std::move(it->second.back());
            it->second.pop_back();
            reused = true;
            return socket;
        }
    }
    reused = false;
    try {
        auto addresses = net::resolve_blocking(url.host(), url.port());
        net::BlockingSocket socket =
            net::BlockingSocket::connect(addresses, options_.connect_timeout);
        std::lock_guard lock(mutex_);
        ++connections_opened_;
        return socket;
    } catch (const net::ConnectTimeoutError& e) {
        throw ClientTimeoutError(
            ClientTimeoutError::Phase::connect,
            std::string("timed out connecting to ") + url.host_header() + ": " + e.what());
    } catch (const net::NetError& e) {
        throw ClientConnectionError(
            std::string("cannot connect to ") + url.host_header() + ": " + e.what(),
            std::current_exception());
    }
}

void Session::give_back(const std::string& key, net::BlockingSocket socket) {
    std::lock_guard lock(mutex_);
    auto& sockets = idle_[key];
    if (sockets.size() < max_idle_per_host_) sockets.push_back(std::move(socket));
}

Response Session::exchange(std::string_view method, const Url& url, const Headers& headers,
                           std::string_view body, bool allow_reuse) {
    const std::string key = origin_key(url);
    bool reused = false;
    net::BlockingSocket socket = take_or_connect(url, key, allow_reuse, reused);

    std::string out;
    write_request_head(
        out, method, url.target(), url.host_header(), headers,
        sends_body(method, body) ? OutgoingBody::of_length(body.size()) : OutgoingBody::none());
    out.append(body);
    try {
        socket.send_all(out);
    } catch (const net::NetError& e) {
        if (reused) throw StaleConnection{std::current_exception()};
        throw ClientConnectionError(
            std::string("sending the request to ") + url.host_header() + " failed: " + e.what(),
            std::current_exception());
    }

    ResponseParser parser(method, options_.limits);
    Response response;
    response.url = url.str();
    bool got_any_byte = false;
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
                std::string("malformed response from ") + url.str() + ": " + e.what(),
                std::current_exception());
        }
        if (std::holds_alternative<NeedData>(event)) {
            std::span<char> space = parser.prepare(64 * 1024);
            std::size_t n = 0;
            try {
                n = socket.recv_some(space, options_.read_timeout);
            } catch (const net::ReadTimeoutError& e) {
                throw ClientTimeoutError(ClientTimeoutError::Phase::sock_read,
                                         std::string("no data from ") + url.host_header() +
                                             " within the read timeout: " + e.what());
            } catch (const net::NetError& e) {
                if (reused && !got_any_byte) throw StaleConnection{std::current_exception()};
                if (got_head) {
                    throw ClientPayloadError(std::string("connection to ") + url.host_header() +
                                                 " broke during the body: " + e.what(),
                                             std::current_exception());
                }
                throw ClientConnectionError(
                    std::string("connection to ") + url.host_header() + " broke: " + e.what(),
                    std::current_exception());
            }
            if (n == 0) {
                parser.feed_eof();
            } else {
                got_any_byte = true;
                parser.commit(n);
            }
        } else if (std::holds_alternative<ConnectionClosed>(event)) {
            if (reused) throw StaleConnection{};
            throw ServerDisconnectedError("server " + url.host_header() +
                                          " closed the connection without answering");
        } else if (auto* head = std::get_if<ResponseHead>(&event)) {
            got_head = true;
            response.version = head->version;
            response.status = head->status;
            response.reason = head->reason;
            response.headers = std::move(head->headers);
        } else if (auto* data = std::get_if<Data>(&event)) {
            response.body.append(data->bytes);
        } else if (std::holds_alternative<EndOfMessage>(event)) {
            break;
        }
        // InformationalResponse (100 Continue, ...): keep reading for the final response.
    }
    const bool we_close = headers.contains("Connection") && !keep_alive(HttpVersion{1, 1}, headers);
    if (parser.keep_alive() && !we_close) give_back(key, std::move(socket));
    return response;
}

Response Session::request(std::string_view method, std::string_view url_text,
                          const Headers& headers, std::string_view body) {
    Url url = Url::parse(url_text);
    std::string current_method(method);
    std::string current_body(body);
    Headers current_headers = headers;
    for (int redirects = 0;; ++redirects) {
        Response response;
        try {
            response = exchange(current_method, url, current_headers, current_body, true);
        } catch (const StaleConnection& stale) {
            if (!is_idempotent(current_method)) {
                throw ServerDisconnectedError("server " + url.host_header() +
                                                  " closed a kept-alive connection; " +
                                                  current_method + " is not retried",
                                              stale.cause);
            }
            // Retry once, on a new connection (which cannot be stale: no second retry).
            response = exchange(current_method, url, current_headers, current_body, false);
        }
        if (!options_.allow_redirects) return response;
        std::optional<Redirect> next =
            redirect_for(response.status, current_method, url, response.headers);
        if (!next) return response;
        if (redirects >= options_.max_redirects) {
            throw TooManyRedirects(options_.max_redirects, next->url.str());
        }
        if (next->cross_origin) drop_credentials(current_headers);
        url = next->url;
        current_method = next->method;
        if (!next->keep_body) current_body.clear();
    }
}

Response request(std::string_view method, std::string_view url, const Headers& headers,
                 std::string_view body, const Options& options) {
    Session session(options, 0);  // keeps nothing idle: one-shot, like requests.get
    return session.request(method, url, headers, body);
}

Response get(std::string_view url, const Options& options) {
    return request("GET", url, {}, {}, options);
}

}  // namespace looplab::http::blocking
