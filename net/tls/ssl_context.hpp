// net/tls/ssl_context.hpp: SSLContext, the TLS settings many connections share, and
// create_default_context().
//
// Python: ssl.SSLContext and ssl.create_default_context() (Lib/ssl.py), shaped the same way:
//         a context is made for one side (PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER), holds
//         the trust store, this side's certificate, verify_mode, check_hostname, the versions,
//         ciphers and ALPN protocols, and makes one engine per connection (wrap_bio).
// OpenSSL: an SSL_CTX, which this owns; curl and nginx keep one per configuration too.
//
//     auto client = create_default_context();                 // trusts the system's CAs
//     auto server = SSLContext::make(TLSProtocol::tls_server);
//     server->load_cert_chain("cert.pem", "key.pem");
//
// Defaults, and why (they are Python's, which are OpenSSL's advice):
//   - a client context verifies the server: verify_mode cert_required, check_hostname on. A
//     client that skips either talks to whoever answers; curl's -k / --insecure is an explicit
//     set_verify_mode(cert_none) after set_check_hostname(false);
//   - a server context asks for no client certificate (verify_mode cert_none);
//   - minimum version TLS 1.2 on both sides (RFC 8996 deprecated 1.0 and 1.1); TLS 1.3 is
//     preferred when both speak it;
//   - renegotiation refused (SSL_OP_NO_RENEGOTIATION): TLS 1.2 renegotiation has a history of
//     attacks (CVE-2009-3555, and a cheap way to make a server burn CPU), TLS 1.3 removed it,
//     and nginx refuses it too;
//   - SSL_MODE_RELEASE_BUFFERS: an idle connection gives its 34 KiB of record buffers back,
//     so 1,000 idle TLS connections cost what their state costs, not 34 MB;
//   - the system trust store only through create_default_context() or load_default_certs(),
//     as in Python: SSLContext::make() trusts nothing until told.
//
// Thread safety: configure a context first, then share it. Once connections are being made
// from it, its setters must not be called; wrap_bio() and the session cache may then be used
// from any number of threads at once (OpenSSL's SSL_CTX is safe for that, ssl_session.hpp
// says why the cache is). Owned by std::shared_ptr: every engine made from it holds one.
#pragma once

#include <openssl/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/tls/ssl_session.hpp"

namespace looplab::net::tls {

class SSLObject;

// Which side a context is for (Python: ssl.PROTOCOL_TLS_CLIENT / ssl.PROTOCOL_TLS_SERVER).
enum class TLSProtocol { tls_client, tls_server };

// What create_default_context() prepares a context to authenticate (Python: ssl.Purpose).
// server_auth: a client context, that checks servers; client_auth: a server context.
enum class Purpose { server_auth, client_auth };

// How the peer's certificate is checked (Python: ssl.CERT_NONE / CERT_OPTIONAL /
// CERT_REQUIRED). On a client, cert_optional means the same as cert_required (a server always
// sends one); on a server, cert_optional checks a client certificate if one is sent.
enum class VerifyMode { cert_none, cert_optional, cert_required };

// Protocol versions a context may allow (Python: ssl.TLSVersion); nothing older than 1.2.
enum class TLSVersion { tlsv1_2, tlsv1_3 };

// "TLSv1.2" / "TLSv1.3", OpenSSL's and Python's spelling.
std::string_view to_string(TLSVersion version) noexcept;

// How one engine is made (Python: wrap_bio's server_hostname and session arguments).
struct WrapOptions {
    // Client side: the server's name, sent as SNI and matched against its certificate when
    // check_hostname is on. An IP address is matched against the certificate's IP entries and
    // not sent as SNI (RFC 6066 allows only host names there). Empty: neither.
    std::string server_hostname;
    // Client side: the session cache entry to resume from and to store new sessions under;
    // nullopt: no resumption.
    std::optional<SessionKey> session_key;
    // The peer's address, used only in error messages ("... (127.0.0.1:4433)").
    std::string peer;
};

class SSLContext : public std::enable_shared_from_this<SSLContext> {
public:
    // A context for one side with the defaults above (Python: SSLContext(protocol)). Throws
    // SSLError if OpenSSL cannot make one (out of memory).
    static std::shared_ptr<SSLContext> make(TLSProtocol protocol);
    ~SSLContext();
    SSLContext(const SSLContext&) = delete;
    SSLContext& operator=(const SSLContext&) = delete;

    [[nodiscard]] TLSProtocol protocol() const noexcept { return protocol_; }
    [[nodiscard]] bool server_side() const noexcept { return protocol_ == TLSProtocol::tls_server; }

