// tests/net/socket_transport_test.cpp: SocketTransport and Protocol, over real loopback TCP.
//
// The server side is a create_server whose connections get RecordingProtocols (kept in a
// vector so the test can look at them), or a raw socket when the test needs to misbehave
// (reset, never read). Protocol steps are awaited through the protocol's futures.
#include "net/transport/socket_transport.hpp"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <any>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/errors.hpp"
#include "net/transport/create_connection.hpp"
#include "net/transport/server.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/loopback.hpp"
#include "support/net_test_loop.hpp"
#include "support/recording_protocol.hpp"
#include "support/sha256.hpp"
#include "support/tcp_pair.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::RecordingProtocol;
using testing::run_net_test;

class SocketTransportTest : public testing::NoFdLeaks {};

// A server on 127.0.0.1 whose every connection gets a RecordingProtocol, set up by `setup`.
struct RecordingServer {
    std::shared_ptr<Server> server;
    std::vector<std::shared_ptr<RecordingProtocol>> accepted;
    std::uint16_t port = 0;
};

Coro<void> start_recording_server(EventLoop& loop, RecordingServer& out,
                                  std::function<void(RecordingProtocol&)> setup = nullptr) {
    ProtocolFactory factory = [&loop, &out, setup] {
        auto p = std::make_shared<RecordingProtocol>(loop);
        if (setup) setup(*p);
        out.accepted.push_back(p);
        return p;
    };
    out.server = co_await create_server(loop, std::move(factory), "127.0.0.1", 0);
    out.port = out.server->sockets().at(0).address.port();
}

Coro<void> stop(RecordingServer& s) {
    s.server->close();
    co_await s.server->wait_closed();
}

// A client connection whose protocol is a RecordingProtocol.
Coro<std::shared_ptr<RecordingProtocol>> connect_recording(EventLoop& loop, std::uint16_t port) {
    auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
    auto [transport, protocol] = co_await create_connection(loop, factory, "127.0.0.1", port);
    co_return protocol;
}

TEST_F(SocketTransportTest, AnEchoRoundTripFollowsTheProtocolStateMachine) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        RecordingServer echo;
        co_await start_recording_server(loop, echo, [](RecordingProtocol& p) {
            p.on_data = [](Transport& t, std::string_view data) { t.write(data); };
        });
        auto client = co_await connect_recording(loop, echo.port);
        EXPECT_EQ(client->events, (std::vector<std::string>{"made"}));
        client->transport->write("hello, ");
        client->transport->writelines({"transport", " and ", "protocol"});
        client->transport->write_eof();
        co_await client->lost;  // the server echoes, sees EOF, closes: so do we

        EXPECT_EQ(client->received, "hello, transport and protocol");
        EXPECT_EQ(client->events, (std::vector<std::string>{"made", "data", "eof", "lost"}));
        EXPECT_EQ(client->error, nullptr);
        CO_ASSERT_EQ(echo.accepted.size(), 1u);
        co_await echo.accepted[0]->lost;
        EXPECT_EQ(echo.accepted[0]->events,
                  (std::vector<std::string>{"made", "data", "eof", "lost"}));
        co_await stop(echo);
    });
}

// Writes `total` pattern bytes in chunks, but only while the transport is not paused: the
// well-behaved producer flow control is designed for. Then write_eof.
class Producer : public RecordingProtocol {
public:
    Producer(EventLoop& loop, std::size_t total) : RecordingProtocol(loop), left_(total) {
        on_made = [this](Transport&) { produce(); };
        on_resume = [this] { produce(); };
    }
    testing::Sha256 sent_hash;
    std::size_t max_buffered = 0;  // the largest write buffer we ever saw

private:
    void produce() {
        while (left_ > 0 && !paused()) {
            const std::string chunk = source_.next(std::min<std::size_t>(left_, 64 * 1024));
            sent_hash.update(chunk);
            left_ -= chunk.size();
            transport->write(chunk);
            max_buffered = std::max(max_buffered, transport->get_write_buffer_size());
        }
        if (left_ == 0 && !eof_written_) {
            eof_written_ = true;
            transport->write_eof();
        }
    }
    bool paused() const { return pause_count > resume_count; }
    std::size_t left_;
    testing::PatternSource source_;
    bool eof_written_ = false;
};

