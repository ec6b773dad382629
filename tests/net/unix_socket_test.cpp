// tests/net/unix_socket_test.cpp: UnixAddress, sock_connect on a Unix socket,
// create_unix_connection / create_unix_server, open_unix_connection / start_unix_server.
//
// asyncio: test_unix_events.py's UnixEventLoopTests (create_unix_server with an existing path,
// a socket file left behind, a path that is not a socket; create_unix_connection with a path
// that does not exist) and the 3.13 cleanup_socket cases (the file is removed on close, but not
// a replacement); test_sock_lowlevel.py's test_unix_sock_client_ops; test_streams.py's
// test_open_unix_connection / test_start_unix_server. The brief's cases: the abstract
// namespace, end of stream, and a broken pipe. Deliberate differences are written in
// net/transport/unix_connection.hpp (no peername / sockname strings) and unix_server.hpp.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>

#include "net/async_socket_ops.hpp"
#include "net/async_unix_ops.hpp"
#include "net/errors.hpp"
#include "net/socket_ops.hpp"
#include "net/stream/unix_streams.hpp"
#include "net/transport/unix_connection.hpp"
#include "net/transport/unix_server.hpp"
#include "net/unix_address.hpp"
#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/net_test_loop.hpp"
#include "support/recording_protocol.hpp"

