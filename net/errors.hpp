// net/errors.hpp: the exceptions net/ throws, one type per thing that can go wrong.
//
// Python: OSError and its subclasses (PEP 3151): ConnectionError -> BrokenPipeError,
//         ConnectionAbortedError, ConnectionRefusedError, ConnectionResetError; TimeoutError
//         (socket.timeout); socket.gaierror; and requests' ConnectTimeout / ReadTimeout.
// libuv:  none. libuv returns negative error codes (UV_ECONNREFUSED) and leaves the rest to you.
//
// Why typed exceptions rather than an errno to compare: "the server is not running" and "the
// server crashed mid-reply" want different handling, and catch (const ConnectionRefusedError&)
// says which one a handler is for. Python made the same change in 3.3 (PEP 3151), after years of
// `except OSError as e: if e.errno == errno.ECONNREFUSED`.
//
// Why std::system_error as the base: code() keeps the errno, comparable the standard way
// (e.code() == std::errc::connection_refused), and code-that-catches-std::system_error already
// handles net errors. what() is replaced by a message written for a person, which names the
// address: "connection refused by 127.0.0.1:9 (nothing is listening there)".
//
// EAGAIN/EWOULDBLOCK and EINTR are never thrown: they are not failures but "try again", and the
// code that called the syscall is the only place that knows how to (wait for readiness, or just
// retry). make_os_error() asserts this.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace looplab::net {

// The error category of getaddrinfo's EAI_* codes. They are a separate number space from errno
// (EAI_NONAME is -2 in glibc, and 2 is ENOENT), so they get their own category; its message()
// is gai_strerror().
const std::error_category& resolver_category() noexcept;

// Base of everything net/ throws (Python: OSError).
//
// operation() is the syscall or step that failed ("connect", "send", "recv", "getaddrinfo");
// address() is the peer or local address involved, printed by SocketAddress::to_string(), or the
// host name for resolver errors; empty when there is none.
class NetError : public std::system_error {
public:
    // A generic OS error: "bind failed for 127.0.0.1:80: Permission denied".
    NetError(int err, std::string_view operation, std::string address);

    [[nodiscard]] const char* what() const noexcept override;
    [[nodiscard]] const std::string& operation() const noexcept;
    [[nodiscard]] const std::string& address() const noexcept;

protected:
    // For subclasses, which write their own message.
    NetError(std::error_code code, std::string message, std::string_view operation,
             std::string address);

private:
    struct Details {
        std::string message;
        std::string operation;
        std::string address;
    };
    // Shared and immutable so that copying the exception cannot throw: exceptions are copied
    // while being thrown, and a throw from that copy calls std::terminate.
    std::shared_ptr<const Details> details_;
};

// The connection itself failed or went away (Python: ConnectionError).
class ConnectionError : public NetError {
public:
    using NetError::NetError;
};

// EPIPE / ESHUTDOWN: a send on a connection the peer has closed, or that this side shut down for
// writing. (Python: BrokenPipeError.)
class BrokenPipeError : public ConnectionError {
public:
    BrokenPipeError(int err, std::string_view operation, std::string address);
};

// ECONNABORTED: the connection was torn down locally before it could be used, typically between
// the handshake and accept(). (Python: ConnectionAbortedError.)
class ConnectionAbortedError : public ConnectionError {
public:
    ConnectionAbortedError(std::string_view operation, std::string address);
};

// ECONNREFUSED: the peer answered the connection attempt with a reset: nothing listens on that
// port. (Python: ConnectionRefusedError.)
class ConnectionRefusedError : public ConnectionError {
public:
    explicit ConnectionRefusedError(std::string address, std::string_view operation = "connect");
};

// ECONNRESET: the peer aborted an established connection (it crashed, or closed with unread
// data, or set SO_LINGER to zero). (Python: ConnectionResetError.)
class ConnectionResetError : public ConnectionError {
public:
    ConnectionResetError(std::string_view operation, std::string address);
};

// ENETUNREACH / EHOSTUNREACH: no route to the address. (Python: plain OSError with that errno.)
class NetworkUnreachableError : public NetError {
public:
    NetworkUnreachableError(int err, std::string_view operation, std::string address);
};

