// tests/http/request_parser_test.cpp: the server-side parser: requests with and without
// bodies, pipelining, and the request-only rules (obs-fold rejected, Host required, statuses
// to answer with). Every case is run whole, split at every offset and one byte at a time.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "http/proto/request_parser.hpp"
#include "support/event_log.hpp"

namespace looplab::http {
namespace {

using testing::Events;
using testing::final_error;
using testing::mentions;
using testing::never_ended;
using testing::request_events;
using testing::RequestScript;

RequestScript messages(std::size_t n, bool eof = false) {
    RequestScript script;
    script.messages = n;
    script.eof = eof;
    return script;
}

std::string request_error(std::string_view wire, RequestScript script = {}) {
    const Events events = request_events(wire, script);
    EXPECT_TRUE(never_ended(events)) << ::testing::PrintToString(events);
    EXPECT_NE(final_error(events), "") << "no error in " << ::testing::PrintToString(events);
    return final_error(events);
}

TEST(RequestParser, GetWithoutBodyIsHeadThenEnd) {
    EXPECT_EQ(request_events("GET /index.html?q=1 HTTP/1.1\r\nHost: example.com\r\n"
                             "Accept: */*\r\n\r\n"),
              (Events{"request GET /index.html?q=1 HTTP/1.1 {Host: example.com; Accept: */*} "
                      "keep-alive",
                      "end"}));
}

TEST(RequestParser, PostWithContentLengthBody) {
    EXPECT_EQ(request_events("POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"
                             "hello world"),
              (Events{"request POST /submit HTTP/1.1 {Host: h; Content-Length: 11} keep-alive",
                      "data hello world", "end"}));
}

TEST(RequestParser, ChunkedUploadWithTrailers) {
    EXPECT_EQ(request_events("PUT /up HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "4;sig=abc\r\nwiki\r\n5\r\npedia\r\n0\r\nDigest: sha=1\r\n\r\n"),
              (Events{"request PUT /up HTTP/1.1 {Host: h; Transfer-Encoding: chunked} keep-alive",
                      "data wikipedia", "end {Digest: sha=1}"}));
}

TEST(RequestParser, AllRequestTargetFormsAreAccepted) {
    EXPECT_EQ(request_events("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")[0],
              "request OPTIONS * HTTP/1.1 {Host: h} keep-alive");
    EXPECT_EQ(
        request_events("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")[0],
        "request CONNECT example.com:443 HTTP/1.1 {Host: example.com:443} keep-alive");
    EXPECT_EQ(request_events("GET http://example.com/x HTTP/1.1\r\nHost: example.com\r\n\r\n")[0],
              "request GET http://example.com/x HTTP/1.1 {Host: example.com} keep-alive");
}

TEST(RequestParser, PipelinedRequestsAreReadOneAtATime) {
    const std::string wire =
        "GET /1 HTTP/1.1\r\nHost: h\r\n\r\n"
        "POST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
        "GET /3 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
    EXPECT_EQ(request_events(wire, messages(3)),
              (Events{"request GET /1 HTTP/1.1 {Host: h} keep-alive", "end", "next",
                      "request POST /2 HTTP/1.1 {Host: h; Content-Length: 3} keep-alive",
                      "data abc", "end", "next",
                      "request GET /3 HTTP/1.1 {Host: h; Connection: close} close", "end"}));
}

TEST(RequestParser, NextRequestWaitsBufferedUntilStartNextMessage) {
    RequestParser parser;
    parser.feed("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    EXPECT_EQ(std::get<RequestHead>(parser.next_event()).target, "/1");
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<Paused>(parser.next_event()));
    EXPECT_EQ(parser.unconsumed(), "GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
    parser.start_next_message();
    EXPECT_EQ(std::get<RequestHead>(parser.next_event()).target, "/2");
}

TEST(RequestParser, BytesAfterABodilessRequestBelongToTheNextOne) {
    // No Content-Length, no Transfer-Encoding: a request has no body (RFC 9112 6.3 rule 6), so
    // "XYZ" is not a body but the start of the next request, which is then malformed.
    EXPECT_EQ(request_events("GET / HTTP/1.1\r\nHost: h\r\n\r\nXYZ\r\n\r\n", messages(2)),
              (Events{"request GET / HTTP/1.1 {Host: h} keep-alive", "end", "next",
                      "error 400: malformed request line 'XYZ' (expected 'METHOD target "
                      "HTTP/1.1')"}));
}

TEST(RequestParser, EofBetweenRequestsIsConnectionClosedAndMidBodyIsAnError) {
    EXPECT_EQ(request_events("GET / HTTP/1.1\r\nHost: h\r\n\r\n", messages(2, true)),
              (Events{"request GET / HTTP/1.1 {Host: h} keep-alive", "end", "next", "closed"}));
    EXPECT_EQ(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab",
                            messages(1, true)),
              "error 400: connection closed before the body was complete (got 2 of 5 bytes)");
    EXPECT_TRUE(mentions(request_error("GET / HTTP/1.1\r\nHo", messages(1, true)),
                         "connection closed in the middle of the request head"));
}

TEST(RequestParser, LeadingEmptyLinesBeforeTheRequestLineAreIgnored) {
    EXPECT_EQ(request_events("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")[0],
              "request GET / HTTP/1.1 {Host: h} keep-alive");
}

TEST(RequestParser, ObsFoldIsRejectedInARequest) {
    const std::string error = request_error("GET / HTTP/1.1\r\nHost: h\r\nX-Long: a\r\n b\r\n\r\n");
    EXPECT_TRUE(mentions(error, "error 400"));
    EXPECT_TRUE(mentions(error, "obs-fold"));
    EXPECT_TRUE(mentions(error, "not allowed in a request"));
    EXPECT_TRUE(mentions(error, "'X-Long'"));
}

TEST(RequestParser, Http11RequestNeedsExactlyOneHost) {
    EXPECT_EQ(request_error("GET / HTTP/1.1\r\n\r\n"),
              "error 400: missing Host header (required in HTTP/1.1 requests)");
    EXPECT_TRUE(mentions(request_error("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"),
                         "more than one Host header"));
    EXPECT_EQ(request_events("GET / HTTP/1.0\r\n\r\n"),
              (Events{"request GET / HTTP/1.0 {} close", "end"}));
}

TEST(RequestParser, FramingErrorsCarryTheStatusToAnswer) {
    EXPECT_TRUE(mentions(request_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, "
                                       "chunked\r\n\r\n"),
                         "error 501: unsupported transfer-coding 'gzip'"));
    EXPECT_TRUE(mentions(request_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, "
                                       "gzip\r\n\r\n"),
                         "error 400: chunked must be the final transfer-coding"));
    EXPECT_TRUE(mentions(request_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
                                       "chunked\r\nContent-Length: 3\r\n\r\nabc"),
                         "error 400: both Transfer-Encoding and Content-Length in a request"));
    EXPECT_TRUE(mentions(request_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
                                       "Content-Length: 4\r\n\r\nabcd"),
                         "error 400: more than one Content-Length header ('3' and '4')"));
    EXPECT_TRUE(mentions(request_error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
                         "error 400: Transfer-Encoding in an HTTP/1.0 request"));
}

