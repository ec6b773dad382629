// tests/tls/tls_hostile_peer_test.cpp: peers that are not who they say, do not speak TLS,
// stall, or hang up without close_notify; each must give an error of the right type with the
// right message, and leave no descriptor behind.
//
// curl:    the failures of exit codes 60 (verification) and 35 (handshake), whose messages
//          these follow.
// asyncio: test_ssl.py's test_handshake_timeout, test_ssl_handshake_connection_lost,
//          test_remote_shutdown_receives_trailing_data.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "net/errors.hpp"
#include "net/support/fd_leak_check.hpp"
#include "net/support/net_test_loop.hpp"
#include "net/support/recording_protocol.hpp"
#include "net/tls/tls.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "tls/support/test_certs.hpp"

namespace looplab::net::tls {
namespace {

using namespace std::chrono_literals;
using net::testing::eventually;
using net::testing::ExceptionLog;
using net::testing::RecordingProtocol;
using net::testing::run_net_test;
using testing::pki;

class TlsHostilePeerTest : public net::testing::NoFdLeaks {
protected:
    void SetUp() override {
        (void)pki();
        NoFdLeaks::SetUp();
    }
};

using Reader = std::shared_ptr<StreamReader>;
using Writer = std::shared_ptr<StreamWriter>;

std::uint16_t port_of(const Server& server) {
    return server.sockets().at(0).address.port();
}

SSLOptions server_ssl(const testing::Credentials& credentials = pki().localhost) {
    SSLOptions options;
    options.ssl = testing::server_context(credentials);
    return options;
}

SSLOptions client_ssl(std::string server_hostname = "localhost") {
    SSLOptions options;
    options.ssl = testing::client_context();
    options.server_hostname = std::move(server_hostname);
    return options;
}

// A server that only waits for the client to go away.
Coro<void> wait_for_eof(Reader reader, Writer writer) {
    try {
        (void)co_await reader->read();
    } catch (const NetError&) {
    }
    writer->close();
}

// Connects with ssl to a TLS server presenting credentials; returns what open_connection threw.
Coro<std::exception_ptr> connect_to(EventLoop& loop, const testing::Credentials& credentials,
                                    SSLOptions ssl, std::string* address) {
    std::shared_ptr<Server> server =
        co_await start_server(loop, wait_for_eof, "127.0.0.1", 0, server_ssl(credentials));
    *address = "127.0.0.1:" + std::to_string(port_of(*server));
    std::exception_ptr error;
    try {
        auto connected =
            co_await open_connection(loop, "127.0.0.1", port_of(*server), std::move(ssl));
        auto reader = connected.first;   // not structured bindings: clang 14 cannot
        auto writer = connected.second;  // capture those in a lambda
        writer->close();
        co_await writer->wait_closed();
    } catch (...) {
        error = std::current_exception();
    }
    co_await eventually([&] { return server->active_connections() == 0; });
    server->close();
    co_await server->wait_closed();
    co_return error;
}

// The SSLCertVerificationError message for credentials, or what else happened.
std::string verification_failure(const testing::Credentials& credentials, SSLOptions ssl,
                                 std::string* address) {
    const std::exception_ptr error = run_net_test(
        [&](EventLoop& loop) { return connect_to(loop, credentials, std::move(ssl), address); });
    try {
        if (error) std::rethrow_exception(error);
        return "no error";
    } catch (const SSLCertVerificationError& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("another error: ") + e.what();
    }
}

TEST_F(TlsHostilePeerTest, ACertificateForAnotherHostIsAHostnameMismatchNamingItsNames) {
    std::string address;
    const std::string what = verification_failure(pki().other_host, client_ssl(), &address);
    EXPECT_EQ(what,
              "certificate verify failed: hostname mismatch: certificate is for other.example, "
              "not localhost (" +
                  address + ")");
}

TEST_F(TlsHostilePeerTest, AnExpiredCertificateIsRefused) {
    std::string address;
    const std::string what = verification_failure(pki().expired, client_ssl(), &address);
    EXPECT_EQ(what, "certificate verify failed: certificate has expired (" + address + ")");
}

TEST_F(TlsHostilePeerTest, ASelfSignedCertificateIsRefusedWithoutItsCA) {
    std::string address;
    const std::string what = verification_failure(pki().self_signed, client_ssl(), &address);
    EXPECT_EQ(what, "certificate verify failed: self-signed certificate (" + address + ")");
}

TEST_F(TlsHostilePeerTest, TheSystemTrustStoreDoesNotKnowTheTestCA) {
    SSLOptions ssl;
    ssl.ssl = create_default_context();  // the system's CAs, as lab-get without --cacert
    ssl.server_hostname = "localhost";
    std::string address;
    const std::string what = verification_failure(pki().localhost, ssl, &address);
    EXPECT_EQ(what, "certificate verify failed: unable to get local issuer certificate (" +
                        address + ")");
}

TEST_F(TlsHostilePeerTest, ConnectingByAddressChecksTheCertificatesIPAddresses) {
    std::string address;
    EXPECT_EQ(verification_failure(pki().localhost, client_ssl("127.0.0.1"), &address), "no error");
    SSLOptions by_host = client_ssl();
    by_host.server_hostname = std::nullopt;  // the host connected to, "127.0.0.1"
    EXPECT_EQ(verification_failure(pki().localhost, by_host, &address), "no error");
}

TEST_F(TlsHostilePeerTest, GarbageInsteadOfAServerHelloIsAWrongVersionNumber) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        // A plain HTTP server where a TLS one was expected.
        ClientConnectedCallback http = [](Reader reader, Writer writer) -> Coro<void> {
            (void)co_await reader->read(1);  // the ClientHello has arrived
            writer->write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            co_await writer->drain();
            writer->close();
        };
        std::shared_ptr<Server> server = co_await net::start_server(loop, http, "127.0.0.1", 0);
        bool thrown = false;
        try {
            (void)co_await open_connection(loop, "127.0.0.1", port_of(*server), client_ssl());
        } catch (const SSLCertVerificationError&) {
            ADD_FAILURE() << "not a verification error";
        } catch (const SSLError& e) {
            thrown = true;
            EXPECT_EQ(e.reason(), "wrong version number");
            EXPECT_EQ(std::string(e.what()),
                      "tls handshake failed: wrong version number (127.0.0.1:" +
                          std::to_string(port_of(*server)) + ")");
        }
        EXPECT_TRUE(thrown);
        co_await eventually([&] { return server->active_connections() == 0; });
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(TlsHostilePeerTest, AServerThatNeverAnswersTheClientHelloTimesOutNamingThePhase) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server =
            co_await net::start_server(loop, wait_for_eof, "127.0.0.1", 0);
        SSLOptions ssl = client_ssl();
        ssl.ssl_handshake_timeout = 200ms;
        bool thrown = false;
        try {
            (void)co_await open_connection(loop, "127.0.0.1", port_of(*server), ssl);
        } catch (const SSLTimeoutError& e) {
            thrown = true;
            EXPECT_EQ(e.phase(), "tls handshake");
            EXPECT_EQ(e.waited(), 200ms);
            EXPECT_EQ(std::string(e.what()), "tls handshake timed out after 200 ms (127.0.0.1:" +
                                                 std::to_string(port_of(*server)) + ")");
            EXPECT_EQ(e.code(), std::errc::timed_out) << "a timeout like the others";
        }
        EXPECT_TRUE(thrown);
        co_await eventually([&] { return server->active_connections() == 0; });
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(TlsHostilePeerTest, AClientThatNeverSpeaksTlsIsDroppedAfterTheServersHandshakeTimeout) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ExceptionLog log;
        log.install(loop);
        SSLOptions ssl = server_ssl();
        ssl.ssl_handshake_timeout = 200ms;
        std::shared_ptr<Server> server =
            co_await start_server(loop, wait_for_eof, "127.0.0.1", 0, ssl);
        auto connected = co_await net::open_connection(loop, "127.0.0.1", port_of(*server));
        auto reader = connected.first;   // not structured bindings: clang 14 cannot
        auto writer = connected.second;  // capture those in a lambda
        std::string got = "not closed";
        try {
            got = co_await reader->read();
        } catch (const ConnectionResetError&) {
            got = "";
        }
        EXPECT_EQ(got, "") << "the server closed on us";
        EXPECT_TRUE(log.messages.empty()) << "a client's failure is not the server's bug";
        writer->close();
        co_await eventually([&] { return server->active_connections() == 0; });
        server->close();
        co_await server->wait_closed();
    });
}

