// tests/http/receive_buffer_test.cpp: the parsers' receive buffer against a plain std::string
// model, through enough appends and consumes to exercise compaction and growth; and a parser
// run long enough to cross those paths many times.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "http/proto/detail/receive_buffer.hpp"
#include "http/proto/request_parser.hpp"

namespace looplab::http {
namespace {

using detail::ReceiveBuffer;

TEST(ReceiveBuffer, MatchesAStringModelThroughCompactionAndGrowth) {
    std::mt19937 rng(7);
    ReceiveBuffer buffer;
    std::string model;
    char next = 'a';
    for (int round = 0; round < 20000; ++round) {
        const std::size_t n = rng() % 3000;
        std::string data(n, '\0');
        for (char& c : data) c = next = static_cast<char>(next == 'z' ? 'a' : next + 1);
        if (rng() % 2 == 0) {
            buffer.append(data);
        } else {
            const std::span<char> space = buffer.prepare(n);
            ASSERT_GE(space.size(), n);
            std::copy(data.begin(), data.end(), space.begin());
            buffer.commit(n);
        }
        model += data;
        const std::size_t consume = model.empty() ? 0 : rng() % (model.size() + 1);
        ASSERT_EQ(buffer.view(), model) << "round " << round;
        buffer.consume(consume);
        model.erase(0, consume);
        ASSERT_EQ(buffer.size(), model.size());
    }
}

TEST(ReceiveBuffer, ConsumedBytesStayReadableUntilTheNextAppend) {
    ReceiveBuffer buffer;
    buffer.append("hello world");
    const std::string_view hello = buffer.view().substr(0, 5);
    buffer.consume(11);  // everything: the buffer resets to its front
    EXPECT_TRUE(buffer.empty());
    EXPECT_EQ(hello, "hello");
}

TEST(ReceiveBuffer, CompactsInPlaceWhenTheFreedSpaceIsLargerThanWhatMoves) {
    ReceiveBuffer buffer;
    buffer.append(std::string(4096, 'x'));  // fills the minimum capacity exactly
    buffer.consume(4000);
    const char* before = buffer.view().data() - 4000;  // start of the storage
    buffer.append(std::string(100, 'y'));  // 96 live bytes move to the front; no allocation
    EXPECT_EQ(buffer.view(), std::string(96, 'x') + std::string(100, 'y'));
    EXPECT_EQ(buffer.view().data(), before);
}

TEST(ReceiveBuffer, ManyPipelinedRequestsFedInOddPiecesAllParse) {
    std::string wire;
    for (int i = 0; i < 500; ++i) {
        const std::string body(static_cast<std::size_t>(i % 37), static_cast<char>('a' + i % 26));
        wire += "POST /" + std::to_string(i) +
                " HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) +
                "\r\n\r\n" + body;
    }
    RequestParser parser;
    std::mt19937 rng(99);
    int requests = 0;
    std::string body;
    std::size_t at = 0;
    while (requests < 500) {
        const RequestEvent event = parser.next_event();
        if (std::holds_alternative<NeedData>(event)) {
            ASSERT_LT(at, wire.size());
            const std::size_t n = 1 + rng() % 5000;
            parser.feed(std::string_view(wire).substr(at, n));
            at += n;
        } else if (const auto* head = std::get_if<RequestHead>(&event)) {
            EXPECT_EQ(head->target, "/" + std::to_string(requests));
            body.clear();
        } else if (const auto* data = std::get_if<Data>(&event)) {
            body += data->bytes;
        } else if (std::holds_alternative<EndOfMessage>(event)) {
            EXPECT_EQ(body, std::string(static_cast<std::size_t>(requests % 37),
                                        static_cast<char>('a' + requests % 26)));
            ++requests;
        } else if (std::holds_alternative<Paused>(event)) {
            parser.start_next_message();
        } else {
            FAIL() << "unexpected event " << event.index();
        }
    }
}

}  // namespace
}  // namespace looplab::http
