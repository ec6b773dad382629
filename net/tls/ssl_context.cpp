// net/tls/ssl_context.cpp: an SSL_CTX with Python's defaults, trust and certificates loading,
// ALPN, and the engines it makes.
//
// Python: _ssl.c's _SSLContext (the OpenSSL calls behind each setter) and ssl.py's
//         create_default_context.
#include "net/tls/ssl_context.hpp"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <stdexcept>
#include <system_error>

#include "net/tls/ssl_errors.hpp"

namespace looplab::net::tls {

namespace {

int version_number(TLSVersion version) {
    return version == TLSVersion::tlsv1_2 ? TLS1_2_VERSION : TLS1_3_VERSION;
}

// A missing file is the commonest loading mistake; OpenSSL's own report of it ("system lib")
// does not say which file, so say it here first.
void require_file(const std::filesystem::path& path, std::string_view operation) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return;
    throw SSLError(std::error_code(ENOENT, std::system_category()), "no such file or directory",
                   operation, path.string());
}

// The server's ALPN choice (OpenSSL's select callback): the first protocol of the server's
// list that the client offered; none in common is not an error ("no ack", as Python does).
int select_alpn(SSL*, const unsigned char** out, unsigned char* out_length,
                const unsigned char* offered, unsigned int offered_length, void* arg) {
    const auto* ours = static_cast<const std::string*>(arg);
    if (ours->empty()) return SSL_TLSEXT_ERR_NOACK;
    unsigned char* chosen = nullptr;
    const int result = SSL_select_next_proto(
        &chosen, out_length, reinterpret_cast<const unsigned char*>(ours->data()),
        static_cast<unsigned int>(ours->size()), offered, offered_length);
    if (result != OPENSSL_NPN_NEGOTIATED) return SSL_TLSEXT_ERR_NOACK;
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
}

// The server's session id context: OpenSSL refuses to resume a session on a server that
// verifies client certificates unless one is set ("session id context uninitialized").
constexpr unsigned char kSessionIdContext[] = "looplab";

}  // namespace

std::string_view to_string(TLSVersion version) noexcept {
    return version == TLSVersion::tlsv1_2 ? "TLSv1.2" : "TLSv1.3";
}

std::shared_ptr<SSLContext> SSLContext::make(TLSProtocol protocol) {
    return std::shared_ptr<SSLContext>(new SSLContext(protocol));
}

SSLContext::SSLContext(TLSProtocol protocol)
    : protocol_(protocol),
      verify_mode_(protocol == TLSProtocol::tls_client ? VerifyMode::cert_required
                                                       : VerifyMode::cert_none),
      check_hostname_(protocol == TLSProtocol::tls_client) {
    ctx_ = SSL_CTX_new(server_side() ? TLS_server_method() : TLS_client_method());
    if (!ctx_) detail::throw_ssl_error("SSL_CTX_new", {});
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_max_proto_version(ctx_, TLS1_3_VERSION);
    SSL_CTX_set_options(ctx_, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);
    if (server_side()) {
        SSL_CTX_set_options(ctx_, SSL_OP_CIPHER_SERVER_PREFERENCE);
        SSL_CTX_set_alpn_select_cb(ctx_, select_alpn, &alpn_wire_);
        SSL_CTX_set_session_id_context(ctx_, kSessionIdContext, sizeof kSessionIdContext - 1);
    } else {
        // Sessions go to our cache (through the engine's callback), not OpenSSL's own store:
        // OpenSSL's client-side store is keyed by nothing a client could look up by.
        SSL_CTX_set_session_cache_mode(ctx_,
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx_, &SSLContext::on_new_session);
    }
    apply_verify_mode();
}

SSLContext::~SSLContext() {
    SSL_CTX_free(ctx_);
}

// ---- Trust --------------------------------------------------------------------------------

void SSLContext::load_verify_locations(std::optional<std::filesystem::path> cafile,
                                       std::optional<std::filesystem::path> capath,
                                       std::string_view cadata) {
    if (!cafile && !capath && cadata.empty()) {
        throw std::invalid_argument("load_verify_locations: give cafile, capath or cadata");
    }
    if (cafile) require_file(*cafile, "load_verify_locations");
    if (capath) require_file(*capath, "load_verify_locations");
    if (cafile || capath) {
        const std::string file = cafile ? cafile->string() : std::string();
        const std::string dir = capath ? capath->string() : std::string();
        if (SSL_CTX_load_verify_locations(ctx_, cafile ? file.c_str() : nullptr,
                                          capath ? dir.c_str() : nullptr) != 1) {
            detail::throw_ssl_error("load_verify_locations", cafile ? file : dir);
        }
    }
    if (cadata.empty()) return;
    BIO* bio = BIO_new_mem_buf(cadata.data(), static_cast<int>(cadata.size()));
    if (!bio) detail::throw_ssl_error("load_verify_locations", "cadata");
    X509_STORE* store = SSL_CTX_get_cert_store(ctx_);
    int loaded = 0;
    while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
        const int added = X509_STORE_add_cert(store, cert);
        X509_free(cert);
        if (added != 1) {
            BIO_free(bio);
            detail::throw_ssl_error("load_verify_locations", "cadata");
        }
        ++loaded;
    }
    BIO_free(bio);
    ERR_clear_error();  // the end of the PEM text is reported as an error: it is not one
    if (loaded == 0) {
        throw SSLError(std::error_code(EINVAL, std::system_category()), "no PEM certificate found",
                       "load_verify_locations", "cadata");
    }
}

