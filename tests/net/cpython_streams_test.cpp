// tests/net/cpython_streams_test.cpp: CPython's Lib/test/test_asyncio/test_streams.py (the
// StreamReader half), ported behaviour by behaviour.
//
// As in the suite, the test plays the protocol: feed_data / feed_eof / set_exception by hand,
// from a callback when the read must be waiting first. No sockets; virtual time. Where asyncio
// raises ValueError for a line over the limit, looplab raises LimitOverrunError
// (stream_reader.hpp says so); readexactly(-1) cannot be written (the count is unsigned).
#include "net/stream/stream_reader.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "net/errors.hpp"
#include "runtime/clock.hpp"
#include "runtime/errors.hpp"
#include "runtime/run.hpp"
#include "runtime/sleep.hpp"
#include "runtime/task.hpp"
#include "runtime/wait.hpp"

namespace looplab::net {
namespace {

const std::string kData = "line1\nline2\nline3\n";

// Runs body(loop) on a fresh loop with a virtual clock.
template <class F>
void run_virtual(F body) {
    ManualClock clock;
    EventLoopOptions options;
    options.clock = &clock;
    looplab::run([](F f) -> Coro<void> { co_await f(get_running_loop()); }(std::move(body)),
                 options);
}

Coro<void> one_iteration() {
    co_await sleep(Duration::zero());
}

std::shared_ptr<StreamReader> reader_on(EventLoop& loop,
                                        std::size_t limit = StreamReader::kDefaultLimit) {
    return std::make_shared<StreamReader>(loop, limit);
}

TEST(CpythonStreams, AReadWaitingForDataGetsWhatTheNextFeedBrings) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        Task<std::string> read_task = loop.create_task(stream->read(30));
        loop.call_soon([stream] { stream->feed_data(kData); });
        const std::string data = co_await read_task;
        EXPECT_EQ(data, kData);
        EXPECT_EQ(stream->buffered(), 0u);
    });
}

TEST(CpythonStreams, AReadOfNTakesAtMostNAndLeavesTheRestBuffered) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        stream->feed_data("line1");
        stream->feed_data("line2");
        const std::string data = co_await stream->read(5);
        EXPECT_EQ(data, "line1");
        const std::string rest = co_await stream->read(100);
        EXPECT_EQ(rest, "line2");
    });
}

TEST(CpythonStreams, AReadWaitingWhenTheStreamEndsGetsNothing) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        Task<std::string> read_task = loop.create_task(stream->read(1024));
        loop.call_soon([stream] { stream->feed_eof(); });
        const std::string data = co_await read_task;
        EXPECT_EQ(data, "");
    });
}

TEST(CpythonStreams, ReadOfMinusOneJoinsEveryChunkUntilTheEnd) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        Task<std::string> read_task = loop.create_task(stream->read(-1));
        loop.call_soon([stream] {
            stream->feed_data("chunk1\n");
            stream->feed_data("chunk2");
            stream->feed_eof();
        });
        const std::string data = co_await read_task;
        EXPECT_EQ(data, "chunk1\nchunk2");
    });
}

TEST(CpythonStreams, AfterSetExceptionEveryReadThrowsIt) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        stream->feed_data("line\n");
        const std::string data = co_await stream->read(2);
        EXPECT_EQ(data, "li");
        stream->set_exception(std::make_exception_ptr(std::invalid_argument("ValueError")));
        EXPECT_THROW(co_await stream->read(2), std::invalid_argument);
        EXPECT_THROW(co_await stream->readline(), std::invalid_argument);
        EXPECT_THROW(co_await stream->readexactly(2), std::invalid_argument);
    });
}

TEST(CpythonStreams, AZeroLimitIsRefusedNamingTheLimit) {
    EventLoop loop;
    try {
        StreamReader bad(loop, 0);
        FAIL() << "accepted limit 0";
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("imit"), std::string::npos);
    }
    loop.close();
}

TEST(CpythonStreams, AReadIsNotBoundByTheLimit) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop, 3);
        stream->feed_data("chunk");
        const std::string data = co_await stream->read(5);
        EXPECT_EQ(data, "chunk");
        EXPECT_EQ(stream->buffered(), 0u);
    });
}

TEST(CpythonStreams, ReadlineWaitsAcrossFeedsAndLeavesWhatFollowsTheNewline) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        stream->feed_data("chunk1 ");
        Task<std::string> read_task = loop.create_task(stream->readline());
        loop.call_soon([stream] {
            stream->feed_data("chunk2 ");
            stream->feed_data("chunk3 ");
            stream->feed_data("\n chunk4");
        });
        const std::string line = co_await read_task;
        EXPECT_EQ(line, "chunk1 chunk2 chunk3 \n");
        const std::string rest = co_await stream->read(100);
        EXPECT_EQ(rest, " chunk4");
    });
}

