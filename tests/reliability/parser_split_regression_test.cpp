// tests/reliability/parser_split_regression_test.cpp: inputs tests/fuzz/ found, kept as tests.
//
// h11 and llhttp keep their fuzzers' findings the same way: each input that broke an
// invariant becomes a test that names the invariant.
//
// Finding 1 (request_parser_fuzz, response_parser_fuzz, chunked_decoder_fuzz): a line that
// passes both the line limit and the head limit was reported as "head too large" (431) when it
// arrived whole, and as "line too long" (414 for a request line) when it arrived a byte at a
// time: the error depended on how the bytes were split. The head reader now reports whichever
// limit a byte-at-a-time reader meets first (http/proto/head_reader.cpp, check_line_so_far).
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "http/proto/chunked_decoder.hpp"
#include "http/proto/request_parser.hpp"
#include "http/proto/response_parser.hpp"

namespace looplab::http {
namespace {

ParserLimits tiny_limits() {
    ParserLimits limits;
    limits.max_line_size = 40;
    limits.max_head_size = 120;
    limits.max_header_count = 4;
    return limits;
}

// Feeds `wire` in pieces of `piece` bytes and returns the error the parser throws ("status
// message"), or "none".
template <class Parser>
std::string first_error(Parser parser, std::string_view wire, std::size_t piece) {
    try {
        for (std::size_t at = 0; at < wire.size(); at += piece) {
            parser.feed(wire.substr(at, piece));
            for (;;) {
                auto event = parser.next_event();
                if (event.index() == 0) break;  // NeedData
            }
        }
    } catch (const ProtocolError& e) {
        return std::to_string(e.status()) + " " + e.what();
    }
    return "none";
}

TEST(ParserSplitRegression, ARequestLineOverBothLimitsGivesTheSameErrorWholeOrByteByByte) {
    const std::string wire = "POST /" + std::string(200, 'a') + " HTTP/1.1\r\n\r\n";
    const std::string whole = first_error(RequestParser(tiny_limits()), wire, wire.size());
    EXPECT_EQ(whole, first_error(RequestParser(tiny_limits()), wire, 1));
    EXPECT_EQ(whole, first_error(RequestParser(tiny_limits()), wire, 7));
    // The line limit (40) is passed before the head limit (120): 414.
    EXPECT_TRUE(whole.starts_with("414 request line too long")) << whole;
}

TEST(ParserSplitRegression, AStatusLineOverBothLimitsGivesTheSameErrorWholeOrByteByByte) {
    const std::string wire = "HTTP/1.1 200 " + std::string(200, 'r') + "\r\n\r\n";
    const std::string whole = first_error(ResponseParser("GET", tiny_limits()), wire, wire.size());
    EXPECT_EQ(whole, first_error(ResponseParser("GET", tiny_limits()), wire, 1));
    EXPECT_TRUE(whole.starts_with("400 status line too long")) << whole;
}

TEST(ParserSplitRegression, AFieldLineNearTheHeadLimitReportsTheLimitMetFirst) {
    // 100 bytes of head in lines within the line limit, then a 60-byte line: the head limit
    // (120) is passed at its 21st byte, before the line limit (40) at its 42nd, so the head is
    // reported, however the bytes are split.
    std::string wire = "GET / HTTP/1.1\r\nHost: x\r\n";  // 25 bytes
    wire += "A: " + std::string(33, 'a') + "\r\n";       // 38
    wire += "B: " + std::string(32, 'b') + "\r\n";       // 37
    ASSERT_EQ(wire.size(), 100u);
    wire += "C: " + std::string(60, 'c') + "\r\n\r\n";
    const std::string whole = first_error(RequestParser(tiny_limits()), wire, wire.size());
    EXPECT_EQ(whole, first_error(RequestParser(tiny_limits()), wire, 1));
    EXPECT_EQ(whole, first_error(RequestParser(tiny_limits()), wire, 13));
    EXPECT_TRUE(whole.starts_with("431 request head too large")) << whole;
}

TEST(ParserSplitRegression, AnOverlongTrailerLineGivesTheSameErrorWholeOrByteByByte) {
    ParserLimits limits;
    limits.max_line_size = 16;
    limits.max_head_size = 64;
    const std::string wire = "0\r\nX-Trailer: " + std::string(100, 'v') + "\r\n\r\n";
    auto decode = [&](std::size_t piece) -> std::string {
        ChunkedDecoder decoder(MessageKind::response, limits);
        std::string pending;
        try {
            for (std::size_t at = 0; at < wire.size(); at += piece) {
                pending += wire.substr(at, piece);
                pending.erase(0, decoder.decode(pending).consumed);
            }
        } catch (const ProtocolError& e) {
            return std::to_string(e.status()) + " " + e.what();
        }
        return "none";
    };
    const std::string whole = decode(wire.size());
    EXPECT_EQ(whole, decode(1));
    EXPECT_TRUE(whole.starts_with("431 header line too long in trailer section")) << whole;
}

}  // namespace
}  // namespace looplab::http