// ETIMEDOUT: an operation did not finish in time. code() is ETIMEDOUT whether the kernel gave up
// or one of our own deadlines expired. (Python: TimeoutError, which socket.timeout aliases.)
class SocketTimeoutError : public NetError {
public:
    SocketTimeoutError(std::string_view operation, std::string address);

protected:
    SocketTimeoutError(std::string message, std::string_view operation, std::string address);
};

// A connect did not complete within `waited` (requests: ConnectTimeout). Usually nobody
// answered at all: the host is down or drops packets, or its listen backlog is full.
class ConnectTimeoutError : public SocketTimeoutError {
public:
    ConnectTimeoutError(std::string address, std::chrono::milliseconds waited);
    [[nodiscard]] std::chrono::milliseconds waited() const noexcept { return waited_; }

private:
    std::chrono::milliseconds waited_;  // how long the connect was given before giving up
};

// No data arrived within the read timeout (requests: ReadTimeout). The connection is still open;
// whether to wait more is the caller's decision.
class ReadTimeoutError : public SocketTimeoutError {
public:
    ReadTimeoutError(std::string address, std::chrono::milliseconds waited);
    [[nodiscard]] std::chrono::milliseconds waited() const noexcept { return waited_; }

private:
    std::chrono::milliseconds waited_;  // the read timeout that expired
};

// getaddrinfo failed (Python: socket.gaierror). code() is in resolver_category(); address() and
// host() are the name that could not be resolved. For EAI_SYSTEM, system_errno says why.
class NameResolutionError : public NetError {
public:
    NameResolutionError(int gai_error, std::string host, int system_errno = 0);
    [[nodiscard]] const std::string& host() const noexcept { return address(); }
};

// A write (or read) on a transport or socket that this program has already closed: a bug in
// the caller's sequencing, not a network event. code() is ENOTCONN ("Transport endpoint is not
// connected"). Message: "write on a closed transport".
class TransportClosedError : public NetError {
public:
    explicit TransportClosedError(std::string_view operation = "write", std::string address = {});
};

// The exception a failed syscall means, as an exception_ptr: for code that hands errors on
// rather than throwing them (a transport passes it to its protocol's connection_lost()).
//
// err must be a real failure: not 0, EAGAIN, EWOULDBLOCK or EINTR (asserted; in a build without
// asserts they become a plain NetError).
std::exception_ptr make_os_error(int err, std::string_view operation, std::string_view address);

// Throws what make_os_error() describes: ECONNREFUSED -> ConnectionRefusedError, ECONNRESET ->
// ConnectionResetError, EPIPE/ESHUTDOWN -> BrokenPipeError, ECONNABORTED ->
// ConnectionAbortedError, ENETUNREACH/EHOSTUNREACH -> NetworkUnreachableError, ETIMEDOUT ->
// SocketTimeoutError, anything else -> NetError.
[[noreturn]] void throw_os_error(int err, std::string_view operation, std::string_view address);

// ---- Stream errors (asyncio.streams) ------------------------------------------------------------
// Not OS errors: the connection is fine, the data did not have the expected shape. So they
// derive from std::runtime_error, not NetError (asyncio: IncompleteReadError is an EOFError,
// LimitOverrunError a plain Exception).

// The stream ended before a read was satisfied: readexactly(n) got fewer than n bytes, or
// readuntil(sep) reached end of stream without finding sep. partial() is everything that was
// read (and removed from the stream's buffer); expected() is n, or nullopt for readuntil.
// (asyncio.IncompleteReadError.)
class IncompleteReadError : public std::runtime_error {
public:
    IncompleteReadError(std::string partial, std::optional<std::size_t> expected);
    [[nodiscard]] const std::string& partial() const noexcept { return *partial_; }
    [[nodiscard]] std::optional<std::size_t> expected() const noexcept { return expected_; }

private:
    std::shared_ptr<const std::string> partial_;  // shared: copying an exception must not throw
    std::optional<std::size_t> expected_;         // the n of readexactly(n); none for readuntil
};

// readuntil() looked further than the stream's limit without finding the separator, or found
// it beyond the limit. The data stays in the buffer; consumed() says how many bytes were
// looked at (asyncio: how many to remove to step past them). (asyncio.LimitOverrunError.)
class LimitOverrunError : public std::runtime_error {
public:
    LimitOverrunError(const std::string& message, std::size_t consumed);
    [[nodiscard]] std::size_t consumed() const noexcept { return consumed_; }

private:
    std::size_t consumed_;  // bytes examined before giving up
};

}  // namespace looplab::net
