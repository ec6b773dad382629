// tests/net/stream_reader_test.cpp: StreamReader's read algorithms and backpressure, fed by hand.
//
// No sockets: the test plays the protocol (feed_data / feed_eof / set_exception) and a fake
// transport records pause_reading / resume_reading. Nothing here depends on time, so the loop
// runs on a virtual clock.
#include "net/stream/stream_reader.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "net/errors.hpp"
#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "support/fd_leak_check.hpp"
#include "support/net_test_loop.hpp"

namespace looplab::net {
namespace {

// Runs make_main(loop) on a fresh loop with a virtual clock.
template <class F>
void run_virtual(F make_main) {
    ManualClock clock;
    EventLoopOptions options;
    options.clock = &clock;
    looplab::run([](F f) -> Coro<void> { co_await f(get_running_loop()); }(std::move(make_main)),
                 options);
}

// Lets the other ready tasks run one step.
Coro<void> yield() {
    co_await sleep(Duration::zero());
}

class StreamReaderTest : public testing::NoFdLeaks {};

// A transport that only records whether reading is paused.
class FakeTransport final : public Transport {
public:
    int pauses = 0;
    int resumes = 0;
    bool reading = true;
    void close() override {}
    bool is_closing() const override { return false; }
    std::any get_extra_info(std::string_view) const override { return {}; }
    bool is_reading() const override { return reading; }
    void pause_reading() override {
        reading = false;
        ++pauses;
    }
    void resume_reading() override {
        reading = true;
        ++resumes;
    }
    void write(std::string_view) override {}
    void write_eof() override {}
    bool can_write_eof() const override { return true; }
    void abort() override {}
    std::size_t get_write_buffer_size() const override { return 0; }
    void set_write_buffer_limits(std::optional<std::size_t>, std::optional<std::size_t>) override {}
    std::pair<std::size_t, std::size_t> get_write_buffer_limits() const override { return {}; }
};

TEST_F(StreamReaderTest, ReadReturnsWhatIsBufferedAndEmptyAtEndOfStream) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop);
        reader->feed_data("abc");
        EXPECT_EQ(co_await reader->read(2), "ab");
        EXPECT_EQ(co_await reader->read(10), "c");
        EXPECT_FALSE(reader->at_eof());
        reader->feed_eof();
        EXPECT_TRUE(reader->at_eof());
        EXPECT_EQ(co_await reader->read(10), "");
        EXPECT_EQ(co_await reader->read(0), "");
    });
}

TEST_F(StreamReaderTest, AReadWaitsUntilTheProtocolFeedsData) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop);
        Task<std::string> read = loop.create_task(reader->read(100));
        co_await yield();
        EXPECT_FALSE(read.done());
        reader->feed_data("x");
        reader->feed_data("y");  // before the reader runs: both are there when it does
        EXPECT_EQ(co_await read, "xy");
    });
}

TEST_F(StreamReaderTest, ReadWithoutALimitReadsToEndOfStream) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop, 4);
        Task<std::string> all = loop.create_task(reader->read());
        for (const char* piece : {"one ", "two ", "three"}) {
            reader->feed_data(piece);
            co_await yield();
        }
        EXPECT_FALSE(all.done());
        reader->feed_eof();
        EXPECT_EQ(co_await all, "one two three");
    });
}

TEST_F(StreamReaderTest, ReadlineReturnsLinesThenThePartialLastLine) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop);
        reader->feed_data("first\nsec");
        reader->feed_data("ond\nlast");
        reader->feed_eof();
        EXPECT_EQ(co_await reader->readline(), "first\n");
        EXPECT_EQ(co_await reader->readline(), "second\n");
        EXPECT_EQ(co_await reader->readline(), "last");
        EXPECT_EQ(co_await reader->readline(), "");
    });
}

TEST_F(StreamReaderTest, ReadexactlyThrowsIncompleteReadErrorCarryingThePartialData) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop);
        reader->feed_data("0123456789ab");
        EXPECT_EQ(co_await reader->readexactly(10), "0123456789");
        reader->feed_eof();
        try {
            (void)co_await reader->readexactly(5);
            ADD_FAILURE() << "readexactly returned with 2 of 5 bytes";
        } catch (const IncompleteReadError& e) {
            EXPECT_EQ(e.partial(), "ab");
            EXPECT_EQ(e.expected(), 5u);
        }
        EXPECT_TRUE(reader->at_eof()) << "the partial data was taken out of the buffer";
    });
}

