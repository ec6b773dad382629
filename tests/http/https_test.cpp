// tests/http/https_test.cpp: both clients over TLS, against HttpServer with a certificate and
// against scripted TLS servers that misbehave (issue 17's hostile peers, at the HTTP level).
//
// aiohttp: tests/test_client_functional.py's ssl tests (ssl=ctx, ClientConnectorCertificateError)
// requests: tests/test_requests.py's https tests against a local server with its own CA.
//
// Every certificate is made at run time (tls/support/test_certs.hpp), every server is on
// 127.0.0.1, and every test counts descriptors.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <chrono>
#include <optional>
#include <string>

#include "http/client/blocking_client.hpp"
#include "http/client/client_errors.hpp"
#include "http/client/client_session.hpp"
#include "http/server/demo_routes.hpp"
#include "http/server/router.hpp"
#include "http/server/server_thread.hpp"
#include "http/support/request_reader.hpp"
#include "http/support/scripted_server.hpp"
#include "http/support/tls_peer.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/tls/ssl_errors.hpp"
#include "runtime/run.hpp"
#include "runtime/timeout.hpp"
#include "tls/support/test_certs.hpp"

namespace looplab::http {
namespace {

using namespace std::chrono_literals;
using Phase = ClientTimeoutError::Phase;
using net::tls::testing::pki;
using testing::https_url;
using testing::ScriptedServer;
using testing::TlsPeer;
using testing::write_all;

class Https : public net::testing::NoFdLeaks {};

// A client context that trusts the tests' CA and offers http/1.1, as lab-get's --cacert does.
std::shared_ptr<net::tls::SSLContext> trusting_client() {
    auto context = net::tls::testing::client_context();
    context->set_alpn_protocols({"http/1.1"});
    return context;
}

HttpServerOptions tls_server_options(const net::tls::Credentials& credentials = pki().localhost) {
    HttpServerOptions options;
    options.ssl = net::tls::testing::server_context(credentials);
    options.ssl->set_alpn_protocols({"http/1.1"});
    return options;
}

// The demo routes served over TLS, on 127.0.0.1.
struct TlsServer {
    explicit TlsServer(const net::tls::Credentials& credentials = pki().localhost)
        : thread(demo_routes(), "127.0.0.1", 0, tls_server_options(credentials)) {}
    ServerThread thread;
};

// timeout() reads the running loop's clock, so it is called inside the run, not before it.
Coro<void> within_30s(Coro<void> body) {
    co_await timeout(30s, std::move(body));
}

void run_test(Coro<void> body) {
    looplab::run(within_30s(std::move(body)));
}

// What one ClientSession GET ends as: the body, or the exception.
struct Fetched {
    std::string body;
    std::shared_ptr<const TlsInfo> tls;
    std::exception_ptr error;
};

Fetched fetch_async(const std::string& url, ClientSessionOptions options = {}) {
    Fetched out;
    auto body = [&]() -> Coro<void> {
        ClientSession session(options);
        try {
            ClientResponse r = co_await session.get(url);
            out.tls = r.tls;
            out.body = co_await r.text();
        } catch (...) {
            out.error = std::current_exception();
        }
        co_await session.close();
    };
    run_test(body());
    return out;
}

Fetched fetch_blocking(const std::string& url, blocking::Options options = {}) {
    Fetched out;
    try {
        blocking::Response r = blocking::get(url, options);
        out.tls = r.tls;
        out.body = r.body;
    } catch (...) {
        out.error = std::current_exception();
    }
    return out;
}

// Both clients, one after the other, each with ssl = context.
template <class Check>
void with_both_clients(const std::string& url, std::shared_ptr<net::tls::SSLContext> context,
                       Check check) {
    ClientSessionOptions session_options;
    session_options.ssl = context;
    session_options.timeout.connect = 2s;
    check(fetch_async(url, session_options), "ClientSession");
    blocking::Options blocking_options;
    blocking_options.ssl = context;
    blocking_options.connect_timeout = 2000ms;
    check(fetch_blocking(url, blocking_options), "blocking");
}

std::string message_of(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        return e.what();
    }
}

template <class E>
bool is(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const E&) {
        return true;
    } catch (...) {
        return false;
    }
}

// ---- Against HttpServer over TLS --------------------------------------------------------------

