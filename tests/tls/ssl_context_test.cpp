// tests/tls/ssl_context_test.cpp: SSLContext's defaults, its rules between settings, and its
// loading errors.
//
// CPython: test_ssl.py's ContextTests (test_constructor, test_check_hostname,
//          test_verify_mode_protocol, test_load_cert_chain, test_load_verify_locations).
#include "net/tls/ssl_context.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>

#include <stdexcept>
#include <string>

#include "net/tls/ssl_errors.hpp"
#include "net/tls/ssl_object.hpp"
#include "tls/support/engine_pair.hpp"
#include "tls/support/test_certs.hpp"

namespace looplab::net::tls {
namespace {

using testing::pki;

TEST(SSLContext, AClientContextVerifiesServersByDefault) {
    auto context = SSLContext::make(TLSProtocol::tls_client);
    EXPECT_FALSE(context->server_side());
    EXPECT_EQ(context->verify_mode(), VerifyMode::cert_required);
    EXPECT_TRUE(context->check_hostname());
    EXPECT_EQ(context->minimum_version(), TLSVersion::tlsv1_2);
    EXPECT_EQ(context->maximum_version(), TLSVersion::tlsv1_3);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(context->native_handle()), TLS1_2_VERSION);
    EXPECT_NE(SSL_CTX_get_options(context->native_handle()) & SSL_OP_NO_RENEGOTIATION, 0u);
}

TEST(SSLContext, AServerContextAsksForNoClientCertificateByDefault) {
    auto context = SSLContext::make(TLSProtocol::tls_server);
    EXPECT_TRUE(context->server_side());
    EXPECT_EQ(context->verify_mode(), VerifyMode::cert_none);
    EXPECT_FALSE(context->check_hostname());
}

TEST(SSLContext, CreateDefaultContextMakesAClientOrAServerContext) {
    EXPECT_EQ(create_default_context()->protocol(), TLSProtocol::tls_client);
    EXPECT_EQ(create_default_context(Purpose::client_auth)->protocol(), TLSProtocol::tls_server);
    auto with_ca = create_default_context(Purpose::server_auth, pki().ca.cert_file());
    testing::EnginePair pair(with_ca, testing::server_context());
    EXPECT_NO_THROW(pair.handshake()) << "the CA file given is trusted";
}

TEST(SSLContext, CertNoneNeedsTheHostnameCheckOffFirstAndTheCheckTurnsVerificationOn) {
    auto context = SSLContext::make(TLSProtocol::tls_client);
    EXPECT_THROW(context->set_verify_mode(VerifyMode::cert_none), std::invalid_argument);
    context->set_check_hostname(false);
    context->set_verify_mode(VerifyMode::cert_none);
    EXPECT_EQ(context->verify_mode(), VerifyMode::cert_none);
    context->set_check_hostname(true);
    EXPECT_EQ(context->verify_mode(), VerifyMode::cert_required) << "Python's rule";
}

TEST(SSLContext, TheHostnameCheckNeedsAServerHostname) {
    auto context = testing::client_context();
    EXPECT_THROW((void)context->wrap_bio({}), std::invalid_argument);
    context->set_check_hostname(false);
    EXPECT_NO_THROW((void)context->wrap_bio({}));
}

TEST(SSLContext, VersionsCannotCross) {
    auto context = SSLContext::make(TLSProtocol::tls_client);
    context->set_maximum_version(TLSVersion::tlsv1_2);
    EXPECT_THROW(context->set_minimum_version(TLSVersion::tlsv1_3), std::invalid_argument);
    context->set_maximum_version(TLSVersion::tlsv1_3);
    context->set_minimum_version(TLSVersion::tlsv1_3);
    EXPECT_THROW(context->set_maximum_version(TLSVersion::tlsv1_2), std::invalid_argument);
    EXPECT_EQ(to_string(TLSVersion::tlsv1_2), "TLSv1.2");
}

TEST(SSLContext, ATls12OnlyServerAndATls13OnlyClientDoNotAgree) {
    auto client = testing::client_context();
    client->set_minimum_version(TLSVersion::tlsv1_3);
    auto server = testing::server_context();
    server->set_maximum_version(TLSVersion::tlsv1_2);
    testing::EnginePair pair(client, server);
    try {
        pair.handshake();
        ADD_FAILURE() << "they agreed";
    } catch (const SSLError& e) {
        EXPECT_FALSE(e.reason().empty()) << e.what();
    }
}

TEST(SSLContext, LoadingAMissingFileNamesIt) {
    auto context = SSLContext::make(TLSProtocol::tls_server);
    try {
        context->load_cert_chain("/nonexistent/cert.pem");
        ADD_FAILURE() << "no error";
    } catch (const SSLError& e) {
        EXPECT_STREQ(e.what(),
                     "load_cert_chain failed: no such file or directory (/nonexistent/cert.pem)");
    }
    EXPECT_THROW(context->load_verify_locations("/nonexistent/ca.pem"), SSLError);
    EXPECT_THROW(context->load_verify_locations(std::nullopt), std::invalid_argument);
}

TEST(SSLContext, AKeyThatDoesNotMatchTheCertificateIsRefused) {
    auto context = SSLContext::make(TLSProtocol::tls_server);
    try {
        context->load_cert_chain(pki().localhost.cert_file, pki().other_host.key_file);
        ADD_FAILURE() << "no error";
    } catch (const SSLError& e) {
        EXPECT_EQ(e.operation(), "load_cert_chain");
        EXPECT_EQ(e.address(), pki().other_host.key_file.string());
        EXPECT_FALSE(e.reason().empty());
    }
}

TEST(SSLContext, AFileThatIsNotPEMIsRefused) {
    const auto garbage = testing::write_temp_file("-garbage.pem", "not a certificate\n");
    auto context = SSLContext::make(TLSProtocol::tls_client);
    EXPECT_THROW(context->load_verify_locations(garbage), SSLError);
    EXPECT_THROW(context->load_verify_locations(std::nullopt, std::nullopt, "no PEM here"),
                 SSLError);
}

TEST(SSLContext, CADataInMemoryIsTrustedLikeACAFile) {
    auto context = SSLContext::make(TLSProtocol::tls_client);
    context->load_verify_locations(std::nullopt, std::nullopt, pki().ca.cert_pem());
    testing::EnginePair pair(context, testing::server_context());
    EXPECT_NO_THROW(pair.handshake());
}

TEST(SSLContext, ACADirectoryWithHashedNamesIsTrusted) {
    // capath's layout (c_rehash, Debian's /etc/ssl/certs): each CA in "<subject hash>.0".
    BIO* bio =
        BIO_new_mem_buf(pki().ca.cert_pem().data(), static_cast<int>(pki().ca.cert_pem().size()));
    X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(ca, nullptr);
    char name[16];
    std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(ca));
    X509_free(ca);
    const std::filesystem::path dir = testing::write_temp_file("-capath", "").string() + ".d";
    std::filesystem::create_directory(dir);
    std::filesystem::copy_file(pki().ca.cert_file(), dir / name);

    auto context = SSLContext::make(TLSProtocol::tls_client);
    context->load_verify_locations(std::nullopt, dir);
    testing::EnginePair pair(context, testing::server_context());
    EXPECT_NO_THROW(pair.handshake());
}

TEST(SSLContext, TheSessionCacheKeepsTheLatestSessionPerServerAndDropsTheOldest) {
    SSLSessionCache cache(2);
    auto session = [] { return std::make_shared<SSLSession>(SSL_SESSION_new()); };
    cache.put({"a", 1}, session());
    cache.put({"b", 1}, session());
    cache.put({"a", 1}, session());  // replaces, and makes "a" the newest
    EXPECT_EQ(cache.size(), 2u);
    cache.put({"c", 1}, session());  // "b" is now the oldest
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_EQ(cache.get({"b", 1}), nullptr);
    // A fresh SSL_SESSION is not resumable (no master secret): get() does not offer it.
    EXPECT_EQ(cache.get({"a", 1}), nullptr);
    cache.erase({"a", 1});
    EXPECT_EQ(cache.size(), 1u);
    cache.clear();
    EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace looplab::net::tls