    // ---- Whom to trust ---------------------------------------------------------------------
    // Adds CA certificates: cafile (PEM, possibly several), capath (a directory of hashed
    // names, as c_rehash / Debian's /etc/ssl/certs has), cadata (PEM text). At least one must
    // be given. Throws SSLError naming the file (Python raises FileNotFoundError/SSLError).
    void load_verify_locations(std::optional<std::filesystem::path> cafile,
                               std::optional<std::filesystem::path> capath = std::nullopt,
                               std::string_view cadata = {});
    // The system's trust store (OpenSSL's default paths; SSL_CERT_FILE / SSL_CERT_DIR
    // override them, as for curl and Python).
    void load_default_certs();

    // ---- Who we are ------------------------------------------------------------------------
    // This side's certificate chain (PEM: the leaf first, then intermediates) and its private
    // key (keyfile, or the same file when nullopt), as Python's load_cert_chain. Servers need
    // one; clients only for client-certificate authentication. Throws SSLError naming the file
    // when it cannot be read or the key does not match the certificate.
    void load_cert_chain(const std::filesystem::path& certfile,
                         std::optional<std::filesystem::path> keyfile = std::nullopt,
                         std::string password = {});

    // ---- How to check the peer -------------------------------------------------------------
    [[nodiscard]] VerifyMode verify_mode() const noexcept { return verify_mode_; }
    // Throws std::invalid_argument for cert_none while check_hostname is on (Python: "Cannot
    // set verify_mode to CERT_NONE when check_hostname is enabled"): turn that off first.
    void set_verify_mode(VerifyMode mode);
    [[nodiscard]] bool check_hostname() const noexcept { return check_hostname_; }
    // Turning it on also turns verify_mode from cert_none to cert_required (Python's rule: a
    // host name check of an unverified certificate would prove nothing).
    void set_check_hostname(bool on);

    // ---- What to speak ---------------------------------------------------------------------
    [[nodiscard]] TLSVersion minimum_version() const noexcept { return minimum_version_; }
    [[nodiscard]] TLSVersion maximum_version() const noexcept { return maximum_version_; }
    // Throws std::invalid_argument if the minimum would exceed the maximum.
    void set_minimum_version(TLSVersion version);
    void set_maximum_version(TLSVersion version);
    // TLS 1.2 cipher list in OpenSSL's syntax (Python: set_ciphers); TLS 1.3 suites are
    // OpenSSL's defaults. Throws SSLError if no cipher of the list is known.
    void set_ciphers(const std::string& ciphers);
    // Application protocols to offer (client) or accept (server), most preferred first:
    // {"h2", "http/1.1"} (Python: set_alpn_protocols). A server picks the first of its own
    // list that the client offered; with none in common, no protocol is selected and the
    // handshake goes on (Python and OpenSSL's "no ack"). Each 1..255 bytes, else
    // std::invalid_argument.
    void set_alpn_protocols(std::vector<std::string> protocols);
    [[nodiscard]] const std::vector<std::string>& alpn_protocols() const noexcept {
        return alpn_protocols_;
    }

    // ---- Sessions --------------------------------------------------------------------------
    // Client sessions by server (ssl_session.hpp): engines made with a session_key resume from
    // it and store into it.
    [[nodiscard]] SSLSessionCache& session_cache() noexcept { return session_cache_; }

    // ---- Engines ---------------------------------------------------------------------------
    // A new engine for one connection on this context's side (Python: wrap_bio, with the two
    // memory BIOs built in). Throws std::invalid_argument for a client context with
    // check_hostname on and no server_hostname (Python: "check_hostname requires
    // server_hostname").
    [[nodiscard]] std::unique_ptr<SSLObject> wrap_bio(WrapOptions options = {});

    [[nodiscard]] SSL_CTX* native_handle() const noexcept { return ctx_; }

private:
    explicit SSLContext(TLSProtocol protocol);
    void apply_verify_mode();

    TLSProtocol protocol_;
    SSL_CTX* ctx_ = nullptr;  // owned; every SSL made from it holds a reference too
    VerifyMode verify_mode_;
    bool check_hostname_;
    TLSVersion minimum_version_ = TLSVersion::tlsv1_2;
    TLSVersion maximum_version_ = TLSVersion::tlsv1_3;
    std::vector<std::string> alpn_protocols_;
    std::string alpn_wire_;  // the same in the wire format (length-prefixed), for the server
    SSLSessionCache session_cache_;

    // OpenSSL's new-session callback, installed on every client context: the server sent a
    // session; returns 1 when it was kept (the cache then owns that reference), 0 to let OpenSSL
    // free it. Defined in ssl_object.cpp (it reads the engine that received the session).
    static int on_new_session(SSL* ssl, SSL_SESSION* session);

    friend class SSLObject;
};

// A context with Python's secure defaults for purpose (Python: ssl.create_default_context):
// server_auth (the default) gives a client context, client_auth a server one. The given CAs
// are loaded, or the system's trust store when none is given.
std::shared_ptr<SSLContext> create_default_context(
    Purpose purpose = Purpose::server_auth,
    std::optional<std::filesystem::path> cafile = std::nullopt,
    std::optional<std::filesystem::path> capath = std::nullopt, std::string_view cadata = {});

}  // namespace looplab::net::tls