TEST(CpythonStreams, AnOverlongLineAlreadyBufferedIsDroppedAndTheNextLineStays) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop, 3);
        stream->feed_data("li");
        stream->feed_data("ne1\nline2\n");
        EXPECT_THROW(co_await stream->readline(), LimitOverrunError);
        EXPECT_EQ(stream->buffered(), 6u);  // "line2\n"
        const std::string rest = co_await stream->read(100);
        EXPECT_EQ(rest, "line2\n");
    });
}

TEST(CpythonStreams, AnOverlongLineWithNoNewlineYetEmptiesTheBuffer) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop, 3);
        stream->feed_data("li");
        stream->feed_data("ne1");
        stream->feed_data("li");
        EXPECT_THROW(co_await stream->readline(), LimitOverrunError);
        EXPECT_EQ(stream->buffered(), 0u);
    });
}

TEST(CpythonStreams, AtEofOnlyOnceTheEndWasFedAndEverythingWasRead) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        EXPECT_FALSE(stream->at_eof());
        stream->feed_data("some data\n");
        EXPECT_FALSE(stream->at_eof());
        (void)co_await stream->readline();
        EXPECT_FALSE(stream->at_eof());
        stream->feed_data("some data\n");
        stream->feed_eof();
        (void)co_await stream->readline();
        EXPECT_TRUE(stream->at_eof());
    });
}

TEST(CpythonStreams, AnOverlongLineFedAfterReadlineWaitedIsDroppedThroughItsNewline) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop, 7);
        loop.call_soon([stream] {
            stream->feed_data("chunk1");
            stream->feed_data("chunk2\n");
            stream->feed_data("chunk3\n");
            stream->feed_eof();
        });
        EXPECT_THROW(co_await stream->readline(), LimitOverrunError);
        const std::string rest = co_await stream->read(100);
        EXPECT_EQ(rest, "chunk3\n");
    });
}

TEST(CpythonStreams, TheLimitIsStrictALineOfExactlyTheLimitPassesOneMoreDoesNot) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop, 7);
        stream->feed_data("1234567\n");
        const std::string line = co_await stream->readline();
        EXPECT_EQ(line, "1234567\n");
        stream->feed_data("12345678\n");
        EXPECT_THROW(co_await stream->readline(), LimitOverrunError);
        EXPECT_EQ(stream->buffered(), 0u);
        stream->feed_data("12345678");
        EXPECT_THROW(co_await stream->readline(), LimitOverrunError);
        EXPECT_EQ(stream->buffered(), 0u);
    });
}

TEST(CpythonStreams, ReadlineAtTheEndGivesThePartialLastLineOrNothing) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        stream->feed_data("some data");
        stream->feed_eof();
        const std::string line = co_await stream->readline();
        EXPECT_EQ(line, "some data");
        auto empty = reader_on(loop);
        empty->feed_eof();
        const std::string none = co_await empty->readline();
        EXPECT_EQ(none, "");
    });
}

TEST(CpythonStreams, AReadAfterReadlineCountsBytesFromWhereTheLineEnded) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        stream->feed_data(kData);
        (void)co_await stream->readline();
        const std::string data = co_await stream->read(7);
        EXPECT_EQ(data, "line2\nl");
        EXPECT_EQ(stream->buffered(), 5u);  // "ine3\n"
    });
}

TEST(CpythonStreams, ReaduntilWithAnEmptySeparatorIsRefused) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        EXPECT_THROW(co_await stream->readuntil(""), std::invalid_argument);
    });
}

TEST(CpythonStreams, ReaduntilFindsAMultiByteSeparatorHoweverTheFeedsSplitIt) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        stream->feed_data("QWEaa");
        stream->feed_data("XYaa");
        stream->feed_data("a");
        const std::string first = co_await stream->readuntil("aaa");
        EXPECT_EQ(first, "QWEaaXYaaa");
        stream->feed_data("XXX");
        stream->feed_data("a");
        stream->feed_data("a");
        stream->feed_data("a");
        const std::string second = co_await stream->readuntil("aaa");
        EXPECT_EQ(second, "XXXaaa");
        stream->feed_data("lineAAAxxx");
        const std::string third = co_await stream->readuntil("AAA");
        EXPECT_EQ(third, "lineAAA");
        EXPECT_EQ(stream->buffered(), 3u);  // "xxx"
    });
}

TEST(CpythonStreams, ReaduntilAtTheEndWithoutTheSeparatorGivesEverythingAsPartial) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        stream->feed_data("some dataAA");
        stream->feed_eof();
        try {
            (void)co_await stream->readuntil("AAA");
            ADD_FAILURE() << "no IncompleteReadError";
        } catch (const IncompleteReadError& e) {
            EXPECT_EQ(e.partial(), "some dataAA");
            EXPECT_FALSE(e.expected().has_value());
            EXPECT_NE(std::string(e.what()).find("undefined expected bytes"), std::string::npos);
        }
        EXPECT_EQ(stream->buffered(), 0u);
    });
}