TEST(RequestParser, MalformedRequestLinesAreRejected) {
    EXPECT_TRUE(mentions(request_error("GET /\r\n\r\n"), "malformed request line 'GET /'"));
    EXPECT_TRUE(
        mentions(request_error("G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), "invalid method 'G(T'"));
    EXPECT_TRUE(mentions(request_error(" GET / HTTP/1.1\r\nHost: h\r\n\r\n"), "invalid method ''"));
    EXPECT_TRUE(
        mentions(request_error("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), "empty request target"));
    EXPECT_TRUE(
        mentions(request_error("GET /a b HTTP/1.1\r\nHost: h\r\n\r\n"), "malformed request line"));
    EXPECT_TRUE(mentions(request_error("GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n"),
                         "invalid byte 0x09 in request target"));
    EXPECT_TRUE(mentions(request_error("GET /caf\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n"),
                         "invalid byte 0xc3 in request target"));
    EXPECT_TRUE(
        mentions(request_error("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), "malformed request line"));
    EXPECT_TRUE(mentions(request_error("GET / HTTP/x\r\nHost: h\r\n\r\n"),
                         "error 400: invalid HTTP version 'HTTP/x'"));
    EXPECT_TRUE(mentions(request_error("GET / HTTP/2.0\r\nHost: h\r\n\r\n"),
                         "error 505: unsupported HTTP version 'HTTP/2.0'"));
}

TEST(RequestParser, HeadErrorsAreBadRequests) {
    EXPECT_TRUE(mentions(request_error("GET / HTTP/1.1\r\nHost : h\r\n\r\n"),
                         "error 400: whitespace between header field name 'Host' and the colon"));
    EXPECT_TRUE(mentions(request_error(std::string("GET / HTTP/1.1\r\nHost: h\0\r\n\r\n", 29)),
                         "error 400: NUL byte in request head"));
    EXPECT_TRUE(
        mentions(request_error("GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n"), "error 400: bare CR"));
}

TEST(RequestParser, HostMustBeAHostAndPort) {
    EXPECT_EQ(request_events("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")[0],
              "request GET / HTTP/1.1 {Host: [::1]:8080} keep-alive");
    EXPECT_EQ(request_events("GET / HTTP/1.1\r\nHost:\r\n\r\n")[0],
              "request GET / HTTP/1.1 {Host: } keep-alive");
    for (const char* host : {"a b", "a/b", "user@h", "h?x", "h\\x"}) {
        EXPECT_TRUE(
            mentions(request_error(std::string("GET / HTTP/1.1\r\nHost: ") + host + "\r\n\r\n"),
                     "error 400: invalid Host header"))
            << host;
    }
}

// The server's parser is strict (http/proto/strictness.hpp); the same bytes through a lenient
// RequestParser show that the strictness, not some other rule, is what refuses them.
TEST(RequestParser, IsStrictByDefaultWhereALenientParserWouldAccept) {
    const std::string bare_lf = "GET / HTTP/1.1\nHost: h\n\n";
    EXPECT_TRUE(mentions(request_error(bare_lf),
                         "error 400: bare LF (a line ending without CR) in request head"));
    RequestParser lenient(ParserLimits::for_requests(), Strictness::lenient);
    lenient.feed(bare_lf);
    EXPECT_EQ(std::get<RequestHead>(lenient.next_event()).target, "/");
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(lenient.next_event()));
}

TEST(RequestParser, HasBodyIsKnownFromTheHead) {
    RequestParser parser;
    parser.feed("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n");
    EXPECT_TRUE(std::holds_alternative<RequestHead>(parser.next_event()));
    EXPECT_TRUE(parser.has_body());
    parser.feed("ok");
    EXPECT_EQ(std::get<Data>(parser.next_event()).bytes, "ok");
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
    parser.feed("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
    parser.start_next_message();
    EXPECT_TRUE(std::holds_alternative<RequestHead>(parser.next_event()));
    EXPECT_FALSE(parser.has_body());
}

TEST(RequestParser, StartNextMessageIsRefusedWhenTheClientAskedToClose) {
    RequestParser parser;
    parser.feed("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
    EXPECT_TRUE(std::holds_alternative<RequestHead>(parser.next_event()));
    EXPECT_FALSE(parser.keep_alive());
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
    EXPECT_THROW(parser.start_next_message(), std::logic_error);
}

}  // namespace
}  // namespace looplab::http
