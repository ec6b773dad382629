// tests/tls/support/test_certs.hpp: a throwaway certificate authority and the certificates the
// TLS tests need, made at run time with OpenSSL's API.
//
// CPython: Lib/test/certdata/ (keycert.pem, the "pycacert" CA, a cert for "fakehostname"),
//          generated once by make_ssl_certs.py and checked in.
//
// Why at run time rather than checked-in files: checked-in certificates expire (CPython
// regenerates its set every few years, after tests start failing), and an "expired" one must
// be expired relative to today. EC P-256 keys take microseconds to make, so the whole set is
// made once per test process (pki()) and written as PEM into a private temporary directory that
// is removed when the process exits. Nothing here touches the network.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/tls/ssl_context.hpp"

namespace looplab::net::tls::testing {

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

// A CA: a self-signed CA certificate that issues leaf certificates.
class TestCA {
public:
    explicit TestCA(std::string name = "looplab test CA");
    ~TestCA();
    TestCA(const TestCA&) = delete;
    TestCA& operator=(const TestCA&) = delete;

    [[nodiscard]] const std::string& cert_pem() const noexcept { return cert_pem_; }
    [[nodiscard]] const std::filesystem::path& cert_file() const noexcept { return cert_file_; }
    // A leaf certificate for spec, signed by this CA.
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

// The cast of every test, made on first use.
struct TestPKI {
    TestCA ca;                // "looplab test CA"
    Credentials localhost;    // CN=localhost, DNS:localhost, IP:127.0.0.1, valid
    Credentials expired;      // the same names, expired yesterday
    Credentials other_host;   // CN=other.example, DNS:other.example only
    Credentials self_signed;  // CN=localhost like localhost, but signed by itself
    Credentials client;       // CN=looplab client, for client-certificate tests
    TestCA other_ca;          // a CA nobody trusts
    Credentials untrusted;    // localhost, signed by other_ca
};
const TestPKI& pki();

// A server context presenting credentials.
std::shared_ptr<SSLContext> server_context(const Credentials& credentials);
std::shared_ptr<SSLContext> server_context();  // pki().localhost
// A client context trusting pki().ca only (verify_mode cert_required, check_hostname on).
std::shared_ptr<SSLContext> client_context();

}  // namespace looplab::net::tls::testing
