// net/tls/ssl_object.cpp: the engine's OpenSSL calls, and how their failures become exceptions.
//
// Python: _ssl.c's _SSLSocket methods (do_handshake, read, write, shutdown) over MemoryBIO, and
//         its PySSL_SetError, which picks the exception type from SSL_get_error and the queue.
//
// The rule for every call: clear this thread's error queue, call OpenSSL, and if it failed ask
// SSL_get_error why. WANT_READ is not a failure (feed more); anything else is, and the oldest
// entry of the error queue says what it was.
#include "net/tls/ssl_object.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <climits>
#include <stdexcept>
#include <utility>

#include "net/tls/ssl_errors.hpp"

namespace looplab::net::tls {

namespace {

// "::1" for "[::1]": the bracketed form is how URLs write an IPv6 host.
std::string strip_brackets(const std::string& host) {
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        return host.substr(1, host.size() - 2);
    }
    return host;
}

bool is_ip_address(const std::string& host) {
    unsigned char bytes[16];
    return inet_pton(AF_INET, host.c_str(), bytes) == 1 ||
           inet_pton(AF_INET6, host.c_str(), bytes) == 1;
}

std::string join(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) {
        if (!out.empty()) out += ", ";
        out += name;
    }
    return out.empty() ? std::string("no name at all") : out;
}

bool has_reason(unsigned long code, int reason) {
    return code != 0 && ERR_GET_LIB(code) == ERR_LIB_SSL && ERR_GET_REASON(code) == reason;
}

}  // namespace

void SSLObject::SSLFree::operator()(SSL* ssl) const noexcept {
    SSL_free(ssl);
}

// ---- Creation -----------------------------------------------------------------------------

SSLObject::SSLObject(std::shared_ptr<SSLContext> context, WrapOptions options)
    : context_(std::move(context)),
      server_hostname_(strip_brackets(options.server_hostname)),
      session_key_(std::move(options.session_key)),
      peer_(std::move(options.peer)),
      server_side_(context_->server_side()) {
    if (!server_side_ && context_->check_hostname() && server_hostname_.empty()) {
        throw std::invalid_argument(
            "wrap_bio: check_hostname requires server_hostname (or set_check_hostname(false))");
    }
    ssl_.reset(SSL_new(context_->native_handle()));
    if (!ssl_) detail::throw_ssl_error("SSL_new", peer_);
    incoming_ = BIO_new(BIO_s_mem());
    outgoing_ = BIO_new(BIO_s_mem());
    if (!incoming_ || !outgoing_) {
        BIO_free(incoming_);
        BIO_free(outgoing_);
        detail::throw_ssl_error("BIO_new", peer_);
    }
    SSL_set_bio(ssl_.get(), incoming_, outgoing_);  // ssl_ owns both from here on
    SSL_set_app_data(ssl_.get(), this);
    if (server_side_) {
        SSL_set_accept_state(ssl_.get());
    } else {
        SSL_set_connect_state(ssl_.get());
        configure_client();
    }
}

SSLObject::~SSLObject() = default;

// SNI, the host name check, and a session to resume.
void SSLObject::configure_client() {
    SSL* ssl = ssl_.get();
    const bool ip = is_ip_address(server_hostname_);
    if (!server_hostname_.empty() && !ip &&
        SSL_set_tlsext_host_name(ssl, server_hostname_.c_str()) != 1) {
        detail::throw_ssl_error("server_hostname", peer_);
    }
    if (context_->check_hostname() && !server_hostname_.empty()) {
        // The check is part of verification, so its failure is a verification error with
        // its own code (X509_V_ERR_HOSTNAME_MISMATCH), as in Python. "*.example" matches one
        // label only: no partial wildcards ("f*.example"), as Python and browsers do.
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        const int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(param, server_hostname_.c_str())
                          : X509_VERIFY_PARAM_set1_host(param, server_hostname_.c_str(), 0);
        if (ok != 1) detail::throw_ssl_error("server_hostname", peer_);
    }
    if (session_key_) {
        if (std::shared_ptr<SSLSession> session = context_->session_cache().get(*session_key_)) {
            SSL_set_session(ssl, session->native_handle());  // takes its own reference
        }
    }
}

// ---- SSLContext's two members that make and serve engines (ssl_context.hpp) ---------------

std::unique_ptr<SSLObject> SSLContext::wrap_bio(WrapOptions options) {
    return std::make_unique<SSLObject>(shared_from_this(), std::move(options));
}

