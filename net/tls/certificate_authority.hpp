// net/tls/certificate_authority.hpp: a throwaway certificate authority and the certificates it
// issues, made at run time with OpenSSL's API: for tests, and for servers that need a
// certificate for one run (the classroom's `looplab-demo ... --tls`).
//
// CPython: Lib/test/certdata/ (keycert.pem, the "pycacert" CA, a cert for "fakehostname"),
//          made once by make_ssl_certs.py and checked in; trustme (the Python package) makes
//          them at run time, as this does.
// openssl: `openssl req -x509 -newkey ec ...` then `openssl x509 -req -CA ...`, the same two
//          steps without a shell.
//
// Why at run time rather than checked-in files: checked-in certificates expire (CPython
// regenerates its set every few years, after tests start failing), and an "expired" one must be
// expired relative to today. EC P-256 keys take microseconds to make, so a CA and a certificate
// cost nothing at a server's start. The PEM files are written into one private temporary
// directory per process, removed when the process exits (nothing accumulates in /tmp).
//
// Not for production: nobody but the process that made it trusts the CA, which is the point.
//
//     CertificateAuthority ca;                                 // "looplab test CA"
//     Credentials server = ca.issue({});                       // CN=localhost, 127.0.0.1
//     auto context = SSLContext::make(TLSProtocol::tls_server);
//     context->load_cert_chain(server.cert_file, server.key_file);
//     client_context->load_verify_locations(ca.cert_file());   // the client trusts the CA
//
// Thread safety: a CA may issue from several threads at once (issuing only reads the CA).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace looplab::net::tls {

// What to put in a certificate. Times are relative to now.
struct CertSpec {
    std::string common_name = "localhost";
    std::vector<std::string> dns_names = {"localhost"};
    std::vector<std::string> ip_addresses = {"127.0.0.1"};
    std::chrono::seconds not_before = -std::chrono::hours(1);
    std::chrono::seconds not_after = std::chrono::hours(24);
};

// A certificate and its private key, in PEM, and the files they were written to.
struct Credentials {
    std::string cert_pem;
    std::string key_pem;
    std::filesystem::path cert_file;
    std::filesystem::path key_file;
};

// A self-signed CA certificate that issues leaf certificates. Throws std::runtime_error if
// OpenSSL cannot make a key or a certificate (out of memory) or a file cannot be written.
class CertificateAuthority {
public:
    explicit CertificateAuthority(std::string name = "looplab test CA");
    ~CertificateAuthority();
    CertificateAuthority(const CertificateAuthority&) = delete;
    CertificateAuthority& operator=(const CertificateAuthority&) = delete;

    [[nodiscard]] const std::string& cert_pem() const noexcept { return cert_pem_; }
    [[nodiscard]] const std::filesystem::path& cert_file() const noexcept { return cert_file_; }
    // A leaf certificate for spec (serverAuth and clientAuth), signed by this CA.
    [[nodiscard]] Credentials issue(const CertSpec& spec) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string cert_pem_;
    std::filesystem::path cert_file_;
};

// A leaf certificate signed by its own key: no CA vouches for it.
Credentials self_signed(const CertSpec& spec);

// Writes content into this process's temporary directory under a fresh name ending in suffix.
std::filesystem::path write_temp_file(std::string_view suffix, std::string_view content);

}  // namespace looplab::net::tls
