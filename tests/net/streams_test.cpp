// tests/net/streams_test.cpp: open_connection / start_server, StreamWriter::drain, and load.
#include "net/stream/streams.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/errors.hpp"
#include "runtime/gather.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/loopback.hpp"
#include "support/net_test_loop.hpp"
#include "support/sha256.hpp"
#include "support/tcp_pair.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::run_net_test;

class StreamsTest : public testing::NoFdLeaks {};

using Reader = std::shared_ptr<StreamReader>;
using Writer = std::shared_ptr<StreamWriter>;

// The stream-level echo server: line by line, until end of stream.
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

TEST_F(StreamsTest, AnEchoRoundTripWithReaderAndWriter) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        std::shared_ptr<Server> server = co_await start_server(loop, echo_lines, "127.0.0.1", 0);
        auto [reader, writer] = co_await open_connection(loop, "127.0.0.1", port_of(*server));
        writer->write("hello\n");
        writer->writelines({"stream", "s\n"});
        co_await writer->drain();
        EXPECT_EQ(co_await reader->readline(), "hello\n");
        EXPECT_EQ(co_await reader->readline(), "streams\n");
        EXPECT_TRUE(writer->can_write_eof());
        writer->write_eof();
        EXPECT_EQ(co_await reader->read(), "") << "the server closes after our end of stream";
        EXPECT_TRUE(reader->at_eof());
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

// The handler's captures are its coroutine's state. A handler suspended past its connection's
// end (in wait_closed, then a sleep) must still find them: the server keeps the handler alive
// for as long as its task runs. Before, connection_lost dropped the std::function and this
// read freed memory (ASan: heap-use-after-free).
TEST_F(StreamsTest, AHandlerReadsItsCapturesAfterItsConnectionIsLost) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto seen = std::make_shared<std::string>();
        auto finished = std::make_shared<Future<void>>(loop.create_future<void>());
        const std::string greeting(64, 'g');  // long enough to live on the heap
        ClientConnectedCallback handler = [greeting, seen, finished](Reader reader,
                                                                     Writer writer) -> Coro<void> {
            co_await reader->read();  // until the client closes
            writer->close();
            co_await writer->wait_closed();  // the connection is lost here
            co_await sleep(1ms);             // and its protocol may be gone by now
            *seen = greeting;                // a capture, read after all that
            finished->set_result();
        };
        std::shared_ptr<Server> server = co_await start_server(loop, handler, "127.0.0.1", 0);
        handler = nullptr;  // the server's own copy is the only one left
        {
            auto [reader, writer] = co_await open_connection(loop, "127.0.0.1", port_of(*server));
            writer->close();
            co_await writer->wait_closed();
        }
        co_await *finished;
        EXPECT_EQ(*seen, std::string(64, 'g'));
        server->close();
        co_await server->wait_closed();
    });
}

// Client: write `total` bytes (drain after each chunk), half-close, read the server's digest.
// Server: hash everything until end of stream, answer with the digest.
void transfer_with_streams(std::size_t total) {
    run_net_test([total](EventLoop& loop) -> Coro<void> {
        ClientConnectedCallback hash_and_reply = [](Reader reader, Writer writer) -> Coro<void> {
            testing::Sha256 hash;
            for (;;) {
                const std::string block = co_await reader->read(64 * 1024);
                if (block.empty()) break;
                hash.update(block);
            }
            writer->write(hash.hex_digest());
            writer->close();
        };
        std::shared_ptr<Server> server =
            co_await start_server(loop, hash_and_reply, "127.0.0.1", 0);
        auto [reader, writer] = co_await open_connection(loop, "127.0.0.1", port_of(*server));
        testing::PatternSource source;
        testing::Sha256 sent;
        for (std::size_t left = total; left > 0;) {
            const std::string chunk = source.next(std::min<std::size_t>(left, 256 * 1024));
            left -= chunk.size();
            sent.update(chunk);
            writer->write(chunk);
            co_await writer->drain();
            EXPECT_LE(writer->transport().get_write_buffer_size(), 256u * 1024 + 64 * 1024);
        }
        writer->write_eof();
        EXPECT_EQ(co_await reader->read(), sent.hex_digest());
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(StreamsTest, OneMebibyteArrivesWithTheSameSha256) {
    transfer_with_streams(1 << 20);
}

TEST_F(StreamsTest, SixtyFourMebibytesArriveWithTheSameSha256) {
    transfer_with_streams(64 << 20);
}

TEST_F(StreamsTest, DrainWaitsWhileThePeerDoesNotReadAndReturnsOnceItDoes) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto go = loop.create_future<void>();
        std::size_t server_got = 0;
        ClientConnectedCallback slow_reader = [&](Reader reader, Writer writer) -> Coro<void> {
            co_await go;  // read nothing until told
            server_got = (co_await reader->read()).size();
            writer->close();
        };
        std::shared_ptr<Server> server = co_await start_server(loop, slow_reader, "127.0.0.1", 0);
        auto [reader, writer] = co_await open_connection(loop, "127.0.0.1", port_of(*server));
        writer->write(std::string(16 << 20, 'd'));
        Task<void> drain = loop.create_task(writer->drain());
        co_await sleep(50ms);
        EXPECT_FALSE(drain.done()) << "the peer reads nothing, so the buffer cannot drain";
        go.set_result();
        co_await drain;
        EXPECT_LE(writer->transport().get_write_buffer_size(), 16u * 1024);
        writer->write_eof();
        EXPECT_EQ(co_await reader->read(), "") << "the server closes after reading everything";
        EXPECT_EQ(server_got, 16u << 20);
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(StreamsTest, APeerResetIsThrownByReadAndByDrain) {
    const testing::Listener listener = testing::listen_on_loopback();
    run_net_test([&listener](EventLoop& loop) -> Coro<void> {
        auto [reader, writer] =
            co_await open_connection(loop, "127.0.0.1", listener.address.port());
        UniqueFd peer = testing::accept_one(listener);
        testing::close_with_reset(peer);
        EXPECT_THROW((void)co_await reader->read(), ConnectionResetError);
        EXPECT_THROW(co_await writer->drain(), ConnectionResetError);
        EXPECT_THROW(co_await writer->wait_closed(), ConnectionResetError);
        EXPECT_TRUE(writer->is_closing());
    });
}

TEST_F(StreamsTest, DrainAfterACleanCloseSaysTheConnectionIsLost) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const testing::Listener listener = testing::listen_on_loopback();
        auto [reader, writer] =
            co_await open_connection(loop, "127.0.0.1", listener.address.port());
        UniqueFd peer = testing::accept_one(listener);
        writer->close();
        EXPECT_THROW(co_await writer->drain(), ConnectionResetError);
        co_await writer->wait_closed();
        EXPECT_THROW(writer->write("late"), TransportClosedError);
    });
}

