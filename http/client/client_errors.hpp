// http/client/client_errors.hpp: what an HTTP client throws, one type per kind of failure.
//
// aiohttp: ClientError -> ClientConnectionError (ServerDisconnectedError, ClientSSLError ->
//          ClientConnectorCertificateError), ServerTimeoutError / asyncio.TimeoutError,
//          ClientPayloadError / ClientResponseError (raise_for_status), TooManyRedirects.
// requests: ConnectionError, Timeout (ConnectTimeout / ReadTimeout), HTTPError.
//
// Both looplab clients (the blocking one and ClientSession) throw these, so a demo or a test
// can treat a failure the same way whichever client made the request. Each message says what
// happened and where; the net-level exception that caused it (refused, reset, ...) is kept as
// cause() for whoever wants the details. "Incomplete" is always explicit: a response whose
// body was cut short is a ClientPayloadError, never a short success.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <string_view>

namespace looplab::http {

class ClientError : public std::runtime_error {
public:
    explicit ClientError(const std::string& message, std::exception_ptr cause = nullptr)
        : std::runtime_error(message), cause_(std::move(cause)) {}
    // The lower-level exception behind this one (a net::NetError, an http::ProtocolError), if any.
    const std::exception_ptr& cause() const noexcept { return cause_; }

private:
    std::exception_ptr cause_;
};

// Could not connect, or the connection broke (refused, reset, unreachable, name not found).
class ClientConnectionError : public ClientError {
public:
    using ClientError::ClientError;
};

// A proxy refused to carry the request: its CONNECT answer was not 2xx (407: it wants
// credentials), or not HTTP. status() is the proxy's status, 0 when its answer had none.
// (aiohttp: ClientHttpProxyError; curl: exit 56, "CONNECT tunnel failed, response 407".)
// A proxy that cannot be reached at all is a plain ClientConnectionError naming the proxy.
class ClientProxyError : public ClientConnectionError {
public:
    ClientProxyError(const std::string& message, int status)
        : ClientConnectionError(message), status_(status) {}
    int status() const noexcept { return status_; }

private:
    int status_;
};

// The server closed the connection before a complete response head arrived.
class ServerDisconnectedError : public ClientConnectionError {
public:
    using ClientConnectionError::ClientConnectionError;
};

// The TLS handshake failed (https): cause() is the net::tls::SSLError, whose message says why in
// OpenSSL's words ("tls handshake failed: wrong version number"). curl: exit 35.
class ClientSSLError : public ClientConnectionError {
public:
    using ClientConnectionError::ClientConnectionError;
};

// The server's certificate did not verify: cause() is the net::tls::SSLCertVerificationError
// ("certificate verify failed: self-signed certificate"). Never retried: someone must act
// (trust the right CA, use the right host name). curl: exit 60.
class ClientConnectorCertificateError : public ClientSSLError {
public:
    using ClientSSLError::ClientSSLError;
};

// A deadline passed. phase() says which one, because "the pool had no free connection" and
// "the server is slow" look the same from outside and are not.
class ClientTimeoutError : public ClientError {
public:
    // tls_handshake: https only, the TLS handshake after the TCP connect (the connect budget
    // covers both, as in aiohttp; the phase says which step used it up).
    enum class Phase { pool, connect, tls_handshake, sock_read, total };
    ClientTimeoutError(Phase phase, const std::string& message)
        : ClientError(message), phase_(phase) {}
    Phase phase() const noexcept { return phase_; }
    static std::string_view phase_name(Phase p);

private:
    Phase phase_;
};

// The server's bytes broke HTTP/1.1 (reason in what()), in the head or in the body's framing.
class ClientProtocolError : public ClientError {
public:
    using ClientError::ClientError;
};

// The body ended early: the connection closed (or broke) before all of it arrived. Whatever
// was received is not a response; it is reported, never returned as one.
class ClientPayloadError : public ClientError {
public:
    using ClientError::ClientError;
};

// raise_for_status(): the response's status was 400 or more.
class ClientResponseError : public ClientError {
public:
    ClientResponseError(int status, std::string reason, std::string url);
    int status() const noexcept { return status_; }
    const std::string& url() const noexcept { return url_; }

private:
    int status_;
    std::string url_;
};

// Redirects went on past the allowed number (a loop, most likely).
class TooManyRedirects : public ClientError {
public:
    TooManyRedirects(int max_redirects, const std::string& url);
};

}  // namespace looplab::http
