// tests/net/pipe_transport_test.cpp: connect_read_pipe / connect_write_pipe, ReadPipeTransport
// and WritePipeTransport.
//
// asyncio: test_unix_events.py's UnixReadPipeTransportTests and UnixWritePipeTransportTests,
// ported behaviour by behaviour on real pipes instead of mocked os.read / os.write: data, end
// of file (eof_received then connection_lost), pause_reading / resume_reading, close; write at
// once or buffered, flow control, write_eof, abort, a reader that went away (with and without
// data buffered), and a broken pipe that must not raise SIGPIPE. Deliberate differences are
// written in net/transport/read_pipe_transport.hpp and write_pipe_transport.hpp.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "net/errors.hpp"
#include "net/pipe_ops.hpp"
#include "net/socket_ops.hpp"
#include "net/transport/connect_pipe.hpp"
#include "runtime/errors.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/default_sigpipe.hpp"
#include "support/fd_leak_check.hpp"
#include "support/net_test_loop.hpp"
#include "support/recording_protocol.hpp"

namespace looplab::net {
namespace {

using namespace std::chrono_literals;
using testing::eventually;
using testing::RecordingProtocol;
using testing::run_net_test;

class PipeTransportTest : public testing::NoFdLeaks {};

auto recorder(EventLoop& loop) {
    return [&loop] { return std::make_shared<RecordingProtocol>(loop); };
}

// Writes all of data to a blocking fd (the test's own end of the pipe).
void write_all(int fd, const std::string& data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n <= 0) throw std::runtime_error("write_all failed");
        done += static_cast<std::size_t>(n);
    }
}

// UnixReadPipeTransportTests: test_ctor, test__read_ready, test__read_ready_eof.
TEST_F(PipeTransportTest, AReadPipeDeliversDataThenEndOfFile) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_read_pipe(loop, factory, std::move(ends.read));
        EXPECT_TRUE(transport->is_reading());
        EXPECT_TRUE(transport->get_extra_info("pipe").has_value());
        write_all(ends.write.get(), "data");
        // clang 14 cannot capture a structured binding; an init-capture names it.
        co_await eventually([&p = protocol] { return p->received == "data"; });
        ends.write.reset();  // every writer gone: end of file
        co_await protocol->lost;
        EXPECT_EQ(protocol->events, (std::vector<std::string>{"made", "data", "eof", "lost"}));
        EXPECT_EQ(protocol->error, nullptr);
        EXPECT_TRUE(transport->is_closing());
    });
}

// test_pause_reading / test_resume_reading
TEST_F(PipeTransportTest, APausedReadPipeHoldsItsDataUntilResumed) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_read_pipe(loop, factory, std::move(ends.read));
        transport->pause_reading();
        EXPECT_FALSE(transport->is_reading());
        write_all(ends.write.get(), "held");
        co_await sleep(20ms);
        EXPECT_EQ(protocol->received, "") << "nothing is read while paused";
        transport->resume_reading();
        co_await eventually([&p = protocol] { return p->received == "held"; });
        transport->close();
        co_await protocol->lost;
        EXPECT_EQ(protocol->lost_count, 1);
    });
}

// test_close / test_close_already_closing: once, and the writer then sees a broken pipe.
TEST_F(PipeTransportTest, ClosingAReadPipeIsOnceAndClosesTheDescriptor) {
    testing::DefaultSigpipe sigpipe;  // a write below must not kill the test binary
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_read_pipe(loop, factory, std::move(ends.read));
        transport->close();
        transport->close();
        co_await protocol->lost;
        EXPECT_EQ(protocol->lost_count, 1);
        EXPECT_LT(write_nosignal(ends.write.get(), "x", 1), 0);
        EXPECT_EQ(errno, EPIPE) << "the read end is closed";
    });
}

TEST_F(PipeTransportTest, AReadPipeRefusesToBeWrittenAndARegularFile) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_read_pipe(loop, factory, std::move(ends.read));
        EXPECT_THROW(transport->write("no"), std::logic_error);
        EXPECT_THROW(transport->write_eof(), std::logic_error);
        EXPECT_FALSE(transport->can_write_eof());
        transport->close();
        co_await protocol->lost;
        UniqueFd file(::open("/proc/self/stat", O_RDONLY | O_CLOEXEC));
        bool refused = false;
        try {
            co_await connect_read_pipe(loop, factory, std::move(file));
        } catch (const std::invalid_argument&) {
            refused = true;
        }
        EXPECT_TRUE(refused) << "a regular file is always readable: it would spin the loop";
    });
}