void SSLContext::load_default_certs() {
    if (SSL_CTX_set_default_verify_paths(ctx_) != 1) {
        detail::throw_ssl_error("load_default_certs", {});
    }
}

// ---- Who we are ---------------------------------------------------------------------------

void SSLContext::load_cert_chain(const std::filesystem::path& certfile,
                                 std::optional<std::filesystem::path> keyfile,
                                 std::string password) {
    const std::filesystem::path key = keyfile ? *keyfile : certfile;
    require_file(certfile, "load_cert_chain");
    require_file(key, "load_cert_chain");
    // The password callback's data is only read during the two calls below.
    SSL_CTX_set_default_passwd_cb_userdata(ctx_, password.data());
    struct ClearPassword {
        SSL_CTX* ctx;
        ~ClearPassword() { SSL_CTX_set_default_passwd_cb_userdata(ctx, nullptr); }
    } clear{ctx_};
    if (SSL_CTX_use_certificate_chain_file(ctx_, certfile.string().c_str()) != 1) {
        detail::throw_ssl_error("load_cert_chain", certfile.string());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx_, key.string().c_str(), SSL_FILETYPE_PEM) != 1) {
        detail::throw_ssl_error("load_cert_chain", key.string());
    }
    if (SSL_CTX_check_private_key(ctx_) != 1) {
        detail::throw_ssl_error("load_cert_chain", key.string());
    }
}

// ---- How to check the peer ----------------------------------------------------------------

void SSLContext::set_verify_mode(VerifyMode mode) {
    if (mode == VerifyMode::cert_none && check_hostname_) {
        throw std::invalid_argument(
            "set_verify_mode: cannot set cert_none while check_hostname is on "
            "(call set_check_hostname(false) first)");
    }
    verify_mode_ = mode;
    apply_verify_mode();
}

void SSLContext::set_check_hostname(bool on) {
    check_hostname_ = on;
    if (on && verify_mode_ == VerifyMode::cert_none) {
        verify_mode_ = VerifyMode::cert_required;
        apply_verify_mode();
    }
}

void SSLContext::apply_verify_mode() {
    int flags = SSL_VERIFY_NONE;
    if (verify_mode_ != VerifyMode::cert_none) flags = SSL_VERIFY_PEER;
    // A client always gets a certificate from the server; only a server can be left without.
    if (verify_mode_ == VerifyMode::cert_required && server_side()) {
        flags |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(ctx_, flags, nullptr);
}

// ---- What to speak ------------------------------------------------------------------------

void SSLContext::set_minimum_version(TLSVersion version) {
    if (version > maximum_version_) {
        throw std::invalid_argument("set_minimum_version: above the maximum version");
    }
    minimum_version_ = version;
    SSL_CTX_set_min_proto_version(ctx_, version_number(version));
}

void SSLContext::set_maximum_version(TLSVersion version) {
    if (version < minimum_version_) {
        throw std::invalid_argument("set_maximum_version: below the minimum version");
    }
    maximum_version_ = version;
    SSL_CTX_set_max_proto_version(ctx_, version_number(version));
}

void SSLContext::set_ciphers(const std::string& ciphers) {
    if (SSL_CTX_set_cipher_list(ctx_, ciphers.c_str()) != 1) {
        detail::throw_ssl_error("set_ciphers", {});
    }
}

void SSLContext::set_alpn_protocols(std::vector<std::string> protocols) {
    std::string wire;
    for (const std::string& p : protocols) {
        if (p.empty() || p.size() > 255) {
            throw std::invalid_argument("set_alpn_protocols: each protocol must be 1..255 bytes");
        }
        wire.push_back(static_cast<char>(p.size()));
        wire += p;
    }
    // Client: offered in the ClientHello. (SSL_CTX_set_alpn_protos returns 0 on success.)
    if (!server_side() &&
        SSL_CTX_set_alpn_protos(ctx_, reinterpret_cast<const unsigned char*>(wire.data()),
                                static_cast<unsigned int>(wire.size())) != 0) {
        detail::throw_ssl_error("set_alpn_protocols", {});
    }
    alpn_protocols_ = std::move(protocols);
    alpn_wire_ = std::move(wire);  // server: read by select_alpn during handshakes
}

// wrap_bio and on_new_session are defined in ssl_object.cpp, beside the engine they make and
// serve: this file does not include ssl_object.hpp, which includes this file's header.

std::shared_ptr<SSLContext> create_default_context(Purpose purpose,
                                                   std::optional<std::filesystem::path> cafile,
                                                   std::optional<std::filesystem::path> capath,
                                                   std::string_view cadata) {
    auto context = SSLContext::make(purpose == Purpose::server_auth ? TLSProtocol::tls_client
                                                                    : TLSProtocol::tls_server);
    if (cafile || capath || !cadata.empty()) {
        context->load_verify_locations(std::move(cafile), std::move(capath), cadata);
    } else if (context->verify_mode() != VerifyMode::cert_none) {
        context->load_default_certs();
    }
    return context;
}

}  // namespace looplab::net::tls
