// http/client/tls_info.cpp: see tls_info.hpp.
#include "http/client/tls_info.hpp"

#include <mutex>
#include <stdexcept>

#include "http/client/client_errors.hpp"
#include "net/errors.hpp"
#include "net/tls/ssl_errors.hpp"

namespace looplab::http {

namespace {

// Guards `current`: default_ssl_context() may be called from executor threads (the blocking
// client) while the loop thread's ClientSession calls it too. Held only for a shared_ptr copy
// or, once, for making the context (no callback runs under it, so it cannot nest).
std::mutex default_mutex;
std::shared_ptr<net::tls::SSLContext> current;  // guarded by default_mutex

}  // namespace

std::shared_ptr<const TlsInfo> TlsInfo::of(const net::tls::SSLObject& engine) {
    auto info = std::make_shared<TlsInfo>();
    info->version = engine.version();
    info->cipher = engine.cipher().value_or(net::tls::Cipher{});
    info->alpn = engine.selected_alpn_protocol();
    info->peercert = engine.getpeercert();
    info->session_reused = engine.session_reused();
    return info;
}

std::shared_ptr<net::tls::SSLContext> default_ssl_context() {
    std::lock_guard lock(default_mutex);
    if (!current) {
        current = net::tls::create_default_context();
        current->set_alpn_protocols({"http/1.1"});
    }
    return current;
}

void set_default_ssl_context(std::shared_ptr<net::tls::SSLContext> context) {
    if (context && context->server_side()) {
        throw std::invalid_argument("set_default_ssl_context: needs a client context");
    }
    std::lock_guard lock(default_mutex);
    current = std::move(context);
}

namespace detail {

bool looks_like_tls(std::string_view first_bytes) noexcept {
    return first_bytes.size() >= 2 && (first_bytes[0] == '\x15' || first_bytes[0] == '\x16') &&
           first_bytes[1] == '\x03';
}

std::string tls_answer_hint(const Url& url, std::string_view first_bytes) {
    if (url.is_tls() || !looks_like_tls(first_bytes)) return {};
    return " (the server answered with TLS: this port speaks https, try https://" +
           url.host_header() + url.target() + ")";
}

// What a plain-HTTP server's answer to a ClientHello looks like to OpenSSL: its first bytes
// ("HTTP/1.1 400") read as a record header give a version that is no version at all.
std::string not_tls_hint(const net::NetError& e) {
    const auto* ssl = dynamic_cast<const net::tls::SSLError*>(&e);
    if (!ssl ||
        (ssl->reason() != "wrong version number" && ssl->reason() != "packet length too long")) {
        return {};
    }
    return " (the server's answer is not TLS: is this port plain http://?)";
}

void throw_handshake_error(const std::string& doing) {
    try {
        throw;
    } catch (const net::tls::SSLTimeoutError& e) {
        throw ClientTimeoutError(
            ClientTimeoutError::Phase::tls_handshake,
            "timed out in the " + doing + ": " + e.what() + " (phase: tls handshake)");
    } catch (const net::tls::SSLCertVerificationError& e) {
        throw ClientConnectorCertificateError(doing + " failed: " + e.what(),
                                              std::current_exception());
    } catch (const net::NetError& e) {
        throw ClientSSLError(doing + " failed: " + e.what() + not_tls_hint(e),
                             std::current_exception());
    }
}

}  // namespace detail

}  // namespace looplab::http