namespace looplab::net {
namespace {

using namespace std::string_literals;
using testing::RecordingProtocol;
using testing::run_net_test;

// A fresh path for a socket file, removed by the test's end (a temporary directory per test).
class UnixSocketTest : public testing::NoFdLeaks {
protected:
    void SetUp() override {
        char dir[] = "/tmp/looplab-unix-XXXXXX";
        ASSERT_NE(::mkdtemp(dir), nullptr);
        dir_ = dir;
        NoFdLeaks::SetUp();
    }
    void TearDown() override {
        NoFdLeaks::TearDown();
        ::unlink(path().c_str());
        ::rmdir(dir_.c_str());
    }
    std::string path() const { return dir_ + "/echo.sock"; }
    // A name in the abstract namespace, unique to this process.
    static std::string abstract_name() { return "\0looplab-test-"s + std::to_string(::getpid()); }
    static bool exists(const std::string& p) {
        struct stat st {};
        return ::lstat(p.c_str(), &st) == 0;
    }

private:
    std::string dir_;
};

// Echoes every line, then closes at end of stream.
Coro<void> echo_lines(std::shared_ptr<StreamReader> reader, std::shared_ptr<StreamWriter> writer) {
    for (;;) {
        std::string line = co_await reader->readline();
        if (line.empty()) break;
        writer->write(line);
        co_await writer->drain();
    }
    writer->close();
    co_await writer->wait_closed();
}

TEST(UnixAddress, NamesAPathOrAnAbstractName) {
    const UnixAddress path("/tmp/x.sock");
    EXPECT_FALSE(path.is_abstract());
    EXPECT_EQ(path.to_string(), "/tmp/x.sock");
    const UnixAddress abstract("\0name"s);
    EXPECT_TRUE(abstract.is_abstract());
    EXPECT_EQ(abstract.to_string(), "@name");
    EXPECT_EQ(abstract.size(), static_cast<socklen_t>(sizeof(sa_family_t) + 5));
    EXPECT_TRUE(UnixAddress::unnamed().is_unnamed());
    EXPECT_EQ(UnixAddress::unnamed().to_string(), "(unnamed)");
    // Round trip through the kernel's form.
    const auto back = UnixAddress::from_sockaddr(path.data(), path.size());
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, path);
}

TEST(UnixAddress, RefusesNamesThatDoNotFit) {
    EXPECT_THROW(UnixAddress(""), std::invalid_argument);
    EXPECT_THROW(UnixAddress(std::string(UnixAddress::kMaxNameSize + 1, 'x')),
                 std::invalid_argument);
    EXPECT_NO_THROW(UnixAddress(std::string(UnixAddress::kMaxNameSize, 'x')));
    EXPECT_THROW(UnixAddress("a\0b"s), std::invalid_argument) << "a path with a NUL inside";
    const SocketAddress ip = SocketAddress::loopback(AF_INET, 80);
    EXPECT_FALSE(UnixAddress::from_sockaddr(ip.data(), ip.size()).has_value());
}

// test_unix_sock_client_ops: the sock_* coroutines on a Unix socket.
TEST_F(UnixSocketTest, SockOperationsWorkOnAUnixSocket) {
    run_net_test([this](EventLoop& loop) -> Coro<void> {
        UniqueFd listener = make_socket(AF_UNIX, SOCK_STREAM, /*non_blocking=*/true);
        const UnixAddress address(path());
        CO_ASSERT_EQ(::bind(listener.get(), address.data(), address.size()), 0);
        start_listening(listener.get(), 4);
        UniqueFd client = make_socket(AF_UNIX, SOCK_STREAM, /*non_blocking=*/true);
        co_await sock_connect(loop, client.get(), address);
        UnixAccepted accepted = co_await sock_accept_unix(loop, listener.get());
        co_await sock_sendall(loop, client.get(), "hello");
        EXPECT_EQ(co_await sock_recv(loop, accepted.conn.get(), 100), "hello");
        EXPECT_EQ(accepted.address, UnixAddress::unnamed());
        EXPECT_EQ(local_unix_address(accepted.conn.get()), address);
    });
}

// create_unix_connection to a path that does not exist (asyncio: FileNotFoundError), and to a
// socket file nobody listens on (ConnectionRefusedError).
TEST_F(UnixSocketTest, ConnectingToNothingFailsWithTheReason) {
    run_net_test([this](EventLoop& loop) -> Coro<void> {
        auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        int err = 0;
        try {
            co_await create_unix_connection(loop, factory, path());
        } catch (const NetError& e) {
            err = e.code().value();
        }
        EXPECT_EQ(err, ENOENT);
        {
            UniqueFd stale = make_socket(AF_UNIX, SOCK_STREAM, true);
            const UnixAddress address(path());
            CO_ASSERT_EQ(::bind(stale.get(), address.data(), address.size()), 0);
        }  // bound, never listening, closed: the file stays
        bool refused = false;
        try {
            co_await create_unix_connection(loop, factory, path());
        } catch (const ConnectionRefusedError&) {
            refused = true;
        }
        EXPECT_TRUE(refused);
    });
}

// create_unix_server + create_unix_connection, at the protocol layer.
TEST_F(UnixSocketTest, AProtocolServerAndClientTalkOverAPath) {
    run_net_test([this](EventLoop& loop) -> Coro<void> {
        auto server_side = std::make_shared<RecordingProtocol>(loop);
        server_side->on_data = [](Transport& t, std::string_view data) { t.write(data); };
        // Named, not a temporary inside the co_await: see getaddrinfo.cpp (a g++ 12 bug).
        auto server_factory = [server_side] { return server_side; };
        std::shared_ptr<Server> server = co_await create_unix_server(loop, server_factory, path());
        CO_ASSERT_EQ(server->unix_sockets().size(), 1u);
        EXPECT_EQ(server->unix_sockets()[0].address.to_string(), path());
        EXPECT_TRUE(server->sockets().empty()) << "sockets() lists IP listeners only";
        EXPECT_TRUE(exists(path()));
        auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        auto [transport, client] = co_await create_unix_connection(loop, factory, path());
        EXPECT_FALSE(transport->get_extra_info("peername").has_value());  // the DIFFERENCE
        transport->write("ping");
        co_await testing::eventually([&c = client] { return c->received == "ping"; });
        transport->close();
        co_await client->lost;
        co_await server_side->lost;
        EXPECT_EQ(server_side->events.front(), "made");
        EXPECT_EQ(server_side->events.back(), "lost");  // end of stream, then closed
        server->close();
        co_await server->wait_closed();
        EXPECT_FALSE(exists(path())) << "close() removes the socket file";
    });
}

// test_open_unix_connection / test_start_unix_server, and end of stream.
TEST_F(UnixSocketTest, StreamsEchoOverAUnixSocketUntilEndOfStream) {
    run_net_test([this](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server = co_await start_unix_server(loop, echo_lines, path());
        auto [reader, writer] = co_await open_unix_connection(loop, path());
        writer->write("one\ntwo\n");
        EXPECT_EQ(co_await reader->readline(), "one\n");
        EXPECT_EQ(co_await reader->readline(), "two\n");
        writer->write_eof();  // the server sees end of stream and closes
        EXPECT_EQ(co_await reader->read(), "");
        EXPECT_TRUE(reader->at_eof());
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

// The abstract namespace: no file at all, before or after.
TEST_F(UnixSocketTest, AnAbstractNameNeedsNoFile) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::string name = abstract_name();
        std::shared_ptr<Server> server = co_await start_unix_server(loop, echo_lines, name);
        EXPECT_TRUE(server->unix_sockets().at(0).address.is_abstract());
        auto [reader, writer] = co_await open_unix_connection(loop, name);
        writer->write("abstract\n");
        EXPECT_EQ(co_await reader->readline(), "abstract\n");
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

// test_create_unix_server_existing_path_sock: a socket file left by an earlier run is replaced.
TEST_F(UnixSocketTest, AStaleSocketFileIsRemovedBeforeBinding) {
    {
        UniqueFd stale = make_socket(AF_UNIX, SOCK_STREAM, true);
        const UnixAddress address(path());
        ASSERT_EQ(::bind(stale.get(), address.data(), address.size()), 0);
    }
    ASSERT_TRUE(exists(path()));
    run_net_test([this](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server = co_await start_unix_server(loop, echo_lines, path());
        auto [reader, writer] = co_await open_unix_connection(loop, path());
        writer->write("fresh\n");
        EXPECT_EQ(co_await reader->readline(), "fresh\n");
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

// test_create_unix_server_existing_path_nonsock: anything else at the path is an error, and
// is left alone.
TEST_F(UnixSocketTest, AFileThatIsNotASocketIsNeitherRemovedNorReplaced) {
    { std::ofstream(path()) << "precious"; }
    run_net_test([this](EventLoop& loop) -> Coro<void> {
        int err = 0;
        try {
            co_await start_unix_server(loop, echo_lines, path());
        } catch (const NetError& e) {
            err = e.code().value();
        }
        EXPECT_EQ(err, EEXIST);
    });
    std::string kept;
    std::ifstream(path()) >> kept;
    EXPECT_EQ(kept, "precious");
}

// asyncio 3.13's cleanup_socket: a file replaced meanwhile belongs to someone else.
TEST_F(UnixSocketTest, CloseLeavesAReplacedSocketFileAlone) {
    run_net_test([this](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server = co_await start_unix_server(loop, echo_lines, path());
        ::unlink(path().c_str());
        UniqueFd other = make_socket(AF_UNIX, SOCK_STREAM, true);  // another server's file now
        const UnixAddress address(path());
        CO_ASSERT_EQ(::bind(other.get(), address.data(), address.size()), 0);
        server->close();
        co_await server->wait_closed();
        EXPECT_TRUE(exists(path()));
    });
}

// The brief: a broken pipe. Writing to a connection whose peer has gone ends in
// connection_lost with the error (the process is not killed by SIGPIPE: send uses
// MSG_NOSIGNAL).
TEST_F(UnixSocketTest, WritingAfterThePeerClosedEndsInABrokenPipe) {
    run_net_test([this](EventLoop& loop) -> Coro<void> {
        auto server_side = std::make_shared<RecordingProtocol>(loop);
        server_side->on_made = [](Transport& t) { t.abort(); };  // accept, then hang up at once
        // Named, not a temporary inside the co_await: see getaddrinfo.cpp (a g++ 12 bug).
        auto server_factory = [server_side] { return server_side; };
        std::shared_ptr<Server> server = co_await create_unix_server(loop, server_factory, path());
        auto factory = [&loop] {
            auto p = std::make_shared<RecordingProtocol>(loop);
            p->keep_open_on_eof = true;  // stay open for writing after the peer's end of stream
            return p;
        };
        auto [transport, client] = co_await create_unix_connection(loop, factory, path());
        co_await server_side->lost;
        // The peer is gone; keep writing until the kernel says so.
        while (!transport->is_closing()) {
            transport->write(std::string(64 * 1024, 'x'));
            co_await sleep(std::chrono::milliseconds(1));
        }
        co_await client->lost;
        EXPECT_TRUE(holds<BrokenPipeError>(client->error) ||
                    holds<ConnectionResetError>(client->error))
            << describe(client->error);
        server->close();
        co_await server->wait_closed();
    });
}

}  // namespace
}  // namespace looplab::net