void transfer_and_compare_digests(std::size_t total) {
    run_net_test([total](EventLoop& loop) -> Coro<void> {
        // The server hashes what it receives and, at end of stream, answers with the digest.
        auto received_hash = std::make_shared<testing::Sha256>();
        auto received_bytes = std::make_shared<std::size_t>(0);
        RecordingServer sink;
        // Named, not written inside the co_await: g++ 12 destroys lambda temporaries with
        // non-trivial captures twice there (see net/getaddrinfo.cpp).
        auto hash_and_reply = [=](RecordingProtocol& p) {
            p.keep_open_on_eof = true;
            p.keep_received = false;  // hashed as it arrives, not stored
            p.on_data = [=](Transport&, std::string_view data) {
                received_hash->update(data);
                *received_bytes += data.size();
            };
            p.on_eof = [=](Transport& t) {
                t.write(received_hash->hex_digest());
                t.close();
            };
        };
        co_await start_recording_server(loop, sink, hash_and_reply);
        auto factory = [&loop, total] { return std::make_shared<Producer>(loop, total); };
        auto [transport, producer] =
            co_await create_connection(loop, factory, "127.0.0.1", sink.port);
        co_await producer->lost;

        EXPECT_EQ(*received_bytes, total);
        EXPECT_EQ(producer->received, producer->sent_hash.hex_digest());
        EXPECT_EQ(producer->error, nullptr);
        // Flow control held the buffer near the high water mark (one chunk of slack).
        EXPECT_LE(producer->max_buffered, SocketTransport::kDefaultHighWater + 64 * 1024);
        co_await stop(sink);
    });
}

TEST_F(SocketTransportTest, OneMebibyteArrivesWithTheSameSha256) {
    transfer_and_compare_digests(1 << 20);
}

TEST_F(SocketTransportTest, SixtyFourMebibytesArriveWithTheSameSha256) {
    transfer_and_compare_digests(64 << 20);
}

TEST_F(SocketTransportTest, APausedReaderMakesTheWriterPauseAndNothingIsLost) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        constexpr std::size_t total = 16 << 20;  // far beyond what the kernel buffers absorb
        RecordingServer slow;
        co_await start_recording_server(loop, slow, [](RecordingProtocol& p) {
            p.on_made = [](Transport& t) { t.pause_reading(); };
            p.keep_open_on_eof = false;
        });
        auto client = co_await connect_recording(loop, slow.port);
        const std::string payload = testing::PatternSource().next(total);
        client->transport->write(payload);  // the kernel takes some, the transport the rest
        EXPECT_EQ(client->pause_count, 1) << "pause_writing runs inside write() (asyncio too)";
        EXPECT_GT(client->transport->get_write_buffer_size(), 64u * 1024);

        co_await sleep(50ms);  // the reader stays paused: the writer stays paused
        EXPECT_EQ(client->resume_count, 0);
        CO_ASSERT_EQ(slow.accepted.size(), 1u);
        RecordingProtocol& server_side = *slow.accepted[0];
        EXPECT_FALSE(server_side.transport->is_reading());
        EXPECT_LT(server_side.received.size(), total);

        server_side.transport->resume_reading();
        co_await eventually([&] { return client->resume_count == 1; });
        client->transport->write_eof();
        co_await server_side.lost;
        EXPECT_EQ(server_side.received.size(), total);
        EXPECT_TRUE(server_side.received == payload) << "bytes were lost or reordered";
        co_await client->lost;
        co_await stop(slow);
    });
}

TEST_F(SocketTransportTest, WriteEofHalfClosesAndTheOtherDirectionKeepsWorking) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        RecordingServer server;
        co_await start_recording_server(loop, server, [](RecordingProtocol& p) {
            p.keep_open_on_eof = true;  // answer after the question is complete
            p.on_eof = [&p](Transport& t) {
                t.write("answer to: " + p.received);
                t.close();
            };
        });
        auto client = co_await connect_recording(loop, server.port);
        EXPECT_TRUE(client->transport->can_write_eof());
        client->transport->write("question");
        client->transport->write_eof();
        EXPECT_THROW(client->transport->write("more"), TransportClosedError);
        co_await client->lost;
        EXPECT_EQ(client->received, "answer to: question");
        EXPECT_EQ(client->events, (std::vector<std::string>{"made", "data", "eof", "lost"}));
        co_await stop(server);
    });
}

// A raw peer that accepts and reads nothing until told, then reads to end of stream.
Coro<std::size_t> read_all_later(EventLoop& loop, int fd) {
    co_await sleep(30ms);
    std::size_t total = 0;
    std::string buffer(256 * 1024, '\0');
    for (;;) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (n > 0) {
            total += static_cast<std::size_t>(n);
        } else if (n == 0) {
            co_return total;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            co_await sleep(1ms);
        } else {
            co_return total;  // reset: what arrived before it counts
        }
    }
    (void)loop;
}

// A client transport connected to a raw non-blocking server socket.
struct RawPeer {
    std::shared_ptr<RecordingProtocol> client;
    UniqueFd server;
};