// UnixWritePipeTransportTests: test_write, test_write_no_data, test_write_eof.
TEST_F(PipeTransportTest, AWritePipeWritesThenEndsWithWriteEof) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_write_pipe(loop, factory, std::move(ends.write));
        EXPECT_FALSE(transport->is_reading());
        EXPECT_TRUE(transport->can_write_eof());
        transport->write("");
        transport->write("data");
        EXPECT_EQ(transport->get_write_buffer_size(), 0u) << "a pipe with room takes it at once";
        transport->write_eof();
        EXPECT_TRUE(transport->is_closing());
        co_await protocol->lost;
        char buffer[16];
        EXPECT_EQ(::read(ends.read.get(), buffer, sizeof buffer), 4);
        EXPECT_EQ(::read(ends.read.get(), buffer, sizeof buffer), 0) << "then end of file";
        EXPECT_THROW(transport->write("late"), TransportClosedError);
    });
}

// test_write_partial / test__write_ready / test_pause_resume_writing: more than the pipe holds
// is buffered, pause_writing past the high mark, resume once drained, everything in order.
TEST_F(PipeTransportTest, AFullPipeBuffersWithFlowControlAndLosesNothing) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_write_pipe(loop, factory, std::move(ends.write));
        std::string sent;
        for (int i = 0; i < 64; ++i) sent += std::string(4096, static_cast<char>('a' + i % 26));
        transport->write(sent);  // 256 KiB: a pipe holds 64 KiB
        EXPECT_GT(transport->get_write_buffer_size(), 0u);
        EXPECT_EQ(protocol->pause_count, 1);
        std::string got;
        set_non_blocking(ends.read.get(), true);
        while (got.size() < sent.size()) {
            char buffer[65536];
            const ssize_t n = ::read(ends.read.get(), buffer, sizeof buffer);
            if (n > 0) got.append(buffer, static_cast<std::size_t>(n));
            co_await sleep(1ms);
        }
        EXPECT_EQ(got, sent);
        EXPECT_EQ(protocol->resume_count, 1);
        EXPECT_EQ(transport->get_write_buffer_size(), 0u);
        transport->close();
        co_await protocol->lost;
    });
}

// test__read_ready (the reader trick): the other end closed with nothing buffered is a normal
// end, noticed without a write.
TEST_F(PipeTransportTest, AWritePipeNoticesItsReaderWentAway) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_write_pipe(loop, factory, std::move(ends.write));
        ends.read.reset();
        co_await protocol->lost;
        EXPECT_EQ(protocol->error, nullptr);
    });
}

// The brief: a broken pipe. Data still buffered when the reader goes is lost, and says so.
TEST_F(PipeTransportTest, AReaderGoneWithDataBufferedIsABrokenPipe) {
    testing::DefaultSigpipe sigpipe;
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_write_pipe(loop, factory, std::move(ends.write));
        transport->write(std::string(256 * 1024, 'x'));
        CO_ASSERT_TRUE(transport->get_write_buffer_size() > 0);
        ends.read.reset();
        co_await protocol->lost;
        EXPECT_TRUE(holds<BrokenPipeError>(protocol->error)) << describe(protocol->error);
        EXPECT_EQ(transport->get_write_buffer_size(), 0u) << "the buffer is dropped";
    });
}

// test_write_err / the SIGPIPE rule: a write to a pipe with no reader fails with EPIPE, goes to
// connection_lost, and leaves no SIGPIPE behind (DefaultSigpipe would have killed us).
TEST_F(PipeTransportTest, WritingIntoAPipeWithNoReaderRaisesNoSigpipe) {
    testing::DefaultSigpipe sigpipe;
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_write_pipe(loop, factory, std::move(ends.write));
        ends.read.reset();
        transport->write("into the void");  // before the loop has noticed the reader is gone
        co_await protocol->lost;
        sigset_t pending;
        sigpending(&pending);
        EXPECT_FALSE(sigismember(&pending, SIGPIPE)) << "the SIGPIPE was taken back";
        EXPECT_TRUE(protocol->error == nullptr || holds<BrokenPipeError>(protocol->error));
    });
}

TEST_F(PipeTransportTest, WriteNosignalReportsEpipeWithoutASignal) {
    testing::DefaultSigpipe sigpipe;
    PipeEnds ends = make_pipe();
    ends.read.reset();
    EXPECT_EQ(write_nosignal(ends.write.get(), "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
    sigset_t pending;
    sigpending(&pending);
    EXPECT_FALSE(sigismember(&pending, SIGPIPE));
}

// test_abort: the buffer is dropped, connection_lost(null) follows.
TEST_F(PipeTransportTest, AbortDropsTheBuffer) {
    run_net_test([](EventLoop& loop) -> Coro<void> {
        PipeEnds ends = make_pipe();
        const auto factory = recorder(loop);
        auto [transport, protocol] =
            co_await connect_write_pipe(loop, factory, std::move(ends.write));
        transport->write(std::string(256 * 1024, 'x'));
        transport->abort();
        EXPECT_EQ(transport->get_write_buffer_size(), 0u);
        co_await protocol->lost;
        EXPECT_EQ(protocol->error, nullptr);
        EXPECT_EQ(protocol->lost_count, 1);
    });
}

}  // namespace
}  // namespace looplab::net