TEST(CpythonStreams, ReaduntilPastTheLimitSaysWhetherItFoundTheSeparatorAndKeepsTheData) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop, 3);
        stream->feed_data("some dataAA");
        try {
            (void)co_await stream->readuntil("AAA");
            ADD_FAILURE() << "no LimitOverrunError";
        } catch (const LimitOverrunError& e) {
            EXPECT_NE(std::string(e.what()).find("not found"), std::string::npos);
        }
        EXPECT_EQ(stream->buffered(), 11u);
        stream->feed_data("A");
        try {
            (void)co_await stream->readuntil("AAA");
            ADD_FAILURE() << "no LimitOverrunError";
        } catch (const LimitOverrunError& e) {
            EXPECT_NE(std::string(e.what()).find("is found"), std::string::npos);
        }
        EXPECT_EQ(stream->buffered(), 12u);
    });
}

TEST(CpythonStreams, ReadexactlyOfZeroGivesNothingAndLeavesTheBufferAlone) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        stream->feed_data(kData);
        const std::string data = co_await stream->readexactly(0);
        EXPECT_EQ(data, "");
        EXPECT_EQ(stream->buffered(), kData.size());
    });
}

TEST(CpythonStreams, ReadexactlyWaitsForEnoughAndLeavesTheRest) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        Task<std::string> read_task = loop.create_task(stream->readexactly(2 * kData.size()));
        loop.call_soon([stream] {
            stream->feed_data(kData);
            stream->feed_data(kData);
            stream->feed_data(kData);
        });
        const std::string data = co_await read_task;
        EXPECT_EQ(data, kData + kData);
        EXPECT_EQ(stream->buffered(), kData.size());
    });
}

TEST(CpythonStreams, ReadexactlyIsNotBoundByTheLimit) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop, 3);
        stream->feed_data("chunk");
        const std::string data = co_await stream->readexactly(5);
        EXPECT_EQ(data, "chunk");
    });
}

TEST(CpythonStreams, ReadexactlyCutShortByTheEndSaysHowManyBytesOfHowMany) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        const std::size_t n = 2 * kData.size();
        Task<std::string> read_task = loop.create_task(stream->readexactly(n));
        loop.call_soon([stream] {
            stream->feed_data(kData);
            stream->feed_eof();
        });
        try {
            (void)co_await read_task;
            ADD_FAILURE() << "no IncompleteReadError";
        } catch (const IncompleteReadError& e) {
            EXPECT_EQ(e.partial(), kData);
            EXPECT_EQ(e.expected(), n);
            EXPECT_NE(std::string(e.what()).find("18 bytes read on a total of 36 expected bytes"),
                      std::string::npos);
        }
        EXPECT_EQ(stream->buffered(), 0u);
    });
}

TEST(CpythonStreams, ExceptionIsNullUntilSetAndThenTheOneSet) {
    EventLoop loop;
    StreamReader stream(loop);
    EXPECT_EQ(stream.exception(), nullptr);
    const std::exception_ptr error = std::make_exception_ptr(std::runtime_error("x"));
    stream.set_exception(error);
    EXPECT_EQ(stream.exception(), error);
    loop.close();
}

TEST(CpythonStreams, AReadlineWaitingWhenAnExceptionIsSetFailsWithIt) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        Task<std::string> t1 = loop.create_task(stream->readline());
        auto set_err = [stream]() -> Coro<void> {
            stream->set_exception(std::make_exception_ptr(std::invalid_argument("ValueError")));
            co_return;
        };
        Task<void> t2 = loop.create_task(set_err());
        std::vector<Task<std::string>> both{t1};
        co_await wait(std::move(both));
        co_await t2;
        EXPECT_THROW(t1.result(), std::invalid_argument);
    });
}

TEST(CpythonStreams, SetExceptionAfterTheWaitingReadWasCancelledIsHarmless) {
    run_virtual([](EventLoop& loop) -> Coro<void> {
        auto stream = reader_on(loop);
        Task<std::string> t = loop.create_task(stream->readline());
        co_await one_iteration();
        t.cancel();
        co_await one_iteration();
        stream->set_exception(std::make_exception_ptr(std::runtime_error("message")));
        co_await one_iteration();
        EXPECT_TRUE(t.cancelled());
        // The wait slot is free again: a new read starts (and fails with the exception).
        EXPECT_THROW(co_await stream->readline(), std::runtime_error);
    });
}

}  // namespace
}  // namespace looplab::net