TEST_F(StreamReaderTest, ReaduntilFindsASeparatorSplitAcrossTwoFeeds) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop);
        Task<std::string> line = loop.create_task(reader->readuntil("\r\n"));
        reader->feed_data("GET / HTTP/1.1\r");
        co_await yield();
        EXPECT_FALSE(line.done());
        reader->feed_data("\nHost: x\r\n");
        EXPECT_EQ(co_await line, "GET / HTTP/1.1\r\n");
        EXPECT_EQ(co_await reader->readuntil("\r\n"), "Host: x\r\n");
        reader->feed_eof();
        try {
            (void)co_await reader->readuntil("\r\n");
            ADD_FAILURE();
        } catch (const IncompleteReadError& e) {
            EXPECT_EQ(e.partial(), "");
            EXPECT_EQ(e.expected(), std::nullopt);
        }
        EXPECT_THROW((void)co_await reader->readuntil(""), std::invalid_argument);
    });
}

TEST_F(StreamReaderTest, ReaduntilGivesUpPastTheLimitAndLeavesTheDataBuffered) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop, /*limit=*/16);
        reader->feed_data(std::string(20, 'a'));
        try {
            (void)co_await reader->readuntil("\n");
            ADD_FAILURE() << "no separator within the limit, yet readuntil returned";
        } catch (const LimitOverrunError& e) {
            EXPECT_GT(e.consumed(), 16u);
        }
        EXPECT_EQ(reader->buffered(), 20u);

        reader->feed_data("\n");  // found now, but 20 bytes in: still beyond the limit
        try {
            (void)co_await reader->readuntil("\n");
            ADD_FAILURE();
        } catch (const LimitOverrunError& e) {
            EXPECT_EQ(e.consumed(), 20u);
        }
        EXPECT_EQ(co_await reader->readexactly(21), std::string(20, 'a') + "\n");
    });
}

TEST_F(StreamReaderTest, ReadlineDropsAnOverlongLineAndGoesOnWithTheNext) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop, /*limit=*/8);
        reader->feed_data("this line is too long\nshort\n");
        EXPECT_THROW((void)co_await reader->readline(), LimitOverrunError);
        EXPECT_EQ(co_await reader->readline(), "short\n");
    });
}

TEST_F(StreamReaderTest, TheProtocolsExceptionIsThrownByTheWaitingReadAndEveryLaterOne) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop);
        Task<std::string> read = loop.create_task(reader->readline());
        co_await yield();
        reader->set_exception(std::make_exception_ptr(ConnectionResetError("recv", "127.0.0.1:1")));
        EXPECT_THROW((void)co_await read, ConnectionResetError);
        EXPECT_THROW((void)co_await reader->read(1), ConnectionResetError);
        EXPECT_NE(reader->exception(), nullptr);
    });
}

TEST_F(StreamReaderTest, OnlyOneCoroutineMayWaitAtATimeAndCancellingFreesTheSlot) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto reader = std::make_shared<StreamReader>(loop);
        Task<std::string> first = loop.create_task(reader->read(1));
        co_await yield();
        EXPECT_THROW((void)co_await reader->read(1), InvalidStateError);
        first.cancel();
        EXPECT_THROW((void)co_await first, CancelledError);
        Task<std::string> second = loop.create_task(reader->read(1));
        co_await yield();
        reader->feed_data("z");
        EXPECT_EQ(co_await second, "z");
    });
}

TEST_F(StreamReaderTest, TheTransportIsPausedAboveTwiceTheLimitAndResumedAtTheLimit) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto transport = std::make_shared<FakeTransport>();
        auto reader = std::make_shared<StreamReader>(loop, /*limit=*/100);
        reader->set_transport(transport);
        reader->feed_data(std::string(200, 'x'));
        EXPECT_EQ(transport->pauses, 0) << "exactly 2 * limit is still fine";
        reader->feed_data("y");
        EXPECT_EQ(transport->pauses, 1);
        EXPECT_FALSE(transport->reading);
        reader->feed_data(std::string(50, 'z'));
        EXPECT_EQ(transport->pauses, 1) << "paused once, not again";

        (void)co_await reader->read(100);  // 151 left: above the limit
        EXPECT_EQ(transport->resumes, 0);
        (void)co_await reader->read(51);  // 100 left: at the limit
        EXPECT_EQ(transport->resumes, 1);
        EXPECT_TRUE(transport->reading);
    });
}

}  // namespace
}  // namespace looplab::net