TEST_F(Https, BothClientsGetTheBodyByteForByteAndSeeWhatTheHandshakeNegotiated) {
    TlsServer server;
    with_both_clients(
        server.thread.url("/bytes/100000"), trusting_client(),
        [](const Fetched& f, const char* who) {
            ASSERT_FALSE(f.error) << who << ": " << message_of(f.error);
            EXPECT_EQ(f.body.size(), 100000u) << who;
            EXPECT_EQ(f.body.substr(0, 5), "abcde") << who;
            ASSERT_TRUE(f.tls) << who;
            EXPECT_EQ(f.tls->version, "TLSv1.3") << who;
            EXPECT_EQ(f.tls->alpn, "http/1.1") << who;
            ASSERT_TRUE(f.tls->peercert) << who;
            EXPECT_EQ(f.tls->peercert->common_name, "localhost") << who;
            EXPECT_NE(f.tls->peercert->issuer.find("looplab test CA"), std::string::npos) << who;
        });
}

TEST_F(Https, ThePoolKeepsTlsConnectionsAliveAndResumesSessionsForNewOnes) {
    TlsServer server;
    const std::string url = server.thread.url("/");
    auto body = [&]() -> Coro<void> {
        ClientSessionOptions options;
        options.ssl = trusting_client();
        ClientSession session(options);
        for (int i = 0; i < 3; ++i) {
            ClientResponse r = co_await session.get(url);
            EXPECT_EQ(co_await r.text(), "Hello World!");
        }
        EXPECT_EQ(session.connections_opened(), 1u) << "kept alive";
        EXPECT_EQ(session.tls_handshakes(), 1u);
        EXPECT_EQ(options.ssl->session_cache().size(), 1u) << "the server's ticket was kept";
        co_await session.close();

        // A session that keeps nothing alive: every request a new connection, and every
        // handshake after the first resumes the session the server gave the first one.
        ClientSessionOptions fresh = options;
        fresh.keepalive_timeout = Duration::zero();
        ClientSession no_keepalive(fresh);
        for (int i = 0; i < 3; ++i) {
            ClientResponse r = co_await no_keepalive.get(url);
            co_await r.text();
        }
        EXPECT_EQ(no_keepalive.tls_handshakes(), 3u);
        EXPECT_EQ(no_keepalive.tls_sessions_resumed(), 3u)
            << "the context's cache still had the first session's ticket";
        co_await no_keepalive.close();
    };
    run_test(body());
}

TEST_F(Https, ConnectionsArePooledPerTlsContext) {
    TlsServer server;
    const std::string url = server.thread.url("/");
    auto body = [&]() -> Coro<void> {
        ClientSession session;
        RequestOptions first;
        first.ssl = trusting_client();
        RequestOptions second;
        second.ssl = trusting_client();
        for (const RequestOptions* options : {&first, &second, &first}) {
            ClientResponse r = co_await session.request("GET", url, {}, {}, *options);
            co_await r.text();
        }
        EXPECT_EQ(session.connections_opened(), 2u) << "one per context, each reused";
        EXPECT_EQ(session.connections_reused(), 1u);
        co_await session.close();
    };
    run_test(body());
}

TEST_F(Https, RedirectsGoFromHttpToHttpsAndDropCredentialsOnTheWay) {
    Router router;
    router.get("/final", [](ServerRequest& request) -> Coro<ServerResponse> {
        co_return ServerResponse::text(200, request.headers.contains("Authorization")
                                                ? "credentials arrived"
                                                : "no credentials");
    });
    ServerThread tls_server(std::move(router), "127.0.0.1", 0, tls_server_options());
    const std::string target = tls_server.url("/final");
    ScriptedServer plain([&](int fd, int) {
        while (testing::read_request(fd)) {
            write_all(fd, "HTTP/1.1 301 Moved Permanently\r\nLocation: " + target +
                              "\r\nContent-Length: 0\r\n\r\n");
        }
    });
    Headers credentials;
    credentials.add("Authorization", "Bearer secret");
    auto body = [&]() -> Coro<void> {
        ClientSessionOptions options;
        options.ssl = trusting_client();
        ClientSession session(options);
        ClientResponse r = co_await session.get(plain.url("/start"), credentials);
        EXPECT_EQ(r.url, target);
        EXPECT_TRUE(r.tls);
        EXPECT_EQ(co_await r.text(), "no credentials");
        co_await session.close();
    };
    run_test(body());
    blocking::Options options;
    options.ssl = trusting_client();
    blocking::Session session(options);
    const blocking::Response r = session.get(plain.url("/start"), credentials);
    EXPECT_EQ(r.url, target);
    EXPECT_EQ(r.body, "no credentials");
}

