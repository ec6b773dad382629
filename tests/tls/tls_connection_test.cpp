// tests/tls/tls_connection_test.cpp: TLS over real loopback sockets: echo with streams and with
// protocols, start_tls upgrades, session resumption, flow control.
//
// asyncio: test_asyncio/test_ssl.py (test_create_connection_ssl_1, test_start_tls_*,
//          test_flush_before_shutdown, ...), each against a server of the same loop.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

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
using net::testing::RecordingProtocol;
using net::testing::run_net_test;

class TlsConnectionTest : public net::testing::NoFdLeaks {
protected:
    void SetUp() override {
        (void)testing::pki();  // made before the fds are counted
        NoFdLeaks::SetUp();
    }
};

using Reader = std::shared_ptr<StreamReader>;
using Writer = std::shared_ptr<StreamWriter>;

Coro<void> echo_lines(Reader reader, Writer writer) {
    for (;;) {
        std::string line = co_await reader->readline();
        if (line.empty()) break;
        writer->write(line);
        co_await writer->drain();
    }
    writer->close();
    co_await writer->wait_closed();
}

std::uint16_t port_of(const Server& server) {
    return server.sockets().at(0).address.port();
}

SSLOptions server_ssl() {
    return testing::server_context();
}

SSLOptions client_ssl(std::shared_ptr<SSLContext> context = testing::client_context()) {
    SSLOptions options;
    options.ssl = std::move(context);
    options.server_hostname = "localhost";
    return options;
}

TEST_F(TlsConnectionTest, AnEchoRoundTripOverTlsWithStreams) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server =
            co_await start_server(loop, echo_lines, "127.0.0.1", 0, server_ssl());
        // README's form: a context for ssl=, and server_hostname is the host connected to.
        const std::shared_ptr<SSLContext> ctx = testing::client_context();
        ConnectionOptions ipv4;
        ipv4.family = AF_INET;  // "localhost" may also resolve to ::1; stay on 127.0.0.1
        auto connected = co_await open_connection(loop, "localhost", port_of(*server), ctx,
                                                  StreamReader::kDefaultLimit, ipv4);
        auto reader = connected.first;   // not structured bindings: clang 14 cannot
        auto writer = connected.second;  // capture those in a lambda
        writer->write("hello\n");
        writer->writelines({"over ", "tls\n"});
        co_await writer->drain();
        const std::string first = co_await reader->readline();
        const std::string second = co_await reader->readline();
        EXPECT_EQ(first, "hello\n");
        EXPECT_EQ(second, "over tls\n");

        const auto cipher = std::any_cast<Cipher>(writer->get_extra_info("cipher"));
        EXPECT_EQ(cipher.version, "TLSv1.3");
        const auto cert = std::any_cast<PeerCertificate>(writer->get_extra_info("peercert"));
        EXPECT_EQ(cert.common_name, "localhost");
        EXPECT_TRUE(writer->get_extra_info("peername").has_value()) << "from the socket below";
        EXPECT_FALSE(writer->can_write_eof());

        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(TlsConnectionTest, AnEchoRoundTripOverTlsWithProtocols) {
    struct Echo : Protocol {
        Transport* transport = nullptr;
        void connection_made(Transport& t) override { transport = &t; }
        void data_received(std::string_view data) override { transport->write(data); }
    };
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ProtocolFactory echo = [] { return std::make_shared<Echo>(); };
        std::shared_ptr<Server> server =
            co_await create_server(loop, echo, "127.0.0.1", 0, server_ssl());
        auto make_client = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        ConnectionOptions ipv4;
        ipv4.family = AF_INET;
        auto connected = co_await create_connection(loop, std::move(make_client), "localhost",
                                                    port_of(*server), client_ssl(), ipv4);
        auto transport = connected.first;  // not structured bindings: clang 14 cannot
        auto client = connected.second;    // capture those in a lambda
        EXPECT_EQ(client->events, (std::vector<std::string>{"made"}));
        const std::string payload(300'000, 'z');  // many records, many reads
        transport->write(payload);
        co_await eventually([&] { return client->received.size() >= payload.size(); });
        EXPECT_EQ(client->received, payload);
        transport->close();
        co_await client->lost;
        EXPECT_EQ(client->error, nullptr);
        EXPECT_EQ(client->lost_count, 1);
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(TlsConnectionTest, ASecondConnectionResumesTheFirstsSession) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server =
            co_await start_server(loop, echo_lines, "127.0.0.1", 0, server_ssl());
        const SSLOptions ssl = client_ssl();
        std::vector<bool> reused;
        for (int i = 0; i < 2; ++i) {
            auto connected = co_await open_connection(loop, "127.0.0.1", port_of(*server), ssl);
            auto reader = connected.first;   // not structured bindings: clang 14 cannot
            auto writer = connected.second;  // capture those in a lambda
            writer->write("ping\n");
            const std::string echoed = co_await reader->readline();  // the tickets came before it
            EXPECT_EQ(echoed, "ping\n");
            reused.push_back(
                std::any_cast<SSLObject*>(writer->get_extra_info("ssl_object"))->session_reused());
            writer->close();
            co_await writer->wait_closed();
        }
        EXPECT_EQ(reused, (std::vector<bool>{false, true}));
        EXPECT_EQ(ssl.ssl->session_cache().size(), 1u);
        EXPECT_TRUE(ssl.ssl->session_cache().get({"localhost", port_of(*server)}));
        server->close();
        co_await server->wait_closed();
    });
}

