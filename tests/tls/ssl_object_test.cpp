// tests/tls/ssl_object_test.cpp: the TLS engine with no socket: two engines back to back.
//
// CPython: test_ssl.py's MemoryBIO and SSLObject tests; h11's tests of its sans-I/O engine fed
//          byte by byte.
#include "net/tls/ssl_object.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <string>
#include <thread>
#include <vector>

#include "net/tls/ssl_errors.hpp"
#include "tls/support/engine_pair.hpp"
#include "tls/support/test_certs.hpp"

namespace looplab::net::tls {
namespace {

using testing::client_context;
using testing::EnginePair;
using testing::one_byte;
using testing::pattern;
using testing::pki;
using testing::random_split;
using testing::read_available;
using testing::server_context;
using testing::transfer;

// Writes `payload` on `from` in pieces of write_piece bytes, moves the ciphertext with split,
// and returns what `to` read.
std::string send_through(SSLObject& from, SSLObject& to, const std::string& payload,
                         std::size_t write_piece, const testing::Split& split) {
    std::string received;
    for (std::size_t at = 0; at < payload.size(); at += write_piece) {
        const std::string_view piece = std::string_view(payload).substr(at, write_piece);
        EXPECT_EQ(from.write(piece), piece.size());
        transfer(from, to, split, [&] { received += read_available(to); });
    }
    return received;
}

TEST(SSLObject, BackToBackEnginesNegotiateTls13AndDescribeThePeer) {
    EnginePair pair(client_context(), server_context());
    pair.handshake();
    ASSERT_TRUE(pair.client->handshake_done());
    ASSERT_TRUE(pair.server->handshake_done());
    EXPECT_EQ(pair.client->version(), "TLSv1.3");
    EXPECT_EQ(pair.server->version(), "TLSv1.3");
    ASSERT_TRUE(pair.client->cipher().has_value());
    EXPECT_EQ(pair.client->cipher()->version, "TLSv1.3");
    EXPECT_GE(pair.client->cipher()->secret_bits, 128);
    EXPECT_EQ(pair.client->cipher()->name, pair.server->cipher()->name);

    const std::optional<PeerCertificate> cert = pair.client->getpeercert();
    ASSERT_TRUE(cert.has_value());
    EXPECT_EQ(cert->subject, "CN=localhost,O=looplab tests");
    EXPECT_EQ(cert->issuer, "CN=looplab test CA,O=looplab tests");
    EXPECT_EQ(cert->common_name, "localhost");
    EXPECT_EQ(cert->names(), (std::vector<std::string>{"localhost", "127.0.0.1"}));
    EXPECT_FALSE(cert->der.empty());
    EXPECT_FALSE(cert->not_after.empty());
    EXPECT_FALSE(pair.server->getpeercert().has_value()) << "no client certificate was sent";

    EXPECT_EQ(pair.server->server_hostname(), "localhost") << "the SNI the client sent";
    EXPECT_EQ(pair.client->server_hostname(), "localhost");
    EXPECT_TRUE(pair.server->server_side());
    EXPECT_FALSE(pair.client->server_side());
}

TEST(SSLObject, PlaintextArrivesWholeWhenEveryByteIsFedAlone) {
    EnginePair pair(client_context(), server_context());
    pair.handshake(one_byte);
    ASSERT_TRUE(pair.server->handshake_done());
    // More than two records' worth (a record holds 16 KiB), each way.
    const std::string request = pattern(40'000, 1);
    const std::string reply = pattern(40'000, 2);
    EXPECT_EQ(send_through(*pair.client, *pair.server, request, 40'000, one_byte), request);
    EXPECT_EQ(send_through(*pair.server, *pair.client, reply, 40'000, one_byte), reply);
}

TEST(SSLObject, PlaintextArrivesWholeWhateverTheSplits) {
    for (unsigned seed = 1; seed <= 20; ++seed) {
        SCOPED_TRACE("seed " + std::to_string(seed));
        EnginePair pair(client_context(), server_context());
        pair.handshake(random_split(seed));
        ASSERT_TRUE(pair.server->handshake_done());
        const std::string request = pattern(100'000 + seed, seed);
        const std::string reply = pattern(70'000 + seed, seed + 1);
        // Writes of a few hundred bytes to a few records, and wire pieces of up to 3 KiB.
        const std::size_t write_piece = 300 + seed * 1'000;
        EXPECT_EQ(send_through(*pair.client, *pair.server, request, write_piece,
                               random_split(seed, 3'000)),
                  request);
        EXPECT_EQ(send_through(*pair.server, *pair.client, reply, write_piece,
                               random_split(seed + 100, 3'000)),
                  reply);
    }
}

TEST(SSLObject, AMegabyteWriteIsSplitIntoRecordsAndReassembled) {
    EnginePair pair(client_context(), server_context());
    pair.handshake();
    const std::string big = pattern(1 << 20, 3);
    ASSERT_EQ(pair.client->write(big), big.size());
    EXPECT_GT(pair.client->outgoing_pending(), big.size()) << "each record adds its overhead";
    transfer(*pair.client, *pair.server);
    EXPECT_EQ(read_available(*pair.server), big);
}

TEST(SSLObject, CloseNotifyFromTheClientIsReadAsClosedAndAnsweredByTheServer) {
    EnginePair pair(client_context(), server_context());
    pair.handshake();
    read_available(*pair.client);  // the session tickets
    EXPECT_FALSE(pair.client->unwrap()) << "sent; the server's not seen yet";
    EXPECT_TRUE(pair.client->close_notify_sent());
    transfer(*pair.client, *pair.server);

    char buffer[64];
    EXPECT_EQ(pair.server->read(buffer).status, ReadStatus::closed);
    EXPECT_TRUE(pair.server->close_notify_received());
    EXPECT_EQ(pair.server->read(buffer).status, ReadStatus::closed) << "and stays closed";
    EXPECT_TRUE(pair.server->unwrap()) << "both close_notify alerts are now accounted for";
    transfer(*pair.server, *pair.client);
    EXPECT_TRUE(pair.client->unwrap());
    EXPECT_TRUE(pair.client->close_notify_received());
}

TEST(SSLObject, AfterThePeersCloseNotifyThisSideCanStillWrite) {
    EnginePair pair(client_context(), server_context());
    pair.handshake();
    read_available(*pair.client);
    EXPECT_FALSE(pair.server->unwrap());
    transfer(*pair.server, *pair.client);
    char buffer[64];
    EXPECT_EQ(pair.client->read(buffer).status, ReadStatus::closed);
    // TLS 1.3 closes each direction on its own (RFC 8446 section 6.1).
    ASSERT_EQ(pair.client->write("last words"), 10u);
    EXPECT_TRUE(pair.client->unwrap());
    transfer(*pair.client, *pair.server);
    EXPECT_TRUE(pair.server->unwrap()) << "the server finds the client's close_notify";
    EXPECT_THROW(pair.client->write("more"), std::logic_error) << "after our own unwrap";
}

TEST(SSLObject, EndOfStreamWithoutCloseNotifyIsAnEOFErrorAfterTheDataBeforeIt) {
    EnginePair pair(client_context(), server_context());
    pair.handshake();
    ASSERT_EQ(pair.server->write("partial body"), 12u);
    transfer(*pair.server, *pair.client);
    pair.client->feed_eof();

    char buffer[64];
    const ReadResult first = pair.client->read(buffer);
    ASSERT_EQ(first.status, ReadStatus::data);
    EXPECT_EQ(std::string(buffer, first.size), "partial body") << "what came before, first";
    try {
        pair.client->read(buffer);
        ADD_FAILURE() << "no SSLEOFError";
    } catch (const SSLEOFError& e) {
        EXPECT_EQ(e.operation(), "tls read");
        EXPECT_NE(std::string(e.what()).find("without a close_notify"), std::string::npos)
            << e.what();
    }
    EXPECT_THROW(pair.client->read(buffer), SSLEOFError) << "the failure is final";
}

TEST(SSLObject, EndOfStreamDuringTheHandshakeIsAnEOFError) {
    auto client = client_context()->wrap_bio({"localhost", std::nullopt, "127.0.0.1:1"});
    EXPECT_FALSE(client->do_handshake());
    (void)client->take_outgoing();
    client->feed_eof();
    try {
        client->do_handshake();
        ADD_FAILURE() << "no SSLEOFError";
    } catch (const SSLEOFError& e) {
        EXPECT_EQ(e.operation(), "tls handshake");
        EXPECT_NE(std::string(e.what()).find("hung up during the handshake"), std::string::npos)
            << e.what();
    }
}

TEST(SSLObject, GarbageInsteadOfAServerHelloIsAWrongVersionNumber) {
    auto client = client_context()->wrap_bio({"localhost", std::nullopt, "127.0.0.1:8080"});
    EXPECT_FALSE(client->do_handshake());
    EXPECT_GT(client->outgoing_pending(), 0u) << "the ClientHello";
    (void)client->take_outgoing();
    // A plain HTTP server answering the ClientHello.
    client->feed("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    try {
        client->do_handshake();
        ADD_FAILURE() << "the handshake went on";
    } catch (const SSLCertVerificationError&) {
        ADD_FAILURE() << "not a verification error";
    } catch (const SSLError& e) {
        EXPECT_EQ(e.reason(), "wrong version number");
        EXPECT_STREQ(e.what(), "tls handshake failed: wrong version number (127.0.0.1:8080)");
        EXPECT_EQ(e.code().category(), ssl_category());
    }
    EXPECT_THROW(client->do_handshake(), SSLError) << "the failure is final";
    EXPECT_NE(client->error(), nullptr);
}

TEST(SSLObject, AHugeRecordIsRefused) {
    EnginePair pair(client_context(), server_context());
    pair.handshake();
    read_available(*pair.client);
    // An application-data record header claiming 65,535 bytes: TLS allows 2^14 + 256.
    std::string record = "\x17\x03\x03\xff\xff";
    record += std::string(65'535, 'x');
    pair.client->feed(record);
    char buffer[64];
    try {
        pair.client->read(buffer);
        ADD_FAILURE() << "the record was accepted";
    } catch (const SSLEOFError&) {
        ADD_FAILURE() << "not an end of stream";
    } catch (const SSLError& e) {
        EXPECT_EQ(e.operation(), "tls read");
        EXPECT_EQ(e.reason(), "packet length too long") << e.what();
    }
    // The engine says why to the peer before the connection is dropped.
    EXPECT_GT(pair.client->outgoing_pending(), 0u) << "a fatal alert";
    transfer(*pair.client, *pair.server);
    EXPECT_THROW(read_available(*pair.server), SSLError);
}

// TLS 1.2 still has renegotiation (TLS 1.3 removed it). The engine refuses it both ways
// (SSL_OP_NO_RENEGOTIATION): a hostile peer's request gets a no_renegotiation alert and no new
// handshake, and the connection goes on under the keys it had.

// Makes the peer behind `hostile` start a renegotiation, with OpenSSL's own calls.
void start_renegotiation(SSLObject& hostile) {
    SSL* raw = hostile.native_handle();
    SSL_clear_options(raw, SSL_OP_NO_RENEGOTIATION);
    ASSERT_EQ(SSL_renegotiate(raw), 1);
    SSL_do_handshake(raw);  // a ClientHello from a client, a HelloRequest from a server
}

// What OpenSSL says on the hostile side once it hears our answer.
std::string hostile_side_error(SSLObject& hostile) {
    ERR_clear_error();
    const int rc = SSL_do_handshake(hostile.native_handle());
    if (rc == 1) return "renegotiated";
    const unsigned long code = ERR_peek_error();
    ERR_clear_error();
    return code ? ERR_reason_error_string(code) : "still waiting";
}

EnginePair tls12_pair() {
    auto server_ctx = server_context();
    server_ctx->set_maximum_version(TLSVersion::tlsv1_2);
    EnginePair pair(client_context(), server_ctx);
    pair.handshake();
    return pair;
}

TEST(SSLObject, ARenegotiationAttemptByTheClientIsRefused) {
    EnginePair pair = tls12_pair();
    ASSERT_EQ(pair.client->version(), "TLSv1.2");
    start_renegotiation(*pair.client);
    transfer(*pair.client, *pair.server);
    EXPECT_EQ(read_available(*pair.server), "") << "no data, and no failure either";
    const std::size_t answer = pair.server->outgoing_pending();
    EXPECT_GT(answer, 0u);
    EXPECT_LT(answer, 100u) << "an alert, not a ServerHello and a certificate";
    transfer(*pair.server, *pair.client);
    EXPECT_EQ(hostile_side_error(*pair.client), "no renegotiation");
}

TEST(SSLObject, ARenegotiationRequestByTheServerIsRefused) {
    EnginePair pair = tls12_pair();
    start_renegotiation(*pair.server);
    transfer(*pair.server, *pair.client);
    EXPECT_EQ(read_available(*pair.client), "");
    EXPECT_LT(pair.client->outgoing_pending(), 100u) << "an alert, not a ClientHello";
    // The hostile server hears "no" (OpenSSL then drops the connection on its side); ours
    // has not failed and could go on.
    transfer(*pair.client, *pair.server);
    try {
        read_available(*pair.server);
        ADD_FAILURE() << "the server was not told no";
    } catch (const SSLError& e) {
        EXPECT_EQ(e.reason(), "no renegotiation") << e.what();
    }
    EXPECT_EQ(pair.client->error(), nullptr);
    EXPECT_EQ(pair.client->write("still here"), 10u);
}

// ---- Verification -------------------------------------------------------------------------

// The client's handshake against a server presenting credentials, as the client sees it.
void expect_verify_failure(const testing::Credentials& credentials, const std::string& host,
                           long verify_code, const std::string& message) {
    EnginePair pair(client_context(), server_context(credentials),
                    {host, std::nullopt, "127.0.0.1:4433"});
    try {
        pair.handshake();
        ADD_FAILURE() << "the handshake succeeded";
    } catch (const SSLCertVerificationError& e) {
        EXPECT_EQ(e.verify_code(), verify_code);
        EXPECT_EQ(e.verify_message(), message);
        EXPECT_EQ(std::string(e.what()),
                  "certificate verify failed: " + message + " (127.0.0.1:4433)");
    }
}

TEST(SSLObject, ASelfSignedCertificateFailsVerification) {
    expect_verify_failure(pki().self_signed, "localhost", X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
                          "self-signed certificate");
}

TEST(SSLObject, AnExpiredCertificateFailsVerification) {
    expect_verify_failure(pki().expired, "localhost", X509_V_ERR_CERT_HAS_EXPIRED,
                          "certificate has expired");
}

TEST(SSLObject, ACertificateFromAnUnknownCAFailsVerification) {
    expect_verify_failure(pki().untrusted, "localhost",
                          X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                          "unable to get local issuer certificate");
}

TEST(SSLObject, ACertificateForAnotherHostFailsWithTheNamesItHas) {
    expect_verify_failure(pki().other_host, "localhost", X509_V_ERR_HOSTNAME_MISMATCH,
                          "hostname mismatch: certificate is for other.example, not localhost");
}

TEST(SSLObject, AnIPAddressIsCheckedAgainstTheCertificatesIPEntries) {
    expect_verify_failure(pki().localhost, "127.0.0.2", X509_V_ERR_IP_ADDRESS_MISMATCH,
                          "IP address mismatch: certificate is for localhost, 127.0.0.1, not "
                          "127.0.0.2");
    EnginePair pair(client_context(), server_context(), {"127.0.0.1", std::nullopt, {}});
    EXPECT_NO_THROW(pair.handshake());
    EXPECT_EQ(pair.server->server_hostname(), "") << "no SNI for an IP address (RFC 6066)";
}

TEST(SSLObject, TheServerIsToldWhyTheClientRefusedItsCertificate) {
    EnginePair pair(client_context(), server_context(pki().untrusted));
    EXPECT_THROW(pair.handshake(), SSLCertVerificationError);
    transfer(*pair.client, *pair.server);  // the client's alert
    try {
        pair.server->do_handshake();
        ADD_FAILURE() << "the server did not see the alert";
    } catch (const SSLError& e) {
        EXPECT_EQ(e.reason(), "tlsv1 alert unknown ca") << e.what();
    }
}

TEST(SSLObject, WithVerificationOffAnyCertificateIsAccepted) {
    auto insecure = client_context();
    insecure->set_check_hostname(false);
    insecure->set_verify_mode(VerifyMode::cert_none);
    EnginePair pair(insecure, server_context(pki().self_signed),
                    {"wrong.example", std::nullopt, {}});
    EXPECT_NO_THROW(pair.handshake());
    ASSERT_TRUE(pair.client->getpeercert().has_value()) << "still described";
    EXPECT_EQ(pair.client->getpeercert()->issuer, "CN=localhost,O=looplab tests");
}

TEST(SSLObject, ClientCertificatesAreRequiredWhenTheServerSaysSo) {
    auto server_ctx = server_context();
    server_ctx->load_verify_locations(pki().ca.cert_file());
    server_ctx->set_verify_mode(VerifyMode::cert_required);

    EnginePair without(client_context(), server_ctx);
    EXPECT_THROW(without.handshake(), SSLError);
    EXPECT_NE(without.server->error(), nullptr);

    auto client_ctx = client_context();
    client_ctx->load_cert_chain(pki().client.cert_file, pki().client.key_file);
    EnginePair with(client_ctx, server_ctx);
    with.handshake();
    ASSERT_TRUE(with.server->getpeercert().has_value());
    EXPECT_EQ(with.server->getpeercert()->common_name, "looplab client");
}

// ---- ALPN and sessions --------------------------------------------------------------------

TEST(SSLObject, ALPNPicksTheServersFirstChoiceThatTheClientOffered) {
    auto client_ctx = client_context();
    client_ctx->set_alpn_protocols({"h2", "http/1.1"});
    auto server_ctx = server_context();
    server_ctx->set_alpn_protocols({"http/1.1", "h2"});
    EnginePair pair(client_ctx, server_ctx);
    pair.handshake();
    EXPECT_EQ(pair.client->selected_alpn_protocol(), "http/1.1");
    EXPECT_EQ(pair.server->selected_alpn_protocol(), "http/1.1");

    auto other_server = server_context();
    other_server->set_alpn_protocols({"imap"});
    EnginePair none(client_ctx, other_server);
    none.handshake();
    EXPECT_EQ(none.client->selected_alpn_protocol(), std::nullopt) << "no protocol in common";
    EXPECT_THROW(client_ctx->set_alpn_protocols({""}), std::invalid_argument);
}

TEST(SSLObject, ASecondConnectionToTheSameServerResumesTheSession) {
    auto client_ctx = client_context();
    auto server_ctx = server_context();
    const SessionKey key{"localhost", 4433};
    EnginePair first(client_ctx, server_ctx, {"localhost", key, {}});
    first.handshake();
    EXPECT_FALSE(first.client->session_reused());
    EXPECT_EQ(client_ctx->session_cache().size(), 0u) << "TLS 1.3 tickets come after the handshake";
    read_available(*first.client);  // reads the NewSessionTicket messages
    ASSERT_EQ(client_ctx->session_cache().size(), 1u);
    EXPECT_TRUE(client_ctx->session_cache().get(key)->has_ticket());

    EnginePair second(client_ctx, server_ctx, {"localhost", key, {}});
    second.handshake();
    EXPECT_TRUE(second.client->session_reused());
    EXPECT_TRUE(second.server->session_reused());
    EXPECT_FALSE(second.client->getpeercert().has_value() &&
                 second.client->getpeercert()->subject.empty());

    EnginePair other_port(client_ctx, server_ctx, {"localhost", SessionKey{"localhost", 4434}, {}});
    other_port.handshake();
    EXPECT_FALSE(other_port.client->session_reused()) << "another port is another server";
}

TEST(SSLObject, ASessionStaysResumableWhenItsConnectionEndedWithoutCloseNotify) {
    auto client_ctx = client_context();
    auto server_ctx = server_context();
    const SessionKey key{"localhost", 4433};
    {
        EnginePair first(client_ctx, server_ctx, {"localhost", key, {}});
        first.handshake();
        read_available(*first.client);  // the tickets
    }  // freed with no close_notify sent: OpenSSL marks that SSL_SESSION not resumable
    ASSERT_NE(client_ctx->session_cache().get(key), nullptr) << "the cache holds its own copy";
    EnginePair second(client_ctx, server_ctx, {"localhost", key, {}});
    second.handshake();
    EXPECT_TRUE(second.client->session_reused());
}

// Engines of one context on several threads at once: the context and its session cache are
// shared (TSan checks the locking), each engine stays on its thread.
TEST(SSLObject, EnginesOfOneContextRunOnSeveralThreadsAtOnce) {
    auto client_ctx = client_context();
    auto server_ctx = server_context();
    std::vector<std::thread> threads;
    std::vector<int> ok(4, 0);
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 10; ++i) {
                EnginePair pair(
                    client_ctx, server_ctx,
                    {"localhost", SessionKey{"localhost", static_cast<std::uint16_t>(i % 3)}, {}});
                pair.handshake();
                read_available(*pair.client);
                if (pair.server->write("hello") == 5) {
                    transfer(*pair.server, *pair.client);
                    if (read_available(*pair.client) == "hello") ++ok[static_cast<std::size_t>(t)];
                }
            }
        });
    }
    for (std::thread& thread : threads) thread.join();
    EXPECT_EQ(ok, (std::vector<int>{10, 10, 10, 10}));
    EXPECT_EQ(client_ctx->session_cache().size(), 3u);
}

}  // namespace
}  // namespace looplab::net::tls