TEST_F(Https, APlainHttpRequestToTheTlsPortIsToldWhy) {
    TlsServer server;
    const std::string url = "http" + server.thread.url("/").substr(5);
    const Fetched f = fetch_async(url);
    ASSERT_FALSE(f.error) << message_of(f.error);
    EXPECT_EQ(f.body,
              "This port speaks https: the plain HTTP request was sent to an HTTPS port.\n");
    const Fetched b = fetch_blocking(url);
    ASSERT_FALSE(b.error) << message_of(b.error);
    EXPECT_EQ(b.body, f.body);
}

TEST_F(Https, AnHttpsRequestToAPlainServerSaysTheAnswerIsNotTls) {
    ServerThread plain;  // the demo routes, no TLS
    const std::string url = "https" + plain.url("/").substr(4);
    with_both_clients(url, trusting_client(), [](const Fetched& f, const char* who) {
        ASSERT_TRUE(f.error) << who;
        EXPECT_TRUE(is<ClientSSLError>(f.error)) << who << ": " << message_of(f.error);
        EXPECT_NE(message_of(f.error).find("is this port plain http://?"), std::string::npos)
            << who << ": " << message_of(f.error);
    });
}

// ---- Certificates that must not be trusted ---------------------------------------------------

void expect_certificate_error(const net::tls::Credentials& credentials, const std::string& why,
                              bool by_name = false) {
    TlsServer server(credentials);
    const std::string url = server.thread.url("/");
    with_both_clients(by_name ? testing::by_name(url) : url, trusting_client(),
                      [&](const Fetched& f, const char* who) {
                          ASSERT_TRUE(f.error) << who;
                          EXPECT_TRUE(is<ClientConnectorCertificateError>(f.error))
                              << who << ": " << message_of(f.error);
                          EXPECT_NE(message_of(f.error).find("certificate verify failed: " + why),
                                    std::string::npos)
                              << who << ": " << message_of(f.error);
                      });
}

TEST_F(Https, ACertificateForAnotherHostIsAHostnameMismatchNamingIt) {
    expect_certificate_error(pki().other_host,
                             "hostname mismatch: certificate is for other.example", true);
}

TEST_F(Https, ACertificateForAnotherHostIsAnIpAddressMismatchWhenTheUrlHasAnAddress) {
    expect_certificate_error(
        pki().other_host, "IP address mismatch: certificate is for other.example, not 127.0.0.1");
}

TEST_F(Https, AnExpiredCertificateIsRefused) {
    expect_certificate_error(pki().expired, "certificate has expired");
}

TEST_F(Https, ASelfSignedCertificateIsRefused) {
    expect_certificate_error(pki().self_signed, "self-signed certificate");
}

TEST_F(Https, InsecureAcceptsWhatVerificationWouldRefuse) {
    TlsServer server(pki().self_signed);
    auto insecure = net::tls::SSLContext::make(net::tls::TLSProtocol::tls_client);
    insecure->set_check_hostname(false);
    insecure->set_verify_mode(net::tls::VerifyMode::cert_none);
    with_both_clients(server.thread.url("/"), insecure, [](const Fetched& f, const char* who) {
        EXPECT_FALSE(f.error) << who << ": " << message_of(f.error);
        EXPECT_EQ(f.body, "Hello World!") << who;
    });
}

// ---- Scripted TLS servers that misbehave -----------------------------------------------------

TEST_F(Https, GarbageInsteadOfAServerHelloIsAHandshakeError) {
    ScriptedServer server([](int fd, int) {
        testing::read_client_hello(fd);
        write_all(fd, std::string(64, '\x42'));
        testing::wait_for_client_close(fd, 5000);
    });
    with_both_clients(https_url(server), trusting_client(), [](const Fetched& f, const char* who) {
        ASSERT_TRUE(f.error) << who;
        EXPECT_TRUE(is<ClientSSLError>(f.error)) << who << ": " << message_of(f.error);
        EXPECT_FALSE(is<ClientConnectorCertificateError>(f.error)) << who;
        EXPECT_NE(message_of(f.error).find("tls handshake"), std::string::npos) << who;
    });
}