// The cache keeps a copy, not the connection's own SSL_SESSION: OpenSSL marks a connection's
// session not resumable when it is freed without having sent close_notify, and the HTTP pool
// aborts the connections it is done with (as aiohttp's connector does). Without the copy, no
// session of a pooled https connection could ever be resumed. The copy's ticket was received,
// authenticated, over a completed handshake; how the connection ended later does not weaken it
// (RFC 8446 4.6.1 ties a ticket's use to its lifetime only).
int SSLContext::on_new_session(SSL* ssl, SSL_SESSION* session) {
    auto* self = static_cast<SSLObject*>(SSL_get_app_data(ssl));
    if (!self || !self->session_key_) return 0;
    SSL_SESSION* copy = SSL_SESSION_dup(session);
    if (!copy) return 0;
    std::shared_ptr<SSLSession> held;
    try {
        held = std::make_shared<SSLSession>(copy);
    } catch (...) {
        SSL_SESSION_free(copy);
        return 0;
    }
    try {
        self->context_->session_cache().put(*self->session_key_, std::move(held));
    } catch (...) {
        // Out of memory: the session is simply not cached.
    }
    return 0;  // OpenSSL keeps its own reference to `session`; ours is the copy
}

// ---- Ciphertext ---------------------------------------------------------------------------

void SSLObject::feed(std::string_view ciphertext) {
    if (eof_fed_) throw std::logic_error("SSLObject::feed after feed_eof");
    while (!ciphertext.empty()) {
        const int n = static_cast<int>(std::min<std::size_t>(ciphertext.size(), INT_MAX));
        // A memory BIO grows as needed: a write fails only when memory runs out.
        if (BIO_write(incoming_, ciphertext.data(), n) != n) throw std::bad_alloc();
        ciphertext.remove_prefix(static_cast<std::size_t>(n));
    }
}

void SSLObject::feed_eof() {
    // An empty memory BIO normally says "retry later"; with eof_return 0 it says end of file,
    // which OpenSSL reports as "unexpected eof while reading" unless close_notify came first.
    BIO_set_mem_eof_return(incoming_, 0);
    eof_fed_ = true;
}

std::size_t SSLObject::incoming_pending() const noexcept {
    return BIO_ctrl_pending(incoming_);
}

std::size_t SSLObject::outgoing_pending() const noexcept {
    return BIO_ctrl_pending(outgoing_);
}

std::string SSLObject::take_outgoing() {
    const std::size_t pending = BIO_ctrl_pending(outgoing_);
    if (pending == 0) return {};
    std::string out(pending, '\0');
    std::size_t read = 0;
    BIO_read_ex(outgoing_, out.data(), pending, &read);
    out.resize(read);
    return out;
}

// ---- The handshake ------------------------------------------------------------------------

bool SSLObject::do_handshake() {
    throw_if_failed();
    if (handshake_done_) return true;
    ERR_clear_error();
    const int rc = SSL_do_handshake(ssl_.get());
    if (rc == 1) {
        handshake_done_ = true;
        return true;
    }
    const int err = SSL_get_error(ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
    fail(err, "tls handshake");
}

// ---- Plaintext ----------------------------------------------------------------------------

ReadResult SSLObject::read(std::span<char> buffer) {
    throw_if_failed();
    if (!handshake_done_) throw std::logic_error("SSLObject::read before the handshake is done");
    std::size_t total = 0;
    while (total < buffer.size() && !close_notify_received_) {
        ERR_clear_error();
        std::size_t n = 0;
        const int rc = SSL_read_ex(ssl_.get(), buffer.data() + total, buffer.size() - total, &n);
        if (rc == 1) {
            total += n;
            continue;
        }
        const int err = SSL_get_error(ssl_.get(), rc);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
        if (err == SSL_ERROR_ZERO_RETURN) {
            close_notify_received_ = true;
            break;
        }
        if (total == 0) fail(err, "tls read");
        // Data first: the failure is recorded now and thrown by the next call.
        try {
            fail(err, "tls read");
        } catch (...) {
        }
        break;
    }
    if (total > 0) return {ReadStatus::data, total};
    return {close_notify_received_ ? ReadStatus::closed : ReadStatus::want_read, 0};
}

std::size_t SSLObject::write(std::string_view plaintext) {
    throw_if_failed();
    if (close_notify_sent_) throw std::logic_error("SSLObject::write after unwrap()");
    if (!handshake_done_ || plaintext.empty()) return 0;
    ERR_clear_error();
    std::size_t written = 0;
    const int rc = SSL_write_ex(ssl_.get(), plaintext.data(), plaintext.size(), &written);
    if (rc == 1) return written;
    const int err = SSL_get_error(ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return 0;
    fail(err, "tls write");
}

std::size_t SSLObject::pending() const noexcept {
    return static_cast<std::size_t>(SSL_pending(ssl_.get()));
}

// ---- Closing ------------------------------------------------------------------------------

bool SSLObject::unwrap() {
    throw_if_failed();
    if (!handshake_done_) throw std::logic_error("SSLObject::unwrap before the handshake is done");
    if (!close_notify_sent_) {
        ERR_clear_error();
        const int rc = SSL_shutdown(ssl_.get());
        close_notify_sent_ = true;
        if (rc == 1) close_notify_received_ = true;  // the peer's came first
        if (rc < 0) {
            const int err = SSL_get_error(ssl_.get(), rc);
            if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE)
                fail(err, "tls shutdown");
        }
    }
    if (close_notify_received_) return true;
    // Wait for the peer's close_notify by reading, not with a second SSL_shutdown: the peer may
    // still be sending data it wrote before it saw ours, and SSL_shutdown treats that as a
    // fatal "application data after close notify", while SSL_read returns it, to be dropped.
    char discard[4096];
    for (;;) {
        ERR_clear_error();
        std::size_t n = 0;
        const int rc = SSL_read_ex(ssl_.get(), discard, sizeof discard, &n);
        if (rc == 1) continue;
        const int err = SSL_get_error(ssl_.get(), rc);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return false;
        if (err == SSL_ERROR_ZERO_RETURN) {
            close_notify_received_ = true;
            return true;
        }
        fail(err, "tls shutdown");
    }
}

// ---- What was negotiated ------------------------------------------------------------------

std::string SSLObject::server_hostname() const {
    if (!server_side_) return server_hostname_;
    const char* name = SSL_get_servername(ssl_.get(), TLSEXT_NAMETYPE_host_name);
    return name ? name : "";
}

std::string SSLObject::version() const {
    return handshake_done_ ? SSL_get_version(ssl_.get()) : "";
}

std::optional<Cipher> SSLObject::cipher() const {
    const SSL_CIPHER* c = handshake_done_ ? SSL_get_current_cipher(ssl_.get()) : nullptr;
    if (!c) return std::nullopt;
    return Cipher{SSL_CIPHER_get_name(c), SSL_CIPHER_get_version(c),
                  SSL_CIPHER_get_bits(c, nullptr)};
}

std::optional<std::string> SSLObject::selected_alpn_protocol() const {
    const unsigned char* data = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl_.get(), &data, &length);
    if (!data || length == 0) return std::nullopt;
    return std::string(reinterpret_cast<const char*>(data), length);
}