Coro<RawPeer> connect_to_raw_peer(EventLoop& loop) {
    const testing::Listener listener = testing::listen_on_loopback();
    auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
    auto [transport, protocol] =
        co_await create_connection(loop, factory, "127.0.0.1", listener.address.port());
    UniqueFd server = testing::accept_one(listener);
    set_non_blocking(server.get(), true);
    co_return RawPeer{protocol, std::move(server)};
}

TEST_F(SocketTransportTest, CloseSendsEverythingBufferedBeforeClosing) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        constexpr std::size_t total = 8 << 20;
        RawPeer peer = co_await connect_to_raw_peer(loop);
        peer.client->transport->write(std::string(total, 'c'));
        EXPECT_GT(peer.client->transport->get_write_buffer_size(), 0u);
        peer.client->transport->close();
        EXPECT_TRUE(peer.client->transport->is_closing());
        EXPECT_EQ(peer.client->lost_count, 0) << "not before the buffer is flushed";
        const std::size_t received = co_await read_all_later(loop, peer.server.get());
        co_await peer.client->lost;
        EXPECT_EQ(received, total);
        EXPECT_EQ(peer.client->lost_count, 1);
        EXPECT_EQ(peer.client->error, nullptr);
    });
}

TEST_F(SocketTransportTest, AbortDropsWhatIsBufferedAndClosesAtOnce) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        constexpr std::size_t total = 32 << 20;
        RawPeer peer = co_await connect_to_raw_peer(loop);
        Transport& transport = *peer.client->transport;
        transport.write(std::string(total, 'a'));
        CO_ASSERT_TRUE(transport.get_write_buffer_size() > 0);
        transport.abort();
        EXPECT_EQ(transport.get_write_buffer_size(), 0u);
        EXPECT_TRUE(transport.is_closing());
        co_await peer.client->lost;
        const std::size_t received = co_await read_all_later(loop, peer.server.get());
        EXPECT_LT(received, total) << "abort() should have dropped the transport's buffer";
        EXPECT_EQ(peer.client->lost_count, 1);
        EXPECT_EQ(peer.client->error, nullptr);
    });
}

TEST_F(SocketTransportTest, APeerResetSurfacesAsConnectionResetErrorInConnectionLost) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        RawPeer peer = co_await connect_to_raw_peer(loop);
        testing::close_with_reset(peer.server);
        co_await peer.client->lost;
        EXPECT_EQ(peer.client->lost_count, 1);
        bool reset = false;
        try {
            if (peer.client->error) std::rethrow_exception(peer.client->error);
        } catch (const ConnectionResetError& e) {
            reset = true;
            EXPECT_NE(std::string(e.what()).find("127.0.0.1"), std::string::npos) << e.what();
        } catch (...) {
        }
        EXPECT_TRUE(reset) << "connection_lost should get a ConnectionResetError";
    });
}

TEST_F(SocketTransportTest, ConnectionLostComesExactlyOnceAndNeverFromInsideTheCall) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        RawPeer peer = co_await connect_to_raw_peer(loop);
        Transport& transport = *peer.client->transport;
        transport.close();
        transport.abort();
        transport.close();
        EXPECT_EQ(peer.client->lost_count, 0) << "connection_lost ran inside close()/abort()";
        co_await peer.client->lost;
        co_await sleep(10ms);
        EXPECT_EQ(peer.client->lost_count, 1);
    });
}

TEST_F(SocketTransportTest, WritingToAClosingOrClosedTransportThrowsTransportClosedError) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        RawPeer peer = co_await connect_to_raw_peer(loop);
        std::shared_ptr<Transport> transport = peer.client->transport->shared_from_this();
        transport->close();
        EXPECT_THROW(transport->write("late"), TransportClosedError);
        co_await peer.client->lost;
        try {
            transport->write("after connection_lost");
            ADD_FAILURE() << "write on a closed transport did not throw";
        } catch (const TransportClosedError& e) {
            EXPECT_EQ(e.code(), std::errc::not_connected);
        }
        EXPECT_FALSE(transport->is_reading());
        EXPECT_FALSE(transport->get_extra_info("socket").has_value()) << "the socket is closed";
    });
}

TEST_F(SocketTransportTest, EndOfStreamClosesTheTransportWhenEofReceivedReturnsFalse) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        RawPeer peer = co_await connect_to_raw_peer(loop);
        ::shutdown(peer.server.get(), SHUT_WR);
        co_await peer.client->lost;
        EXPECT_EQ(peer.client->events, (std::vector<std::string>{"made", "eof", "lost"}));
        const std::size_t received = co_await read_all_later(loop, peer.server.get());
        EXPECT_EQ(received, 0u) << "the peer sees our end of stream too";
    });
}

