// tests/http/response_errors_test.cpp: every way a response can break RFC 9112 that the parser
// must refuse, each checked whole, split at every offset and one byte at a time: the parser
// must throw a ProtocolError whose message names the problem, and must never have reported the
// message as complete first.
#include <gtest/gtest.h>

#include <string>

#include "http/proto/response_parser.hpp"
#include "support/event_log.hpp"

namespace looplab::http {
namespace {

using testing::Events;
using testing::final_error;
using testing::mentions;
using testing::never_ended;
using testing::response_events;
using testing::ResponseScript;

// The error the response parser reports for `wire` (identical for every split), after checking
// that the message was never reported complete.
std::string response_error(std::string_view wire, ResponseScript script = {}) {
    const Events events = response_events(wire, script);
    EXPECT_TRUE(never_ended(events)) << ::testing::PrintToString(events);
    EXPECT_NE(final_error(events), "") << "no error in " << ::testing::PrintToString(events);
    return final_error(events);
}

ResponseScript with_eof() {
    ResponseScript script;
    script.eof = true;
    return script;
}

TEST(ResponseErrors, ContentLengthBodyCutShortByEofSaysHowMuchArrived) {
    EXPECT_EQ(response_error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", with_eof()),
              "error 400: connection closed before the body was complete (got 3 of 10 bytes)");
}

TEST(ResponseErrors, ChunkedBodyCutShortByEofIsAnError) {
    for (const char* cut : {"", "5\r\nhel", "5\r\nhello", "5\r\nhello\r\n", "5\r\nhello\r\n0\r\n",
                            "5\r\nhello\r\n0\r\nTrailer: x\r\n", "5;ext"}) {
        const std::string wire =
            std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") + cut;
        EXPECT_TRUE(mentions(response_error(wire, with_eof()),
                             "connection closed before the body was complete"))
            << cut;
    }
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "5\r\nhello\r\n3\r\nab",
                                        with_eof()),
                         "got 7 bytes of a chunked body"));
}

TEST(ResponseErrors, EofInTheMiddleOfTheHeadIsAnError) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nContent-Le", with_eof()),
                         "connection closed in the middle of the response head"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 2", with_eof()),
                         "connection closed in the middle of the response head"));
}

TEST(ResponseErrors, EofAfterAnInformationalResponseIsAnErrorNotACleanClose) {
    const Events events = response_events("HTTP/1.1 100 Continue\r\n\r\n", with_eof());
    EXPECT_EQ(events, (Events{"informational HTTP/1.1 100 Continue {}",
                              "error 400: connection closed after an informational (1xx) "
                              "response, before the final one"}));
}

TEST(ResponseErrors, ConflictingContentLengthsAreRejected) {
    EXPECT_TRUE(mentions(
        response_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
        "conflicting Content-Length values (5 and 6)"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\n"),
                         "conflicting Content-Length"));
}

TEST(ResponseErrors, ContentLengthMustBeDecimalDigits) {
    for (const char* value : {"-1", "+5", "0x10", "5 5", "1e3", "abc", "5;", ","}) {
        EXPECT_TRUE(mentions(
            response_error(std::string("HTTP/1.1 200 OK\r\nContent-Length: ") + value + "\r\n\r\n"),
            "invalid Content-Length"))
            << value;
    }
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
                         "invalid Content-Length '' (empty)"));
}

TEST(ResponseErrors, ContentLengthThatOverflowsSixtyFourBitsIsRejected) {
    EXPECT_TRUE(
        mentions(response_error("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n"),
                 "too large (overflows 64 bits)"));
}

TEST(ResponseErrors, TransferEncodingWithContentLengthIsRejectedForResponsesToo) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\nhello"),
                         "both Transfer-Encoding and Content-Length in a response"));
}

TEST(ResponseErrors, UnknownTransferCodingIsRejected) {
    // gzip, deflate and br before chunked are the client's to decode (http/codings/); zstd
    // nobody here decodes.
    const std::string error =
        response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: zstd, chunked\r\n\r\n");
    EXPECT_TRUE(mentions(error, "unsupported transfer-coding 'zstd'"));
    EXPECT_TRUE(mentions(error, "error 501"));
}

TEST(ResponseErrors, ChunkedThatIsNotTheLastCodingIsRejected) {
    EXPECT_TRUE(
        mentions(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"),
                 "chunked must be the final transfer-coding"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                        "Transfer-Encoding: chunked\r\n\r\n"),
                         "chunked applied more than once"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n"),
                         "chunked must be the final transfer-coding"));
}

TEST(ResponseErrors, TransferEncodingInHttp10IsRejected) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
                         "Transfer-Encoding in an HTTP/1.0 response"));
}