// STARTTLS: a plain conversation, then both sides upgrade the same connection.
TEST_F(TlsConnectionTest, StartTlsUpgradesAPlainStreamInPlace) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ClientConnectedCallback handler = [](Reader reader, Writer writer) -> Coro<void> {
            const std::string command = co_await reader->readline();
            EXPECT_EQ(command, "STARTTLS\n");
            writer->write("go ahead\n");
            co_await start_tls(*writer, server_ssl());
            co_await echo_lines(reader, writer);
        };
        std::shared_ptr<Server> server = co_await net::start_server(loop, handler, "127.0.0.1", 0);
        auto connected = co_await net::open_connection(loop, "127.0.0.1", port_of(*server));
        auto reader = connected.first;   // not structured bindings: clang 14 cannot
        auto writer = connected.second;  // capture those in a lambda
        EXPECT_FALSE(writer->get_extra_info("cipher").has_value()) << "plain so far";
        writer->write("STARTTLS\n");
        const std::string answer = co_await reader->readline();
        EXPECT_EQ(answer, "go ahead\n");
        co_await start_tls(*writer, client_ssl());
        EXPECT_TRUE(writer->get_extra_info("cipher").has_value());
        writer->write("secret\n");
        const std::string echoed = co_await reader->readline();
        EXPECT_EQ(echoed, "secret\n");
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

// loop.start_tls at the protocol level: the protocol keeps its state and gets no second
// connection_made.
TEST_F(TlsConnectionTest, StartTlsKeepsTheProtocolAndReturnsTheTlsTransport) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ClientConnectedCallback handler = [](Reader reader, Writer writer) -> Coro<void> {
            co_await start_tls(*writer, server_ssl());
            co_await echo_lines(reader, writer);
        };
        std::shared_ptr<Server> server = co_await net::start_server(loop, handler, "127.0.0.1", 0);
        auto make_client = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        auto connected = co_await net::create_connection(loop, std::move(make_client), "127.0.0.1",
                                                         port_of(*server));
        auto plain = connected.first;    // not structured bindings: clang 14 cannot
        auto client = connected.second;  // capture those in a lambda
        std::shared_ptr<Transport> secure = co_await start_tls(loop, plain, client, client_ssl());
        EXPECT_NE(secure.get(), plain.get());
        secure->write("upgraded\n");
        co_await eventually([&] { return client->received == "upgraded\n"; });
        EXPECT_EQ(client->events, (std::vector<std::string>{"made", "data"}));
        secure->close();
        co_await client->lost;
        EXPECT_EQ(client->error, nullptr);
        server->close();
        co_await server->wait_closed();
    });
}

// TLS inside TLS (an HTTPS proxy's CONNECT tunnel carries the origin's TLS inside the proxy's):
// start_tls works over any transport, an SSLTransport included.
TEST_F(TlsConnectionTest, StartTlsWorksOverATlsTransportToo) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ClientConnectedCallback handler = [](Reader reader, Writer writer) -> Coro<void> {
            co_await start_tls(*writer, server_ssl());  // the inner TLS, inside the outer
            co_await echo_lines(reader, writer);
        };
        std::shared_ptr<Server> server =
            co_await start_server(loop, handler, "127.0.0.1", 0, server_ssl());
        auto connected =
            co_await open_connection(loop, "127.0.0.1", port_of(*server), client_ssl());
        auto reader = connected.first;   // not structured bindings: clang 14 cannot
        auto writer = connected.second;  // capture those in a lambda
        Transport* outer = &writer->transport();
        co_await start_tls(*writer, client_ssl());
        EXPECT_NE(&writer->transport(), outer);
        EXPECT_NE(dynamic_cast<SSLTransport*>(&writer->transport()), nullptr);
        writer->write("nested\n");
        const std::string echoed = co_await reader->readline();
        EXPECT_EQ(echoed, "nested\n");
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

// A peer that stops reading: the TLS transport's buffer (plaintext + ciphertext + the socket's
// buffer) passes the high mark, pause_writing comes, and resume_writing once the peer reads.
TEST_F(TlsConnectionTest, AWriterIsPausedWhileThePeerDoesNotReadAndResumedWhenItDoes) {
    struct Sink : Protocol {
        Transport* transport = nullptr;
        std::size_t received = 0;
        void connection_made(Transport& t) override {
            transport = &t;
            t.pause_reading();  // not reading at all, until the test says
        }
        void data_received(std::string_view data) override { received += data.size(); }
    };
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Sink> sink;
        ProtocolFactory make_sink = [&sink] { return sink = std::make_shared<Sink>(); };
        std::shared_ptr<Server> server =
            co_await create_server(loop, make_sink, "127.0.0.1", 0, server_ssl());
        auto make_client = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        auto connected = co_await create_connection(loop, std::move(make_client), "127.0.0.1",
                                                    port_of(*server), client_ssl());
        auto transport = connected.first;  // not structured bindings: clang 14 cannot
        auto client = connected.second;    // capture those in a lambda
        const std::string chunk(64 * 1024, 'f');
        std::size_t sent = 0;
        // The kernel's socket buffers take some megabytes first; then ours fill.
        while (client->pause_count == 0 && sent < (256u << 20)) {
            transport->write(chunk);
            sent += chunk.size();
            if (sent % (1u << 20) == 0) co_await sleep(0ms);  // let the loop send
        }
        CO_ASSERT_EQ(client->pause_count, 1);
        EXPECT_GT(transport->get_write_buffer_size(), transport->get_write_buffer_limits().second);
        co_await eventually([&] { return sink != nullptr; });
        sink->transport->resume_reading();
        co_await eventually([&] { return client->resume_count == 1; });
        EXPECT_LE(transport->get_write_buffer_size(), transport->get_write_buffer_limits().first);
        co_await eventually([&] { return sink->received == sent; });
        transport->close();
        co_await client->lost;
        server->close();
        co_await server->wait_closed();
    });
}

}  // namespace
}  // namespace looplab::net::tls
