// net/tls/certificate_authority.cpp: keys, X.509 certificates and their extensions, with OpenSSL.
//
// The extensions are what real CAs put in and what OpenSSL's verifier checks: a CA has
// basicConstraints CA:TRUE and keyCertSign; a leaf has its names in subjectAltName (a name only
// in the CN is not matched by OpenSSL's host check when a SAN exists), serverAuth/clientAuth,
// and key identifiers linking it to its issuer.
#include "net/tls/certificate_authority.hpp"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <atomic>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace looplab::net::tls {

namespace {

struct KeyFree {
    void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct CertFree {
    void operator()(X509* cert) const noexcept { X509_free(cert); }
};
using UniqueKey = std::unique_ptr<EVP_PKEY, KeyFree>;
using UniqueCert = std::unique_ptr<X509, CertFree>;

void check(bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("certificate authority: ") + what + " failed");
}

UniqueKey make_key() {
    UniqueKey key(EVP_EC_gen("P-256"));
    check(key != nullptr, "EVP_EC_gen");
    return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    check(ext != nullptr, "X509V3_EXT_conf_nid");
    check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
    X509_EXTENSION_free(ext);
}

// The parts every certificate shares: version 3, a random serial, validity, subject, key.
UniqueCert new_certificate(const std::string& common_name, EVP_PKEY* key,
                           std::chrono::seconds not_before, std::chrono::seconds not_after) {
    UniqueCert cert(X509_new());
    check(cert != nullptr, "X509_new");
    X509_set_version(cert.get(), 2);  // v3
    BIGNUM* serial = BN_new();
    BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY);
    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(cert.get()));
    BN_free(serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), static_cast<long>(not_before.count()));
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(not_after.count()));
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("looplab tests"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                               0);
    check(X509_set_pubkey(cert.get(), key) == 1, "X509_set_pubkey");
    return cert;
}

std::string alt_names(const CertSpec& spec) {
    std::string out;
    for (const std::string& dns : spec.dns_names) out += (out.empty() ? "DNS:" : ",DNS:") + dns;
    for (const std::string& ip : spec.ip_addresses) out += (out.empty() ? "IP:" : ",IP:") + ip;
    return out;
}

// Leaf extensions, then the signature by issuer_key (issuer: null for self-signed).
void finish_leaf(X509* cert, X509* issuer, EVP_PKEY* issuer_key, const CertSpec& spec) {
    X509_set_issuer_name(cert, X509_get_subject_name(issuer ? issuer : cert));
    add_extension(cert, issuer ? issuer : cert, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(cert, issuer ? issuer : cert, NID_key_usage, "critical,digitalSignature");
    add_extension(cert, issuer ? issuer : cert, NID_ext_key_usage, "serverAuth,clientAuth");
    add_extension(cert, issuer ? issuer : cert, NID_subject_key_identifier, "hash");
    if (issuer) add_extension(cert, issuer, NID_authority_key_identifier, "keyid:always");
    if (const std::string names = alt_names(spec); !names.empty()) {
        add_extension(cert, issuer ? issuer : cert, NID_subject_alt_name, names);
    }
    check(X509_sign(cert, issuer_key, EVP_sha256()) > 0, "X509_sign");
}

template <class Write>
std::string pem(Write write) {
    BIO* bio = BIO_new(BIO_s_mem());
    check(bio != nullptr, "BIO_new");
    check(write(bio) == 1, "PEM_write");
    char* data = nullptr;
    const long length = BIO_get_mem_data(bio, &data);
    std::string out(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return out;
}

std::string cert_pem(X509* cert) {
    return pem([cert](BIO* bio) { return PEM_write_bio_X509(bio, cert); });
}

std::string key_pem(EVP_PKEY* key) {
    return pem([key](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
    });
}

Credentials credentials(X509* cert, EVP_PKEY* key) {
    Credentials out{cert_pem(cert), key_pem(key), {}, {}};
    out.cert_file = write_temp_file("-cert.pem", out.cert_pem);
    out.key_file = write_temp_file("-key.pem", out.key_pem);
    return out;
}

// The process's private directory, removed at exit (files written by a test that crashed are
// lost with it, which is the point: nothing accumulates in /tmp).
class TempDir {
public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "looplab-tls-XXXXXX");
        check(::mkdtemp(pattern.data()) != nullptr, "mkdtemp");
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

}  // namespace

struct CertificateAuthority::Impl {
    UniqueKey key;
    UniqueCert cert;
};

CertificateAuthority::CertificateAuthority(std::string name) : impl_(std::make_unique<Impl>()) {
    impl_->key = make_key();
    impl_->cert = new_certificate(name, impl_->key.get(), -std::chrono::hours(24),
                                  std::chrono::hours(24 * 30));
    X509* cert = impl_->cert.get();
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    add_extension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(cert, cert, NID_subject_key_identifier, "hash");
    check(X509_sign(cert, impl_->key.get(), EVP_sha256()) > 0, "X509_sign");
    cert_pem_ = tls::cert_pem(cert);
    cert_file_ = write_temp_file("-ca.pem", cert_pem_);
}

CertificateAuthority::~CertificateAuthority() = default;

Credentials CertificateAuthority::issue(const CertSpec& spec) const {
    UniqueKey key = make_key();
    UniqueCert cert = new_certificate(spec.common_name, key.get(), spec.not_before, spec.not_after);
    finish_leaf(cert.get(), impl_->cert.get(), impl_->key.get(), spec);
    return credentials(cert.get(), key.get());
}

Credentials self_signed(const CertSpec& spec) {
    UniqueKey key = make_key();
    UniqueCert cert = new_certificate(spec.common_name, key.get(), spec.not_before, spec.not_after);
    finish_leaf(cert.get(), nullptr, key.get(), spec);
    return credentials(cert.get(), key.get());
}

std::filesystem::path write_temp_file(std::string_view suffix, std::string_view content) {
    static TempDir dir;
    static std::atomic<int> counter{0};
    const std::filesystem::path path =
        dir.path() / (std::to_string(counter.fetch_add(1)) + std::string(suffix));
    std::ofstream out(path, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    check(static_cast<bool>(out), "writing a temporary file");
    return path;
}

}  // namespace looplab::net::tls