TEST(ResponseErrors, InvalidChunkSizesAreRejected) {
    for (const char* line : {"g", "-1", "0x5", " 5", ";ext", "", "5 5", "+5"}) {
        const std::string wire =
            std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n") + line + "\r\n";
        EXPECT_TRUE(mentions(response_error(wire), "chunk size")) << line;
    }
}

TEST(ResponseErrors, ChunkSizeThatOverflowsSixtyFourBitsIsRejected) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "10000000000000000\r\n"),
                         "is too large (overflows 64 bits)"));
}

TEST(ResponseErrors, MalformedChunkExtensionsAreRejected) {
    for (const char* ext :
         {";", "; =v", ";a=", ";a=\"unterminated", ";a=b c", ";a@b", ";a=\"x\"y"}) {
        const std::string wire = std::string(
                                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     "1") +
                                 ext + "\r\nx\r\n0\r\n\r\n";
        EXPECT_TRUE(mentions(response_error(wire), "invalid chunk extension")) << ext;
    }
}

TEST(ResponseErrors, ChunkLongerThanItsSizeIsRejected) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "3\r\nabcdef\r\n0\r\n\r\n"),
                         "chunk data not followed by CRLF"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                                        "3\r\nabc\rX0\r\n\r\n"),
                         "chunk data not followed by CRLF"));
}

TEST(ResponseErrors, NulOrBareCrInTheHeadIsRejected) {
    EXPECT_TRUE(mentions(response_error(std::string("HTTP/1.1 200 OK\r\nX: a\0b\r\n\r\n", 26)),
                         "NUL byte in response head"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n"),
                         "bare CR (not followed by LF) in response head"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200\rOK\r\n\r\n"), "bare CR"));
}

TEST(ResponseErrors, MalformedStatusLinesAreRejected) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1\r\n\r\n"), "malformed status line"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 20 OK\r\n\r\n"), "invalid status code"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 2000 OK\r\n\r\n"), "invalid status code"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1  200 OK\r\n\r\n"), "invalid status code"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 abc OK\r\n\r\n"), "invalid status code"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 099 Low\r\n\r\n"), "out of range"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 O\x01K\r\n\r\n"), "in reason phrase"));
}

TEST(ResponseErrors, VersionMustBeHttp1x) {
    EXPECT_TRUE(mentions(response_error("http/1.1 200 OK\r\n\r\n"), "invalid HTTP version"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.10 200 OK\r\n\r\n"), "invalid HTTP version"));
    EXPECT_TRUE(mentions(response_error("ICY 200 OK\r\n\r\n"), "invalid HTTP version 'ICY'"));
    EXPECT_TRUE(
        mentions(response_error("HTTP/2.0 200 OK\r\n\r\n"), "unsupported HTTP version 'HTTP/2.0'"));
}

TEST(ResponseErrors, InvalidHeaderFieldNamesAreRejected) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n"),
                         "invalid header field name 'Bad Name'"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nBad(): x\r\n\r\n"),
                         "invalid header field name"));
    EXPECT_TRUE(
        mentions(response_error("HTTP/1.1 200 OK\r\n: x\r\n\r\n"), "empty header field name"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nNoColon\r\n\r\n"),
                         "header line without a colon"));
}

TEST(ResponseErrors, WhitespaceBeforeTheColonIsRejected) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello"),
                         "whitespace between header field name 'Content-Length' and the colon"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nX\t: 5\r\n\r\n"),
                         "whitespace between header field name"));
}

TEST(ResponseErrors, WhitespaceLineBeforeTheFirstHeaderIsRejected) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\n Folded: x\r\n\r\n"),
                         "line starting with whitespace before the first header field"));
}

TEST(ResponseErrors, ControlBytesInAHeaderValueAreRejected) {
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nX: a\x01z\r\n\r\n"),
                         "invalid byte 0x01 in value of header 'X'"));
    EXPECT_TRUE(mentions(response_error("HTTP/1.1 200 OK\r\nX: a\r\n b\x7f\r\n\r\n"),
                         "invalid byte 0x7f in value of header 'X'"));
}

TEST(ResponseErrors, TheErrorIsStickyAndLaterCallsThrowItAgain) {
    ResponseParser parser;
    parser.feed("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n");
    std::string first;
    try {
        parser.next_event();
        FAIL() << "expected a ProtocolError";
    } catch (const ProtocolError& error) {
        first = error.what();
    }
    EXPECT_FALSE(parser.keep_alive());
    parser.feed("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    try {
        parser.next_event();
        FAIL() << "expected the same ProtocolError again";
    } catch (const ProtocolError& error) {
        EXPECT_EQ(error.what(), first);
    }
}

TEST(ResponseErrors, FeedAfterEofIsAProgrammingError) {
    ResponseParser parser;
    parser.feed_eof();
    EXPECT_THROW(parser.feed("x"), std::logic_error);
    EXPECT_THROW(parser.prepare(10), std::logic_error);
}

}  // namespace
}  // namespace looplab::http