TEST_F(SocketTransportTest, ClosingFromInsideACallbackAfterEveryoneLetGoIsSafe) {
    // Under ASan this is the use-after-free test: nobody but the loop holds the transports and
    // protocols, and each side closes from inside its own data_received.
    run_net_test([](EventLoop& loop) -> Coro<void> {
        auto log = std::make_shared<std::vector<std::string>>();
        struct CloseOnData : Protocol {
            std::shared_ptr<std::vector<std::string>> log;
            Transport* transport = nullptr;
            void connection_made(Transport& t) override {
                transport = &t;
                t.write("ping");
            }
            void data_received(std::string_view data) override {
                log->push_back(std::string(data));
                transport->close();
                transport->close();
            }
            void connection_lost(std::exception_ptr) override { log->push_back("lost"); }
        };
        ProtocolFactory factory = [log] {
            auto p = std::make_shared<CloseOnData>();
            p->log = log;
            return p;
        };
        std::shared_ptr<Server> server = co_await create_server(loop, factory, "127.0.0.1", 0);
        const std::uint16_t port = server->sockets().at(0).address.port();
        {
            auto made = co_await create_connection(loop, factory, "127.0.0.1", port);
            (void)made;  // dropped here: the loop alone keeps the connection going
        }
        co_await eventually([&] { return std::count(log->begin(), log->end(), "lost") == 2; });
        EXPECT_EQ(std::count(log->begin(), log->end(), "ping"), 2);
        server->close();
        co_await server->wait_closed();
    });
}

TEST_F(SocketTransportTest, AnExceptionInDataReceivedIsReportedAndAbortsTheConnection) {
    testing::ExceptionLog reports;
    run_net_test([&reports](EventLoop& loop) -> Coro<void> {
        reports.install(loop);
        RawPeer peer = co_await connect_to_raw_peer(loop);
        peer.client->on_data = [](Transport&, std::string_view) {
            throw std::runtime_error("protocol bug");
        };
        CO_ASSERT_EQ(send_nosignal(peer.server.get(), "boom", 4), 4);
        co_await peer.client->lost;
        bool got_it = false;
        try {
            if (peer.client->error) std::rethrow_exception(peer.client->error);
        } catch (const std::runtime_error& e) {
            got_it = std::string(e.what()) == "protocol bug";
        }
        EXPECT_TRUE(got_it);
    });
    ASSERT_EQ(reports.messages.size(), 1u);
    EXPECT_NE(reports.messages[0].find("data_received"), std::string::npos);
}

TEST_F(SocketTransportTest, WriteBufferLimitsUseAsynciosDefaults) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        RawPeer peer = co_await connect_to_raw_peer(loop);
        Transport& t = *peer.client->transport;
        using Limits = std::pair<std::size_t, std::size_t>;
        EXPECT_EQ(t.get_write_buffer_limits(), (Limits{16 * 1024, 64 * 1024}));
        t.set_write_buffer_limits(1000);
        EXPECT_EQ(t.get_write_buffer_limits(), (Limits{250, 1000}));
        t.set_write_buffer_limits(std::nullopt, 100);
        EXPECT_EQ(t.get_write_buffer_limits(), (Limits{100, 400}));
        t.set_write_buffer_limits();
        EXPECT_EQ(t.get_write_buffer_limits(), (Limits{16 * 1024, 64 * 1024}));
        EXPECT_THROW(t.set_write_buffer_limits(10, 20), std::invalid_argument);
        t.close();
        co_await peer.client->lost;
    });
}

TEST_F(SocketTransportTest, ExtraInfoNamesBothEndsAndTheSocketHasNoDelay) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        RawPeer peer = co_await connect_to_raw_peer(loop);
        Transport& t = *peer.client->transport;
        const auto peername = std::any_cast<SocketAddress>(t.get_extra_info("peername"));
        const auto sockname = std::any_cast<SocketAddress>(t.get_extra_info("sockname"));
        EXPECT_EQ(peername, local_address(peer.server.get()));
        EXPECT_EQ(sockname, peer_address(peer.server.get()));
        const int fd = std::any_cast<int>(t.get_extra_info("socket"));
        int nodelay = 0;
        socklen_t length = sizeof nodelay;
        EXPECT_EQ(::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &length), 0);
        EXPECT_NE(nodelay, 0) << "create_connection turns Nagle's algorithm off";
        EXPECT_FALSE(t.get_extra_info("no such thing").has_value());
        t.close();
        co_await peer.client->lost;
    });
}

}  // namespace
}  // namespace looplab::net
