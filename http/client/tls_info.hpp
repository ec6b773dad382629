// http/client/tls_info.hpp: TlsInfo, what an https response's TLS handshake negotiated, and
// the clients' default TLS context.
//
// aiohttp: response.connection.transport.get_extra_info("ssl_object" / "peercert" / "cipher")
//          and the default ssl context (ssl.create_default_context()) of TCPConnector.
// requests: the context urllib3's PoolManager makes (system CAs, or REQUESTS_CA_BUNDLE).
// curl -v: "SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384", "ALPN: server accepted
//          http/1.1", "Server certificate: subject: ...; issuer: ...".
//
// A plain value, shared (a response holds a shared_ptr to its connection's, so a thousand
// keep-alive responses on one connection cost one copy of the certificate, not a thousand).
//
// The default context: both clients use default_ssl_context() for https when their options
// name no context. It is made once per process, the first time it is needed, the way Python's
// ssl.create_default_context() is: the system's CAs, the server and its host name checked,
// TLS 1.2 at least, ALPN "http/1.1". Being one context, it also holds one session cache, so a
// second connection to a server resumes the first one's TLS session whichever client made it.
// set_default_ssl_context() replaces it for the whole process (curl's CURL_CA_BUNDLE and
// Python's SSL_CERT_FILE do the same from the environment): the classroom demo's --tls trusts
// its own run-time CA this way. Both are thread-safe; set it before the clients start.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/proto/url.hpp"
#include "net/tls/peer_certificate.hpp"
#include "net/tls/ssl_context.hpp"
#include "net/tls/ssl_object.hpp"

namespace looplab::http {

struct TlsInfo {
    std::string version;                                // "TLSv1.3"
    net::tls::Cipher cipher;                            // "TLS_AES_256_GCM_SHA384", 256 bits
    std::optional<std::string> alpn;                    // "http/1.1", or none negotiated
    std::optional<net::tls::PeerCertificate> peercert;  // the server's certificate
    bool session_reused = false;                        // resumed: no certificate was sent

    // Reads what engine negotiated (after its handshake).
    static std::shared_ptr<const TlsInfo> of(const net::tls::SSLObject& engine);
};

// The client context both clients use when none is given (see the header comment).
std::shared_ptr<net::tls::SSLContext> default_ssl_context();
// Replaces it (null: back to a fresh system-CA context on next use). Needs a client context.
void set_default_ssl_context(std::shared_ptr<net::tls::SSLContext> context);

namespace detail {

// Whether bytes received where an HTTP response should begin are a TLS record instead
// (content type 21 alert or 22 handshake, then major version 3): an https server's alert to
// an http:// request. "HTTP/1.1" never starts that way.
bool looks_like_tls(std::string_view first_bytes) noexcept;
// " (the server answered with TLS: https://.../ is the URL for this port)" when an http://
// request got a TLS record back, else "": appended to the malformed-response message, which
// would otherwise only say "NUL byte in response head".
std::string tls_answer_hint(const Url& url, std::string_view first_bytes);

// Called inside a catch block for a TLS handshake's failure (a net::NetError): rethrows it as
// the client error it is, as curl tells them apart. SSLCertVerificationError ->
// ClientConnectorCertificateError (curl: exit 60); SSLTimeoutError -> ClientTimeoutError,
// phase tls_handshake; any other (SSLError, SSLEOFError: the server hung up, a reset) ->
// ClientSSLError (curl: exit 35), with a hint when the answer was plain HTTP. `doing` starts
// the message: "tls handshake with https://127.0.0.1:4433".
[[noreturn]] void throw_handshake_error(const std::string& doing);

}  // namespace detail

}  // namespace looplab::http