std::optional<PeerCertificate> SSLObject::getpeercert() const {
    X509* certificate = SSL_get0_peer_certificate(ssl_.get());
    if (!certificate) return std::nullopt;
    return PeerCertificate::from_x509(certificate);
}

std::shared_ptr<SSLSession> SSLObject::session() const {
    SSL_SESSION* session = SSL_get1_session(ssl_.get());
    return session ? std::make_shared<SSLSession>(session) : nullptr;
}

bool SSLObject::session_reused() const noexcept {
    return SSL_session_reused(ssl_.get()) == 1;
}

// ---- Failures -----------------------------------------------------------------------------

void SSLObject::throw_if_failed() const {
    if (error_) std::rethrow_exception(error_);
}

// PySSL_SetError's decision, in the same order: a failed verification first (the queue then
// only says "certificate verify failed", the verify result says why), then end of stream, then
// whatever OpenSSL's queue names.
void SSLObject::fail(int ssl_error, const char* operation) {
    const unsigned long code = ERR_peek_error();
    if (ssl_error == SSL_ERROR_SSL && has_reason(code, SSL_R_CERTIFICATE_VERIFY_FAILED)) {
        error_ = verification_error();
    } else if ((ssl_error == SSL_ERROR_SSL &&
                has_reason(code, SSL_R_UNEXPECTED_EOF_WHILE_READING)) ||
               (ssl_error == SSL_ERROR_SYSCALL && code == 0)) {
        // With memory BIOs, SYSCALL with an empty queue can only be the end of stream we fed.
        error_ = std::make_exception_ptr(SSLEOFError(operation, peer_));
    } else if (ssl_error == SSL_ERROR_ZERO_RETURN) {
        error_ = std::make_exception_ptr(SSLError(
            std::error_code(static_cast<int>(ERR_PACK(ERR_LIB_SSL, 0, SSL_R_PROTOCOL_IS_SHUTDOWN)),
                            ssl_category()),
            "the peer sent close_notify during the handshake", operation, peer_));
    } else {
        const char* reason = code ? ERR_reason_error_string(code) : nullptr;
        error_ = std::make_exception_ptr(
            SSLError(std::error_code(static_cast<int>(code), ssl_category()),
                     reason ? reason : "unknown error", operation, peer_));
    }
    ERR_clear_error();
    std::rethrow_exception(error_);
}

// OpenSSL's verify result in its own words ("self-signed certificate", "certificate has
// expired", "unable to get local issuer certificate"), and for a name mismatch the names the
// certificate does have: the first thing a person needs to see.
std::exception_ptr SSLObject::verification_error() const {
    const long result = SSL_get_verify_result(ssl_.get());
    std::string message = X509_verify_cert_error_string(result);
    if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        X509* leaf = SSL_get0_peer_certificate(ssl_.get());
        if (!leaf) {
            // A failed verification leaves the chain but not the session's certificate.
            STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl_.get());
            if (chain && sk_X509_num(chain) > 0) leaf = sk_X509_value(chain, 0);
        }
        if (leaf) {
            message += ": certificate is for " + join(PeerCertificate::from_x509(leaf).names()) +
                       ", not " + server_hostname_;
        }
    }
    return std::make_exception_ptr(SSLCertVerificationError(result, message, peer_));
}

}  // namespace looplab::net::tls