// The truncation case: a server that sends part of a body and closes TCP with no close_notify.
// The reader gets the bytes that came, then SSLEOFError: never a short success.
TEST_F(TlsHostilePeerTest, AServerThatClosesWithoutCloseNotifyIsAnEOFErrorAfterItsData) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ClientConnectedCallback truncate = [](Reader, Writer writer) -> Coro<void> {
            writer->write("partial body");
            co_await writer->drain();
            writer->transport().abort();  // TCP FIN, no close_notify
        };
        std::shared_ptr<Server> server =
            co_await start_server(loop, truncate, "127.0.0.1", 0, server_ssl());
        auto connected =
            co_await open_connection(loop, "127.0.0.1", port_of(*server), client_ssl());
        auto reader = connected.first;   // not structured bindings: clang 14 cannot
        auto writer = connected.second;  // capture those in a lambda
        const std::string received = co_await reader->readexactly(12);
        EXPECT_EQ(received, "partial body");
        bool thrown = false;
        try {
            (void)co_await reader->read();  // a close-delimited body would read to the end
        } catch (const SSLEOFError& e) {
            thrown = true;
            EXPECT_EQ(e.operation(), "tls read");
            EXPECT_NE(std::string(e.what()).find("ended without a close_notify"), std::string::npos)
                << e.what();
        }
        EXPECT_TRUE(thrown) << "end of stream without close_notify must not look like an end";
        writer->close();
        co_await eventually([&] { return server->active_connections() == 0; });
        server->close();
        co_await server->wait_closed();
    });
}

