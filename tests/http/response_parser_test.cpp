// tests/http/response_parser_test.cpp: the client-side parser on valid responses: framing,
// bodiless responses, informational responses, several responses per connection. Every case
// is run whole, split at every offset and one byte at a time (support/event_log.hpp) and must
// report the same events each way.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "http/proto/response_parser.hpp"
#include "support/event_log.hpp"

namespace looplab::http {
namespace {

using testing::Events;
using testing::response_events;
using testing::ResponseScript;

ResponseScript methods(std::vector<std::string> list, bool eof = false) {
    ResponseScript script;
    script.methods = std::move(list);
    script.eof = eof;
    return script;
}

TEST(ResponseParser, ContentLengthBodyComesAsHeadThenDataThenEnd) {
    EXPECT_EQ(
        response_events("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
        (Events{"response HTTP/1.1 200 OK {Content-Length: 5} keep-alive", "data hello", "end"}));
}

TEST(ResponseParser, HeadersKeepTheirOrderCaseAndDuplicatesWithValuesTrimmed) {
    EXPECT_EQ(response_events("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Thing:\t spaced \t\r\n"
                              "set-cookie: b=2\r\nEmpty:\r\nContent-Length: 0\r\n\r\n"),
              (Events{"response HTTP/1.1 200 OK {Set-Cookie: a=1; X-Thing: spaced; set-cookie: "
                      "b=2; Empty: ; Content-Length: 0} keep-alive",
                      "end"}));
}

TEST(ResponseParser, ReasonPhraseMayBeEmptyMissingOrContainSpaces) {
    EXPECT_EQ(response_events("HTTP/1.1 404 Not Found At All\r\nContent-Length: 0\r\n\r\n")[0],
              "response HTTP/1.1 404 Not Found At All {Content-Length: 0} keep-alive");
    EXPECT_EQ(response_events("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n")[0],
              "response HTTP/1.1 200  {Content-Length: 0} keep-alive");
    EXPECT_EQ(response_events("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n")[0],
              "response HTTP/1.1 200  {Content-Length: 0} keep-alive");
}

TEST(ResponseParser, ChunkedBodyWithExtensionsAndTrailersIsDecoded) {
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5;name=value\r\nhello\r\n"
        "1 ; a ; b=\"quoted \\\" ; string\"\r\n \r\n"
        "6\r\nworld!\r\n"
        "0;last\r\nExpires: never\r\nX-Checksum: 42\r\n\r\n";
    EXPECT_EQ(response_events(wire),
              (Events{"response HTTP/1.1 200 OK {Transfer-Encoding: chunked} keep-alive",
                      "data hello world!", "end {Expires: never; X-Checksum: 42}"}));
}

TEST(ResponseParser, ChunkSizesAreHexCaseInsensitiveWithLeadingZerosAllowed) {
    const std::string body(0x1A, 'x');
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n001a\r\n" + body + "\r\n0000\r\n\r\n";
    EXPECT_EQ(response_events(wire),
              (Events{"response HTTP/1.1 200 OK {Transfer-Encoding: Chunked} keep-alive",
                      "data " + body, "end"}));
}

// RFC 9112 2.2 lets a recipient take a bare LF for the end of a start line or field line,
// and a client is lenient there (http/proto/strictness.hpp); chunk lines get no such leave.
TEST(ResponseParser, BareLfEndsHeadAndTrailerLinesButNotChunkLines) {
    EXPECT_EQ(response_events("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"
                              "3\r\nabc\r\n0\r\nT: 1\n\n"),
              (Events{"response HTTP/1.1 200 OK {Transfer-Encoding: chunked} keep-alive",
                      "data abc", "end {T: 1}"}));
    const Events size_line =
        response_events("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\nabc\r\n0\r\n\r\n");
    EXPECT_EQ(size_line.back(),
              "error 400: chunk size line '3' ends in a bare LF (chunk lines end in CRLF)");
    const Events after_data =
        response_events("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\n0\r\n\r\n");
    EXPECT_EQ(after_data.back(),
              "error 400: chunk data not followed by CRLF (the chunk is longer than its size line "
              "says)");
}

TEST(ResponseParser, AStrictResponseParserRefusesABareLf) {
    ResponseParser parser("GET", {}, Strictness::strict);
    parser.feed("HTTP/1.1 200 OK\nContent-Length: 0\n\n");
    EXPECT_THROW(parser.next_event(), ProtocolError);
}

TEST(ResponseParser, CloseDelimitedBodyEndsCleanlyAtEof) {
    EXPECT_EQ(response_events("HTTP/1.1 200 OK\r\nServer: old\r\n\r\nall of this until close",
                              methods({"GET"}, true)),
              (Events{"response HTTP/1.1 200 OK {Server: old} close",
                      "data all of this until close", "end"}));
}

TEST(ResponseParser, CloseDelimitedBodyIsNotReportedCompleteBeforeEof) {
    EXPECT_EQ(response_events("HTTP/1.1 200 OK\r\n\r\npartial"),
              (Events{"response HTTP/1.1 200 OK {} close", "data partial"}));
}

TEST(ResponseParser, EmptyCloseDelimitedBodyEndsAtEof) {
    EXPECT_EQ(response_events("HTTP/1.0 200 OK\r\n\r\n", methods({"GET"}, true)),
              (Events{"response HTTP/1.0 200 OK {} close", "end"}));
}

TEST(ResponseParser, ResponseToHeadHasNoBodyWhateverItsHeadersSay) {
    EXPECT_EQ(response_events("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", methods({"HEAD"})),
              (Events{"response HTTP/1.1 200 OK {Content-Length: 1000} keep-alive", "end"}));
    EXPECT_EQ(
        response_events("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", methods({"HEAD"})),
        (Events{"response HTTP/1.1 200 OK {Transfer-Encoding: chunked} keep-alive", "end"}));
}

TEST(ResponseParser, NoContentAndNotModifiedHaveNoBody) {
    EXPECT_EQ(response_events("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"),
              (Events{"response HTTP/1.1 204 No Content {Content-Length: 10} keep-alive", "end"}));
    EXPECT_EQ(response_events("HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"),
              (Events{"response HTTP/1.1 304 Not Modified {ETag: \"x\"} keep-alive", "end"}));
}

TEST(ResponseParser, HundredContinueIsReportedThenTheFinalResponseIsParsed) {
    EXPECT_EQ(
        response_events("HTTP/1.1 100 Continue\r\n\r\n"
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"),
        (Events{"informational HTTP/1.1 100 Continue {}",
                "response HTTP/1.1 200 OK {Content-Length: 2} keep-alive", "data ok", "end"}));
}

TEST(ResponseParser, SeveralInformationalResponsesMayPrecedeTheFinalOne) {
    EXPECT_EQ(response_events("HTTP/1.1 100 Continue\r\n\r\n"
                              "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                              "HTTP/1.1 204 No Content\r\n\r\n"),
              (Events{"informational HTTP/1.1 100 Continue {}",
                      "informational HTTP/1.1 103 Early Hints {Link: </s.css>; rel=preload}",
                      "response HTTP/1.1 204 No Content {} keep-alive", "end"}));
}

TEST(ResponseParser, SwitchingProtocolsEndsHttpAndLeavesTheRestUnconsumed) {
    ResponseParser parser;
    parser.feed("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello");
    auto head = parser.next_event();
    ASSERT_TRUE(std::holds_alternative<ResponseHead>(head));
    EXPECT_EQ(std::get<ResponseHead>(head).status, 101);
    EXPECT_FALSE(parser.keep_alive());
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<Paused>(parser.next_event()));
    EXPECT_EQ(parser.unconsumed(), "\x81\x05hello");
    EXPECT_THROW(parser.start_next_message(), std::logic_error);
}

TEST(ResponseParser, SuccessfulConnectOpensATunnel) {
    ResponseParser parser("CONNECT");
    parser.feed("HTTP/1.1 200 Connection Established\r\n\r\ntunnel bytes");
    EXPECT_TRUE(std::holds_alternative<ResponseHead>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<Paused>(parser.next_event()));
    EXPECT_EQ(parser.unconsumed(), "tunnel bytes");
}

TEST(ResponseParser, TwoResponsesOnOneConnectionTheSecondToHead) {
    EXPECT_EQ(
        response_events("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"
                        "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
                        methods({"GET", "HEAD", "GET"})),
        (Events{"response HTTP/1.1 200 OK {Content-Length: 3} keep-alive", "data abc", "end",
                "next", "response HTTP/1.1 200 OK {Content-Length: 99} keep-alive", "end", "next",
                "response HTTP/1.1 200 OK {Transfer-Encoding: chunked} keep-alive", "data z",
                "end"}));
}

TEST(ResponseParser, WaitsPausedAfterEndOfMessageUntilToldWhatComesNext) {
    ResponseParser parser;
    parser.feed("HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n");
    EXPECT_TRUE(std::holds_alternative<ResponseHead>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<Paused>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<Paused>(parser.next_event()));
    EXPECT_EQ(parser.unconsumed(), "HTTP/1.1 204 No Content\r\n\r\n");
    parser.start_next_message("GET");
    EXPECT_TRUE(std::holds_alternative<ResponseHead>(parser.next_event()));
}

TEST(ResponseParser, StartNextMessageIsRefusedMidMessageOrAfterConnectionClose) {
    ResponseParser parser;
    parser.feed("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\n");
    EXPECT_THROW(parser.start_next_message(), std::logic_error);
    EXPECT_TRUE(std::holds_alternative<ResponseHead>(parser.next_event()));
    EXPECT_FALSE(parser.keep_alive());
    parser.feed("x");
    EXPECT_TRUE(std::holds_alternative<Data>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
    EXPECT_THROW(parser.start_next_message(), std::logic_error);
}

TEST(ResponseParser, EofBetweenResponsesIsAConnectionClosedEvent) {
    EXPECT_EQ(response_events("", methods({"GET"}, true)), (Events{"closed"}));
    EXPECT_EQ(response_events("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                              methods({"GET", "GET"}, true)),
              (Events{"response HTTP/1.1 200 OK {Content-Length: 0} keep-alive", "end", "next",
                      "closed"}));
}

TEST(ResponseParser, ObsFoldIsReplacedBySingleSpaceInAResponse) {
    EXPECT_EQ(response_events("HTTP/1.1 200 OK\r\nX-Long: first\r\n   second\r\n\tthird  \r\n"
                              "Content-Length: 0\r\n\r\n"),
              (Events{"response HTTP/1.1 200 OK {X-Long: first second third; Content-Length: 0} "
                      "keep-alive",
                      "end"}));
}

TEST(ResponseParser, EmptyLinesBeforeTheStatusLineAreSkipped) {
    EXPECT_EQ(response_events("\r\n\nHTTP/1.1 204 No Content\r\n\r\n"),
              (Events{"response HTTP/1.1 204 No Content {} keep-alive", "end"}));
}

TEST(ResponseParser, IdenticalContentLengthValuesAreAccepted) {
    EXPECT_EQ(response_events("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n"
                              "\r\nhi"),
              (Events{"response HTTP/1.1 200 OK {Content-Length: 2, 2; Content-Length: 2} "
                      "keep-alive",
                      "data hi", "end"}));
}

TEST(ResponseParser, LaterMinorVersionIsAcceptedAsHttp11) {
    EXPECT_EQ(response_events("HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n")[0],
              "response HTTP/1.2 200 OK {Content-Length: 0} keep-alive");
}

TEST(ResponseParser, DataViewsPointIntoTheParserAndStayValidUntilTheNextCall) {
    ResponseParser parser;
    std::string wire = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabcdef";
    parser.feed(wire);
    wire.assign(wire.size(), '?');  // the parser must have copied what it was fed
    EXPECT_TRUE(std::holds_alternative<ResponseHead>(parser.next_event()));
    auto event = parser.next_event();
    ASSERT_TRUE(std::holds_alternative<Data>(event));
    EXPECT_EQ(std::get<Data>(event).bytes, "abcdef");
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
}

TEST(ResponseParser, LargeBodyArrivesInFewDataEventsNotOnePerFeed) {
    // A body fed in 64 KiB pieces comes out as one Data event per piece: the parser hands out
    // what it has, it does not cut it up.
    const std::size_t size = 1 << 20;
    ResponseParser parser;
    parser.feed("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n");
    EXPECT_TRUE(std::holds_alternative<ResponseHead>(parser.next_event()));
    const std::string piece(64 * 1024, 'b');
    std::size_t received = 0;
    std::size_t data_events = 0;
    while (received < size) {
        parser.feed(piece);
        for (auto e = parser.next_event(); !std::holds_alternative<NeedData>(e);
             e = parser.next_event()) {
            if (auto* data = std::get_if<Data>(&e)) {
                received += data->bytes.size();
                ++data_events;
            } else {
                EXPECT_TRUE(std::holds_alternative<EndOfMessage>(e) ||
                            std::holds_alternative<Paused>(e));
                if (std::holds_alternative<Paused>(e)) break;
            }
        }
    }
    EXPECT_EQ(received, size);
    EXPECT_EQ(data_events, size / piece.size());
}

}  // namespace
}  // namespace looplab::http
