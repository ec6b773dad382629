// net/tls/ssl_errors.hpp: what TLS throws, one type per thing that can go wrong.
//
// Python:  ssl.SSLError (an OSError) and its subclasses ssl.SSLCertVerificationError and
//          ssl.SSLEOFError; asyncio's sslproto aborts a slow handshake with
//          ConnectionAbortedError and a slow shutdown with TimeoutError.
// curl:    CURLE_PEER_FAILED_VERIFICATION (exit 60: "SSL certificate problem: self-signed
//          certificate") and CURLE_SSL_CONNECT_ERROR (exit 35), whose words these messages use.
//
// Why these four and not one: each wants different handling by the code above.
//   - SSLCertVerificationError: the peer is not who it claims to be (or we cannot tell). Never
//     retried; a person must act (--cacert, the right host name). verify_message() is
//     OpenSSL's reason in curl's words, plus which names the certificate has when the host
//     name is the problem: "hostname mismatch: certificate is for other.example, not localhost".
//   - SSLEOFError: the TCP connection ended without a TLS close_notify. The bytes received may
//     be cut short by an attacker or a crash, so a close-delimited HTTP body must fail, not
//     succeed short (RFC 8446 section 6.1: "failure to properly close a connection no longer
//     requires that a session not be resumed", but the data is suspect).
//   - SSLTimeoutError: the handshake or the shutdown took too long; phase() names which
//     ("tls handshake" / "tls shutdown"), so a client can report the phase as it does for
//     connect. It is a SocketTimeoutError (ETIMEDOUT): one catch clause covers every timeout.
//   - SSLError: anything else OpenSSL refused (a garbled record, a protocol version we do not
//     speak, an alert from the peer), with OpenSSL's reason text: "wrong version number",
//     "record layer failure", "tlsv1 alert unknown ca".
//
// All are NetErrors: the peer's doing (or the network's), never a bug in the caller, so a
// transport reports them to its protocol only and not to the loop's exception handler.
// code() is an OpenSSL error code in ssl_category() (SSLTimeoutError: ETIMEDOUT).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "net/errors.hpp"

namespace looplab::net::tls {

// OpenSSL's packed error codes (ERR_get_error()); message() is OpenSSL's reason text.
const std::error_category& ssl_category() noexcept;

// Base of everything TLS throws (Python: ssl.SSLError). what():
// "tls handshake failed: wrong version number (127.0.0.1:4433)". reason() is OpenSSL's text
// alone; operation() the step ("tls handshake", "tls read", "tls write", "tls shutdown",
// "load_cert_chain", ...); address() the peer, or the file for a context's loading errors.
class SSLError : public NetError {
public:
    SSLError(std::error_code code, std::string reason, std::string_view operation,
             std::string address);
    [[nodiscard]] const std::string& reason() const noexcept { return *reason_; }

protected:
    // For subclasses, which write their own message.
    SSLError(std::error_code code, std::string message, std::string reason,
             std::string_view operation, std::string address);

private:
    std::shared_ptr<const std::string> reason_;  // shared: copying an exception must not throw
};

// The peer's certificate did not verify (Python: ssl.SSLCertVerificationError; curl: exit 60).
// what(): "certificate verify failed: self-signed certificate (127.0.0.1:4433)".
// verify_code() is OpenSSL's X509_V_ERR_* value (18 for a self-signed certificate, 10 expired,
// 62 hostname mismatch, 20 unknown issuer).
class SSLCertVerificationError : public SSLError {
public:
    SSLCertVerificationError(long verify_code, std::string verify_message, std::string address);
    [[nodiscard]] long verify_code() const noexcept { return verify_code_; }
    [[nodiscard]] const std::string& verify_message() const noexcept { return reason(); }

private:
    long verify_code_;  // X509_V_ERR_*
};

// The connection ended (TCP end of stream) without the peer's close_notify (Python:
// ssl.SSLEOFError, "EOF occurred in violation of protocol"). During the handshake it means the
// peer hung up on us; afterwards, that what was received may have been truncated.
class SSLEOFError : public SSLError {
public:
    SSLEOFError(std::string_view operation, std::string address);
};

// The handshake or the shutdown did not finish in time (asyncio: ssl_handshake_timeout,
// ssl_shutdown_timeout). what(): "tls handshake timed out after 60000 ms (127.0.0.1:4433)".
class SSLTimeoutError : public SocketTimeoutError {
public:
    SSLTimeoutError(std::string_view phase, std::chrono::milliseconds waited, std::string address);
    // "tls handshake" or "tls shutdown" (the same as operation()).
    [[nodiscard]] const std::string& phase() const noexcept { return operation(); }
    [[nodiscard]] std::chrono::milliseconds waited() const noexcept { return waited_; }

private:
    std::chrono::milliseconds waited_;  // the timeout that expired
};

namespace detail {

// Takes the oldest error off this thread's OpenSSL error queue (clearing the rest) and throws
// it as an SSLError for `operation` on `address`; "unknown error" when the queue is empty.
// For the library's own calls that fail outside a handshake (loading files, configuring).
[[noreturn]] void throw_ssl_error(std::string_view operation, std::string address);

}  // namespace detail

}  // namespace looplab::net::tls
