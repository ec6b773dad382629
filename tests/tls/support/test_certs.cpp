// tests/tls/support/test_certs.cpp: the tests' cast of certificates (test_certs.hpp).
#include "tls/support/test_certs.hpp"

#include <chrono>

namespace looplab::net::tls::testing {

const TestPKI& pki() {
    static const TestPKI* const instance = [] {
        auto* made =
            new TestPKI{TestCA("looplab test CA"), {}, {}, {}, {}, {}, TestCA("nobody's CA"), {}};
        made->localhost = made->ca.issue({});
        CertSpec expired;
        expired.not_before = -std::chrono::hours(48);
        expired.not_after = -std::chrono::hours(24);
        made->expired = made->ca.issue(expired);
        CertSpec other;
        other.common_name = "other.example";
        other.dns_names = {"other.example"};
        other.ip_addresses = {};
        made->other_host = made->ca.issue(other);
        made->self_signed = tls::self_signed({});
        CertSpec client;
        client.common_name = "looplab client";
        client.dns_names = {};
        client.ip_addresses = {};
        made->client = made->ca.issue(client);
        made->untrusted = made->other_ca.issue({});
        return made;
    }();
    return *instance;
}

std::shared_ptr<SSLContext> server_context(const Credentials& credentials) {
    auto context = SSLContext::make(TLSProtocol::tls_server);
    context->load_cert_chain(credentials.cert_file, credentials.key_file);
    return context;
}

std::shared_ptr<SSLContext> server_context() {
    return server_context(pki().localhost);
}

std::shared_ptr<SSLContext> client_context() {
    auto context = SSLContext::make(TLSProtocol::tls_client);
    context->load_verify_locations(pki().ca.cert_file());
    return context;
}

}  // namespace looplab::net::tls::testing
