// net/tls/ssl_errors.cpp: the messages of TLS's exceptions, and reading OpenSSL's error queue.
//
// OpenSSL reports an error by pushing entries on a per-thread queue; the oldest is the cause
// (later ones are the functions it unwound through). So the oldest entry's reason text is the
// message, and the queue is cleared so a stale entry can never be blamed for a later failure.
#include "net/tls/ssl_errors.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace looplab::net::tls {

namespace {

class SSLCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "openssl"; }
    std::string message(int code) const override {
        const char* reason = ERR_reason_error_string(static_cast<unsigned long>(code));
        return reason ? reason : "unknown error";
    }
};

// " (127.0.0.1:4433)", or nothing without an address.
std::string where(const std::string& address) {
    return address.empty() ? std::string() : " (" + address + ")";
}

// The code() of an error OpenSSL's SSL library names with `reason` (SSL_R_*).
std::error_code ssl_code(int reason) {
    return {static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, reason)), ssl_category()};
}

std::string failed_message(std::string_view operation, const std::string& reason,
                           const std::string& address) {
    return std::string(operation) + " failed: " + reason + where(address);
}

}  // namespace

const std::error_category& ssl_category() noexcept {
    static const SSLCategory category;
    return category;
}

// As in net/errors.cpp, address is copied, never moved, into the base: the message built in the
// same argument list reads it, and the order of evaluation is unspecified.
SSLError::SSLError(std::error_code code, std::string reason, std::string_view operation,
                   std::string address)
    : SSLError(code, failed_message(operation, reason, address), reason, operation, address) {}

SSLError::SSLError(std::error_code code, std::string message, std::string reason,
                   std::string_view operation, std::string address)
    : NetError(code, std::move(message), operation, address),
      reason_(std::make_shared<const std::string>(std::move(reason))) {}

SSLCertVerificationError::SSLCertVerificationError(long verify_code, std::string verify_message,
                                                   std::string address)
    : SSLError(ssl_code(SSL_R_CERTIFICATE_VERIFY_FAILED),
               "certificate verify failed: " + verify_message + where(address), verify_message,
               "tls handshake", address),
      verify_code_(verify_code) {}

SSLEOFError::SSLEOFError(std::string_view operation, std::string address)
    : SSLError(ssl_code(SSL_R_UNEXPECTED_EOF_WHILE_READING),
               std::string(operation) + ": the connection" +
                   (address.empty() ? std::string() : " with " + address) +
                   " ended without a close_notify" +
                   (operation == "tls handshake"
                        ? std::string(" (the peer hung up during the handshake)")
                        : std::string(" (what was received may have been truncated)")),
               "unexpected eof", operation, address) {}

SSLTimeoutError::SSLTimeoutError(std::string_view phase, std::chrono::milliseconds waited,
                                 std::string address)
    : SocketTimeoutError(std::string(phase) + " timed out after " + std::to_string(waited.count()) +
                             " ms" + where(address),
                         phase, address),
      waited_(waited) {}

namespace detail {

void throw_ssl_error(std::string_view operation, std::string address) {
    const unsigned long code = ERR_get_error();
    ERR_clear_error();
    const char* reason = code ? ERR_reason_error_string(code) : nullptr;
    throw SSLError(std::error_code(static_cast<int>(code), ssl_category()),
                   reason ? reason : "unknown error", operation, std::move(address));
}

}  // namespace detail

}  // namespace looplab::net::tls