TEST_F(Https, AStalledHandshakeTimesOutNamingThePhase) {
    ScriptedServer server([](int fd, int) { testing::wait_for_client_close(fd, 10000); });
    ClientSessionOptions options;
    options.ssl = trusting_client();
    options.timeout.connect = 300ms;
    const Fetched f = fetch_async(https_url(server), options);
    ASSERT_TRUE(f.error);
    ASSERT_TRUE(is<ClientTimeoutError>(f.error)) << message_of(f.error);
    try {
        std::rethrow_exception(f.error);
    } catch (const ClientTimeoutError& e) {
        EXPECT_EQ(e.phase(), Phase::tls_handshake);
        EXPECT_NE(std::string(e.what()).find("(phase: tls handshake)"), std::string::npos)
            << e.what();
    }
    blocking::Options blocking_options;
    blocking_options.ssl = trusting_client();
    blocking_options.connect_timeout = 300ms;
    const Fetched b = fetch_blocking(https_url(server), blocking_options);
    ASSERT_TRUE(is<ClientTimeoutError>(b.error)) << message_of(b.error);
    EXPECT_NE(message_of(b.error).find("phase: tls handshake"), std::string::npos)
        << message_of(b.error);
}

// A close-delimited body (no Content-Length, no chunking) ends when the connection does: over
// TLS, only the server's close_notify may end it.
void serve_close_delimited(int fd, bool close_notify) {
    TlsPeer tls(fd, net::tls::testing::server_context());
    if (!tls.handshake() || tls.read_head().empty()) return;
    tls.write("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nthe whole body");
    if (close_notify) tls.close_notify();
    // Returning closes the TCP connection: with no close_notify, that is a truncation.
}

TEST_F(Https, ACloseDelimitedBodyEndsWithTheServersCloseNotify) {
    ScriptedServer server([](int fd, int) { serve_close_delimited(fd, true); });
    with_both_clients(https_url(server), trusting_client(), [](const Fetched& f, const char* who) {
        EXPECT_FALSE(f.error) << who << ": " << message_of(f.error);
        EXPECT_EQ(f.body, "the whole body") << who;
    });
}

TEST_F(Https, ACloseDelimitedBodyCutWithoutCloseNotifyIsAnErrorNeverAShortSuccess) {
    ScriptedServer server([](int fd, int) { serve_close_delimited(fd, false); });
    with_both_clients(https_url(server), trusting_client(), [](const Fetched& f, const char* who) {
        ASSERT_TRUE(f.error) << who << " returned " << f.body;
        EXPECT_TRUE(is<ClientPayloadError>(f.error)) << who << ": " << message_of(f.error);
        EXPECT_NE(message_of(f.error).find("close_notify"), std::string::npos)
            << who << ": " << message_of(f.error);
    });
}

TEST_F(Https, AServerThatRenegotiatesInsteadOfAnsweringGetsNoNewHandshake) {
    ScriptedServer server([](int fd, int) {
        auto context = net::tls::testing::server_context();
        context->set_maximum_version(net::tls::TLSVersion::tlsv1_2);  // 1.3 has no renegotiation
        TlsPeer tls(fd, context);
        if (!tls.handshake() || tls.read_head().empty()) return;
        SSL* raw = tls.engine().native_handle();
        SSL_clear_options(raw, SSL_OP_NO_RENEGOTIATION);
        SSL_renegotiate(raw);
        SSL_do_handshake(raw);  // a HelloRequest
        tls.flush();
        tls.receive();  // the client's no_renegotiation alert; then we hang up
    });
    with_both_clients(https_url(server), trusting_client(), [](const Fetched& f, const char* who) {
        ASSERT_TRUE(f.error) << who;
        EXPECT_TRUE(is<ClientConnectionError>(f.error)) << who << ": " << message_of(f.error);
        EXPECT_NE(message_of(f.error).find("close_notify"), std::string::npos)
            << who << ": " << message_of(f.error);
    });
}

TEST_F(Https, AHugeRecordIsRefused) {
    ScriptedServer server([](int fd, int) {
        TlsPeer tls(fd, net::tls::testing::server_context());
        if (!tls.handshake() || tls.read_head().empty()) return;
        std::string record = "\x17\x03\x03\xff\xff";  // 65,535 bytes claimed; TLS allows 2^14+256
        record += std::string(65'535, 'x');
        tls.send_raw(record);
        testing::wait_for_client_close(fd, 5000);
    });
    with_both_clients(https_url(server), trusting_client(), [](const Fetched& f, const char* who) {
        ASSERT_TRUE(f.error) << who;
        EXPECT_TRUE(is<ClientConnectionError>(f.error)) << who << ": " << message_of(f.error);
        EXPECT_NE(message_of(f.error).find("packet length too long"), std::string::npos)
            << who << ": " << message_of(f.error);
    });
}

}  // namespace
}  // namespace looplab::http
