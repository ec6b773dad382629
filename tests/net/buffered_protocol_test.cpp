// tests/net/buffered_protocol_test.cpp: BufferedProtocol, the transport reading into the
// protocol's own memory (asyncio's test_buffered_proto.py, and the stream reader using it).
//
// Over a real TCP pair: the protocol's get_buffer / buffer_updated see every byte in order and
// data_received never runs; an empty buffer or a throwing get_buffer aborts the connection; the
// stream reader, a BufferedProtocol, still reads what was sent. Sizes, not timings.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "net/socket_ops.hpp"
#include "net/stream/stream_reader_protocol.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/socket_transport.hpp"
#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/net_test_loop.hpp"
#include "support/tcp_pair.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::run_net_test;

class BufferedProtocolTest : public testing::NoFdLeaks {};

static_assert(std::is_base_of_v<BufferedProtocol, StreamReaderProtocol>,
              "the stream reader lends its buffer to the transport");

// Receives into a small buffer of its own and keeps everything it was given.
class Collector final : public BufferedProtocol {
public:
    explicit Collector(EventLoop& loop, std::size_t buffer_size = 7)
        : buffer_(buffer_size), lost(loop.create_future<void>()) {}

    std::span<char> get_buffer(std::size_t sizehint) override {
        ++get_buffer_calls;
        last_sizehint = sizehint;
        if (throw_in_get_buffer) throw std::runtime_error("no memory today");
        if (empty_buffer) return {};
        return buffer_;
    }
    void buffer_updated(std::size_t nbytes) override { received.append(buffer_.data(), nbytes); }
    void data_received(std::string_view) override { ++data_received_calls; }
    bool eof_received() override {
        saw_eof = true;
        return false;
    }
    void connection_lost(std::exception_ptr e) override {
        error = e;
        if (!lost.done()) lost.set_result();
    }

    std::string received;
    int get_buffer_calls = 0;
    int data_received_calls = 0;
    std::size_t last_sizehint = 0;
    bool throw_in_get_buffer = false;
    bool empty_buffer = false;
    bool saw_eof = false;
    std::exception_ptr error;

private:
    std::vector<char> buffer_;

public:
    Future<void> lost;
};

// Sends `bytes` on the raw socket, then shuts its writing side down.
void send_all_and_shut(UniqueFd& fd, const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd.get(), bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n > 0) sent += static_cast<std::size_t>(n);
    }
    ::shutdown(fd.get(), SHUT_WR);
}

TEST_F(BufferedProtocolTest, EveryByteArrivesInOrderThroughTheProtocolsBufferNeverDataReceived) {
    testing::TcpPair pair = testing::tcp_pair();
    std::string message;
    for (int i = 0; i < 1000; ++i) message += std::to_string(i) + ",";
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        auto collector = std::make_shared<Collector>(loop);
        SocketTransport::make(loop, std::move(pair.server), collector);
        send_all_and_shut(pair.client, message);
        co_await collector->lost;
        EXPECT_EQ(collector->received, message);
        EXPECT_EQ(collector->data_received_calls, 0);
        EXPECT_TRUE(collector->saw_eof);
        EXPECT_EQ(collector->error, nullptr);
        EXPECT_GE(collector->get_buffer_calls, static_cast<int>(message.size() / 7));
        EXPECT_EQ(collector->last_sizehint, SocketTransport::kMaxReadSize);
    });
}

TEST_F(BufferedProtocolTest, AnEmptyBufferAbortsTheConnectionWithAReportedError) {
    testing::TcpPair pair = testing::tcp_pair();
    testing::ExceptionLog reports;
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        reports.install(loop);
        auto collector = std::make_shared<Collector>(loop);
        collector->empty_buffer = true;
        SocketTransport::make(loop, std::move(pair.server), collector);
        send_all_and_shut(pair.client, "x");
        co_await collector->lost;
        EXPECT_NE(describe(collector->error).find("empty buffer"), std::string::npos);
        EXPECT_TRUE(collector->received.empty());
    });
    ASSERT_EQ(reports.messages.size(), 1u);
    EXPECT_NE(reports.messages[0].find("get_buffer"), std::string::npos);
}

TEST_F(BufferedProtocolTest, AGetBufferThatThrowsAbortsTheConnectionWithItsException) {
    testing::TcpPair pair = testing::tcp_pair();
    testing::ExceptionLog reports;
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        reports.install(loop);
        auto collector = std::make_shared<Collector>(loop);
        collector->throw_in_get_buffer = true;
        SocketTransport::make(loop, std::move(pair.server), collector);
        send_all_and_shut(pair.client, "x");
        co_await collector->lost;
        EXPECT_EQ(describe(collector->error), "no memory today");
    });
    EXPECT_EQ(reports.messages.size(), 1u);
}

TEST_F(BufferedProtocolTest, AStreamReaderReadsWhatWasSentStraightFromTheSocket) {
    testing::TcpPair pair = testing::tcp_pair();
    const std::string message(300 * 1024, 'z');  // more than one read and than the limit
    run_net_test([&](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop);
        auto protocol = std::make_shared<StreamReaderProtocol>(loop, reader);
        std::shared_ptr<SocketTransport> transport =
            SocketTransport::make(loop, std::move(pair.server), protocol);
        // A thread sends (blocking): 300 KiB may not fit the kernel's buffers at once.
        set_non_blocking(pair.client.get(), false);
        std::thread sender([&] { send_all_and_shut(pair.client, message); });
        const std::string all = co_await reader->read();
        sender.join();
        EXPECT_EQ(all.size(), message.size());
        EXPECT_EQ(all, message);
        EXPECT_TRUE(reader->at_eof());
        // eof_received kept the transport open (this side may still write): close it.
        transport->close();
        co_await protocol->closed();
    });
}

}  // namespace
}  // namespace looplab::net