// What a server handler saw; shared with the test (a coroutine lambda's captures die with
// the lambda, so the state is a parameter of a plain coroutine instead).
struct Seen {
    std::exception_ptr error;
    bool done = false;
};

Coro<void> read_to_the_end(std::shared_ptr<Seen> seen, Reader reader, Writer writer) {
    try {
        (void)co_await reader->read();
    } catch (...) {
        seen->error = std::current_exception();
    }
    seen->done = true;
    writer->close();
}

TEST_F(TlsHostilePeerTest, AClientThatClosesWithoutCloseNotifyIsAnEOFErrorForTheServer) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto seen = std::make_shared<Seen>();
        ClientConnectedCallback handler = [seen](Reader reader, Writer writer) {
            return read_to_the_end(seen, std::move(reader), std::move(writer));
        };
        std::shared_ptr<Server> server =
            co_await start_server(loop, handler, "127.0.0.1", 0, server_ssl());
        auto make_client = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        auto connected = co_await create_connection(loop, std::move(make_client), "127.0.0.1",
                                                    port_of(*server), client_ssl());
        auto transport = connected.first;  // not structured bindings: clang 14 cannot
        auto client = connected.second;    // capture those in a lambda
        transport->write("a request, and then");
        co_await sleep(10ms);
        transport->abort();
        co_await client->lost;
        co_await eventually([&] { return seen->done; });
        bool eof_error = false;
        try {
            if (seen->error) std::rethrow_exception(seen->error);
        } catch (const SSLEOFError&) {
            eof_error = true;
        } catch (...) {
        }
        EXPECT_TRUE(eof_error) << (seen->error ? describe(seen->error) : "no error");
        co_await eventually([&] { return server->active_connections() == 0; });
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(TlsHostilePeerTest, AServerContextCannotConnectAndAClientContextCannotServe) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        SSLOptions wrong = server_ssl();
        bool refused = false;
        try {
            (void)co_await open_connection(loop, "127.0.0.1", 9, wrong);
        } catch (const std::invalid_argument&) {
            refused = true;
        }
        EXPECT_TRUE(refused);
        refused = false;
        try {
            (void)co_await start_server(loop, wait_for_eof, "127.0.0.1", 0, client_ssl());
        } catch (const std::invalid_argument&) {
            refused = true;
        }
        EXPECT_TRUE(refused);
        refused = false;
        SSLOptions nameless = client_ssl("");
        try {
            (void)co_await open_connection(loop, "127.0.0.1", 9, nameless);
        } catch (const std::invalid_argument& e) {
            refused = true;
            EXPECT_NE(std::string(e.what()).find("checks host names"), std::string::npos);
        }
        EXPECT_TRUE(refused) << "before connecting: nothing listens on port 9";
    });
}

}  // namespace
}  // namespace looplab::net::tls