TEST_F(StreamsTest, TheReaderPausesTheSocketAboveTwiceItsLimit) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ClientConnectedCallback flood = [](Reader, Writer writer) -> Coro<void> {
            writer->write(std::string(256 * 1024, 'f'));
            co_await writer->drain();
            writer->close();
        };
        std::shared_ptr<Server> server = co_await start_server(loop, flood, "127.0.0.1", 0);
        auto [reader, writer] =
            co_await open_connection(loop, "127.0.0.1", port_of(*server), /*limit=*/1024);
        Transport* transport = &writer->transport();  // (clang 14 cannot capture a binding)
        co_await eventually([transport] { return !transport->is_reading(); });
        EXPECT_GT(reader->buffered(), 2u * 1024);
        std::size_t total = 0;
        for (;;) {
            const std::string block = co_await reader->read(1024);
            if (block.empty()) break;
            total += block.size();
        }
        EXPECT_EQ(total, 256u * 1024);
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(StreamsTest, AFailingClientCallbackIsReportedAndItsConnectionClosed) {
    testing::ExceptionLog reports;
    run_net_test([&reports](EventLoop& loop) -> Coro<void> {
        reports.install(loop);
        ClientConnectedCallback broken = [](Reader, Writer) -> Coro<void> {
            co_await sleep(Duration::zero());
            throw std::runtime_error("handler bug");
        };
        std::shared_ptr<Server> server = co_await start_server(loop, broken, "127.0.0.1", 0);
        auto [reader, writer] = co_await open_connection(loop, "127.0.0.1", port_of(*server));
        EXPECT_EQ(co_await reader->read(), "") << "the server side was closed";
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
    ASSERT_EQ(reports.messages.size(), 1u);
    EXPECT_EQ(reports.messages[0], "Unhandled exception in client_connected_cb");
}

TEST_F(StreamsTest, IncompleteReadErrorCarriesWhatArrivedBeforeThePeerClosed) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ClientConnectedCallback short_reply = [](Reader, Writer writer) -> Coro<void> {
            writer->write("only 19 bytes here.");
            writer->close();
            co_return;
        };
        std::shared_ptr<Server> server = co_await start_server(loop, short_reply, "127.0.0.1", 0);
        auto [reader, writer] = co_await open_connection(loop, "127.0.0.1", port_of(*server));
        try {
            (void)co_await reader->readexactly(100);
            ADD_FAILURE() << "readexactly(100) returned";
        } catch (const IncompleteReadError& e) {
            EXPECT_EQ(e.partial(), "only 19 bytes here.");
            EXPECT_EQ(e.expected(), 100u);
        }
        writer->close();
        co_await writer->wait_closed();
        server->close();
        co_await server->wait_closed();
    });
}

// Raises the soft descriptor limit to the hard one; false if even that is too low.
bool allow_descriptors(rlim_t wanted) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
    if (limit.rlim_cur >= wanted) return true;
    if (limit.rlim_max < wanted) return false;
    limit.rlim_cur = limit.rlim_max;
    return ::setrlimit(RLIMIT_NOFILE, &limit) == 0;
}

constexpr int kConnections = 1000;

TEST_F(StreamsTest, AThousandConcurrentConnectionsAreAllServed) {
    // Two descriptors per connection (both ends live in this process), plus slack.
    if (!allow_descriptors(2 * kConnections + 100)) {
        GTEST_SKIP() << "RLIMIT_NOFILE's hard limit is below " << 2 * kConnections + 100;
    }
    run_net_test([](EventLoop& loop) -> Coro<void> {
        ServerOptions options;
        options.backlog = kConnections;  // every SYN finds room, none waits for a retransmit
        std::shared_ptr<Server> server = co_await start_server(
            loop, echo_lines, "127.0.0.1", 0, StreamReader::kDefaultLimit, options);
        const std::uint16_t port = port_of(*server);
        auto client = [](EventLoop& l, std::uint16_t p, int i) -> Coro<bool> {
            auto [reader, writer] = co_await open_connection(l, "127.0.0.1", p);
            const std::string line = "client " + std::to_string(i) + "\n";
            writer->write(line);
            const std::string echoed = co_await reader->readline();
            writer->close();
            co_await writer->wait_closed();
            co_return echoed == line;
        };
        std::vector<Coro<bool>> clients;
        for (int i = 0; i < kConnections; ++i) clients.push_back(client(loop, port, i));
        const std::vector<bool> ok = co_await gather(std::move(clients));
        EXPECT_EQ(std::count(ok.begin(), ok.end(), true), kConnections);
        server->close();
        co_await server->wait_closed();
    });
}

}  // namespace
}  // namespace looplab::net
