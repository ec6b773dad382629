// tests/net/sendfile_test.cpp: sock_sendfile (net/sendfile.hpp) and sendfile through a transport
// (net/transport/transport_sendfile.hpp), native and fallback.
//
// asyncio: Lib/test/test_asyncio/test_sendfile.py and the sock_sendfile cases of
// test_sock_lowlevel.py, behaviour by behaviour: the whole file, an offset and a count, a count
// past the end, the file's position afterwards, the fallback for what sendfile(2) cannot send,
// SendfileNotAvailableError when the fallback is refused, a datagram socket refused, the
// transport's reading paused and resumed around the native path. DIFFERENCE: asyncio's fallback
// seeks the file and so refuses a pipe; looplab's reads a pipe where it stands.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>

#include "net/async_socket_ops.hpp"
#include "net/detail/wait_fd.hpp"
#include "net/pipe_ops.hpp"
#include "net/sendfile.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/connect_pipe.hpp"
#include "net/transport/socket_transport.hpp"
#include "net/transport/transport_sendfile.hpp"
#include "runtime/future.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/net_test_loop.hpp"
#include "support/recording_protocol.hpp"
#include "support/tcp_pair.hpp"

namespace looplab::net {
namespace {

using testing::RecordingProtocol;
using testing::run_net_test;
using testing::tcp_pair;
using testing::TcpPair;

class SendfileTest : public testing::NoFdLeaks {};

// Bytes that differ from position to position, so a misplaced block shows.
std::string pattern(std::size_t size) {
    std::string out(size, '\0');
    for (std::size_t i = 0; i < size; ++i) out[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return out;
}

// A regular file holding content, already unlinked: it lives as long as its descriptor.
UniqueFd temp_file(const std::string& content) {
    char name[] = "/tmp/looplab-sendfile-XXXXXX";
    UniqueFd fd(::mkostemp(name, O_CLOEXEC));
    if (!fd) throw std::runtime_error("mkostemp failed");
    ::unlink(name);
    if (::write(fd.get(), content.data(), content.size()) != static_cast<ssize_t>(content.size())) {
        throw std::runtime_error("temp_file: short write");
    }
    ::lseek(fd.get(), 0, SEEK_SET);
    return fd;
}

off_t position_of(int fd) {
    return ::lseek(fd, 0, SEEK_CUR);
}

// Reads from fd until want bytes or end of stream.
Coro<std::string> receive(EventLoop& loop, int fd, std::size_t want) {
    std::string got;
    while (got.size() < want) {
        std::string chunk = co_await sock_recv(loop, fd, 64 * 1024);
        if (chunk.empty()) break;
        got += chunk;
    }
    co_return got;
}

// Reads a non-blocking pipe until end of file.
Coro<std::string> receive_pipe(EventLoop& loop, int fd) {
    std::string got;
    char buffer[64 * 1024];
    for (;;) {
        const ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n == 0) break;
        if (n > 0) {
            got.append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (errno != EAGAIN) throw std::runtime_error("receive_pipe: read failed");
        co_await detail::wait_until(loop, fd, detail::Direction::readable);
    }
    co_return got;
}

// test_sock_sendfile_zero_size / _mix_with_regular_send's main path: 3 MiB, more than a socket
// buffer holds, so the native loop has to wait for writability on the way.
TEST_F(SendfileTest, SockSendfileSendsTheWholeFileAndMovesItsPosition) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::string content = pattern(3 * 1024 * 1024);
        UniqueFd file = temp_file(content);
        TcpPair pair = tcp_pair();
        Task<std::string> got = loop.create_task(receive(loop, pair.server.get(), content.size()));
        const std::size_t sent = co_await sock_sendfile(loop, pair.client.get(), file.get());
        const std::string received = co_await got;
        EXPECT_EQ(sent, content.size());
        EXPECT_TRUE(received == content) << "the bytes differ";
        EXPECT_EQ(position_of(file.get()), static_cast<off_t>(content.size()));
    });
}

// test_sock_sendfile_offset / _count: only the slice asked for, and the position after it.
TEST_F(SendfileTest, AnOffsetAndACountSendOnlyThatSlice) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::string content = pattern(100'000);
        UniqueFd file = temp_file(content);
        TcpPair pair = tcp_pair();
        const std::size_t sent =
            co_await sock_sendfile(loop, pair.client.get(), file.get(), 1000, 5000);
        EXPECT_EQ(sent, 5000u);
        const std::string received = co_await receive(loop, pair.server.get(), 5000);
        EXPECT_EQ(received, content.substr(1000, 5000));
        EXPECT_EQ(position_of(file.get()), 6000);
    });
}

// test_sock_sendfile_count_greater_than_file_size: the end of the file ends the send.
TEST_F(SendfileTest, ACountPastTheEndStopsAtTheEndOfTheFile) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::string content = pattern(4000);
        UniqueFd file = temp_file(content);
        TcpPair pair = tcp_pair();
        const std::size_t sent =
            co_await sock_sendfile(loop, pair.client.get(), file.get(), 1000, 1'000'000);
        EXPECT_EQ(sent, 3000u);
        pair.client.reset();  // end of stream, so the receiver stops at what was sent
        const std::string received = co_await receive(loop, pair.server.get(), 1'000'000);
        EXPECT_EQ(received, content.substr(1000));
    });
}

