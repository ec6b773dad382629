// tests/tls/support/test_certs.hpp: the certificates every TLS test uses, made once per test
// process with the library's run-time CA (net/tls/certificate_authority.hpp).
//
// CPython: Lib/test/certdata/ (keycert.pem, the "pycacert" CA, a cert for "fakehostname").
//
// The cast (pki()) is made on first use and shared by every test of the process: a valid
// localhost certificate, an expired one, one for another host, a self-signed one, a client
// certificate, and one signed by a CA nobody trusts. Nothing here touches the network.
#pragma once

#include <memory>

#include "net/tls/certificate_authority.hpp"
#include "net/tls/ssl_context.hpp"

namespace looplab::net::tls::testing {

using tls::CertSpec;
using tls::Credentials;
using tls::self_signed;
using tls::write_temp_file;
using TestCA = tls::CertificateAuthority;

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