// An empty file sends nothing and leaves the position alone.
TEST_F(SendfileTest, AnEmptyFileSendsNothing) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        UniqueFd file = temp_file("");
        TcpPair pair = tcp_pair();
        EXPECT_EQ(co_await sock_sendfile(loop, pair.client.get(), file.get()), 0u);
        EXPECT_EQ(position_of(file.get()), 0);
    });
}

// test_sock_sendfile_not_regular_file: a pipe cannot be sendfile(2)'s input, so the blocks are
// read and sent; every byte arrives in order.
TEST_F(SendfileTest, APipeIsSentThroughTheFallback) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::string content = pattern(600'000);  // more than two fallback blocks
        PipeEnds ends = make_pipe();
        TcpPair pair = tcp_pair();
        Task<std::string> got = loop.create_task(receive(loop, pair.server.get(), content.size()));
        // The pipe holds 64 KiB: a thread feeds it while the loop sends.
        auto feed = [fd = ends.write.get(), &content] {
            std::size_t done = 0;
            while (done < content.size()) {
                const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
                if (n <= 0) throw std::runtime_error("feed failed");
                done += static_cast<std::size_t>(n);
            }
        };
        Future<void> fed = loop.run_in_executor(nullptr, feed);
        const std::size_t sent =
            co_await sock_sendfile(loop, pair.client.get(), ends.read.get(), 0, content.size());
        co_await fed;
        EXPECT_EQ(sent, content.size());
        const std::string received = co_await got;
        EXPECT_TRUE(received == content) << "the bytes differ";
    });
}

// test_sock_sendfile_fallback_false / SendfileNotAvailableError: no fallback, nothing sent.
TEST_F(SendfileTest, RefusingTheFallbackRaisesSendfileNotAvailable) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        TcpPair pair = tcp_pair();
        bool raised = false;
        try {
            co_await sock_sendfile(loop, pair.client.get(), ends.read.get(), 0, std::nullopt,
                                   /*fallback=*/false);
        } catch (const SendfileNotAvailableError&) {
            raised = true;
        }
        EXPECT_TRUE(raised);
    });
}

// test_sock_sendfile_not_a_stream_socket (asyncio: ValueError).
TEST_F(SendfileTest, ADatagramSocketIsRefused) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        UniqueFd file = temp_file("data");
        UniqueFd udp = make_socket(AF_INET, SOCK_DGRAM, /*non_blocking=*/true);
        bool raised = false;
        try {
            co_await sock_sendfile(loop, udp.get(), file.get());
        } catch (const std::invalid_argument&) {
            raised = true;
        }
        EXPECT_TRUE(raised);
    });
}

// test_sendfile (loop.sendfile over a socket transport): native; the transport reads again
// afterwards, so the peer's reply still arrives.
TEST_F(SendfileTest, ATransportSendsNativelyAndReadsAgainAfterwards) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::string content = pattern(1024 * 1024);
        UniqueFd file = temp_file(content);
        TcpPair pair = tcp_pair();
        auto protocol = std::make_shared<RecordingProtocol>(loop);
        Future<void> made = loop.create_future<void>();
        std::shared_ptr<Transport> transport =
            SocketTransport::make(loop, std::move(pair.client), protocol, made);
        co_await made;
        Task<std::string> got = loop.create_task(receive(loop, pair.server.get(), content.size()));
        const std::size_t sent = co_await sendfile(loop, *transport, file.get());
        EXPECT_EQ(sent, content.size());
        EXPECT_TRUE(transport->is_reading()) << "reading resumes after the native path";
        const std::string received = co_await got;
        EXPECT_TRUE(received == content) << "the bytes differ";
        co_await sock_sendall(loop, pair.server.get(), "thanks");
        co_await testing::eventually([&] { return protocol->received == "thanks"; });
        transport->close();
        co_await protocol->lost;
    });
}

// test_sendfile_fallback (a transport with no socket underneath): the blocks go through write(),
// held back by the buffer's high water mark, and the pipe's reader gets all of them.
TEST_F(SendfileTest, AWritePipeTransportSendsThroughWrite) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        const std::string content = pattern(1024 * 1024);
        UniqueFd file = temp_file(content);
        PipeEnds ends = make_pipe();
        set_non_blocking(ends.read.get(), true);
        auto factory = [&loop] { return std::make_shared<RecordingProtocol>(loop); };
        auto [transport, protocol] =
            co_await connect_write_pipe(loop, factory, std::move(ends.write));
        bool refused = false;
        try {
            co_await sendfile(loop, *transport, file.get(), 0, std::nullopt, /*fallback=*/false);
        } catch (const SendfileNotAvailableError&) {
            refused = true;
        }
        EXPECT_TRUE(refused) << "a pipe transport has no native path";
        Task<std::string> got = loop.create_task(receive_pipe(loop, ends.read.get()));
        const std::size_t sent = co_await sendfile(loop, *transport, file.get());
        EXPECT_EQ(sent, content.size());
        transport->write_eof();
        co_await protocol->lost;
        const std::string received = co_await got;
        EXPECT_TRUE(received == content) << "the bytes differ";
        EXPECT_EQ(position_of(file.get()), static_cast<off_t>(content.size()));
    });
}

}  // namespace
}  // namespace looplab::net
