// tests/http/limits_test.cpp: ParserLimits on both parsers: the defaults, what each limit
// rejects, just-under-the-limit acceptance, and the status a server answers with (414, 431,
// 413).
#include <gtest/gtest.h>

#include <string>

#include "http/proto/limits.hpp"
#include "http/proto/request_parser.hpp"
#include "http/proto/response_parser.hpp"
#include "support/event_log.hpp"

namespace looplab::http {
namespace {

using testing::Events;
using testing::final_error;
using testing::mentions;
using testing::request_events;
using testing::RequestScript;
using testing::response_events;
using testing::ResponseScript;
using testing::run_request_parser;
using testing::run_response_parser;

RequestScript request_limits(ParserLimits limits) {
    RequestScript script;
    script.limits = limits;
    return script;
}

ResponseScript response_limits(ParserLimits limits, bool eof = false) {
    ResponseScript script;
    script.limits = limits;
    script.eof = eof;
    return script;
}

std::string request_with_field_of(std::size_t line_size) {
    // "X: " + value == line_size bytes, not counting CRLF.
    return "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(line_size - 3, 'v') + "\r\n\r\n";
}

TEST(ParserLimits, DefaultsAreSafeForServersAndUnlimitedBodiesForClients) {
    const ParserLimits client;
    EXPECT_EQ(client.max_line_size, 8u * 1024);
    EXPECT_EQ(client.max_head_size, 64u * 1024);
    EXPECT_EQ(client.max_header_count, 100u);
    EXPECT_EQ(client.max_body_size, ParserLimits::kUnlimited);
    EXPECT_EQ(ParserLimits::for_requests().max_body_size, 1024u * 1024);
    EXPECT_EQ(ParserLimits::for_requests().max_line_size, client.max_line_size);
}

TEST(ParserLimits, HeaderLineAtTheLimitIsAcceptedOneByteMoreIs431) {
    EXPECT_EQ(run_request_parser({request_with_field_of(8192)}).back(), "end");
    EXPECT_EQ(run_request_parser({request_with_field_of(8193)}).back(),
              "error 431: header line too long in request head (limit 8192 bytes)");
}

TEST(ParserLimits, OverlongLineIsRejectedBeforeItEnds) {
    // A peer that never sends LF must not make the parser buffer without bound.
    RequestParser parser;
    parser.feed("GET / HTTP/1.1\r\nHost: h\r\nX: ");
    EXPECT_TRUE(std::holds_alternative<NeedData>(parser.next_event()));
    parser.feed(std::string(9000, 'v'));
    EXPECT_THROW(parser.next_event(), ProtocolError);
}

TEST(ParserLimits, LimitErrorsAreTheSameHoweverTheBytesAreSplit) {
    ParserLimits small;
    small.max_line_size = 16;
    small.max_head_size = 100;
    small.max_header_count = 2;
    EXPECT_EQ(final_error(request_events("GET / HTTP/1.1\r\nHost: h\r\nX: 0123456789abcdef\r\n\r\n",
                                         request_limits(small))),
              "error 431: header line too long in request head (limit 16 bytes)");
    EXPECT_EQ(final_error(
                  request_events("GET /0123456789abcdef HTTP/1.1\r\n\r\n", request_limits(small))),
              "error 414: request line too long (limit 16 bytes)");
    EXPECT_EQ(final_error(request_events("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n",
                                         request_limits(small))),
              "error 431: too many header fields in request head (limit 2)");
    EXPECT_EQ(final_error(request_events("GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\n\r\n\r\n\r\n",
                                         request_limits(small))),
              "");
    small.max_head_size = 40;
    EXPECT_EQ(final_error(request_events("GET / HTTP/1.1\r\nHost: h\r\nAb: 0123456789ab\r\n\r\n",
                                         request_limits(small))),
              "error 431: request head too large (limit 40 bytes)");
}

TEST(ParserLimits, HeadSizeCountsStartLineFieldsAndLineEndings) {
    ParserLimits limits;
    const std::string wire = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";  // 27 bytes
    limits.max_head_size = wire.size();
    EXPECT_EQ(run_request_parser({wire}, request_limits(limits)).back(), "end");
    limits.max_head_size = wire.size() - 1;
    EXPECT_TRUE(mentions(run_request_parser({wire}, request_limits(limits)).back(),
                         "request head too large"));
}

TEST(ParserLimits, MaximalLimitsMeanNoLimit) {
    ParserLimits none;
    none.max_line_size = SIZE_MAX;
    none.max_head_size = SIZE_MAX;
    none.max_header_count = SIZE_MAX;
    none.max_body_size = ParserLimits::kUnlimited;
    const std::string big(100000, 'v');
    EXPECT_EQ(run_request_parser({"GET / HTTP/1.1\r\nHost: h\r\nX: ", big, "\r\n\r\n"},
                                 request_limits(none))
                  .back(),
              "end");
    EXPECT_EQ(run_response_parser({"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;", big,
                                   "\r\nx\r\n0\r\n\r\n"},
                                  response_limits(none))
                  .back(),
              "end");
}

TEST(ParserLimits, TooManyHeaderFieldsIs431) {
    std::string wire = "GET / HTTP/1.1\r\nHost: h\r\n";
    for (int i = 0; i < 99; ++i) wire += "X-" + std::to_string(i) + ": v\r\n";
    EXPECT_EQ(run_request_parser({wire + "\r\n"}).back(), "end");  // exactly 100 fields
    EXPECT_EQ(run_request_parser({wire + "One-More: v\r\n\r\n"}).back(),
              "error 431: too many header fields in request head (limit 100)");
}

TEST(ParserLimits, ResponseHeadLimitsApplyToo) {
    ParserLimits limits;
    limits.max_header_count = 1;
    EXPECT_TRUE(mentions(
        run_response_parser({"HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n"}, response_limits(limits))
            .back(),
        "too many header fields in response head (limit 1)"));
    limits = ParserLimits{};
    limits.max_line_size = 10;
    EXPECT_TRUE(
        mentions(run_response_parser({"HTTP/1.1 200 OK\r\n\r\n"}, response_limits(limits)).back(),
                 "status line too long (limit 10 bytes)"));
}

TEST(ParserLimits, TrailerSectionIsHeldToTheHeadLimits) {
    ParserLimits limits;
    limits.max_header_count = 2;
    const std::string wire =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
    EXPECT_EQ(final_error(response_events(wire, response_limits(limits))),
              "error 431: too many header fields in trailer section (limit 2)");
}

TEST(ParserLimits, ChunkSizeLineIsHeldToTheLineLimit) {
    ParserLimits limits;
    limits.max_line_size = 26;  // "Transfer-Encoding: chunked" just fits
    const std::string wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" +
                             std::string(30, 'a') + "\r\nx\r\n0\r\n\r\n";
    EXPECT_EQ(final_error(response_events(wire, response_limits(limits))),
              "error 400: chunk size line too long (limit 26 bytes)");
}

TEST(ParserLimits, RequestBodyOverTheLimitIs413BeforeAnyOfItIsRead) {
    ParserLimits limits = ParserLimits::for_requests();
    limits.max_body_size = 10;
    EXPECT_EQ(run_request_parser({"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n"},
                                 request_limits(limits))
                  .back(),
              "error 413: request body too large (Content-Length 11, limit 10 bytes)");
    EXPECT_EQ(
        run_request_parser({"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789"},
                           request_limits(limits))
            .back(),
        "end");
}

TEST(ParserLimits, ChunkedRequestBodyIsRefusedAtTheChunkThatWouldExceedTheLimit) {
    ParserLimits limits = ParserLimits::for_requests();
    limits.max_body_size = 10;
    const std::string wire =
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
        "6\r\nabcdef\r\n5\r\nghijk\r\n0\r\n\r\n";
    EXPECT_EQ(request_events(wire, request_limits(limits)),
              (Events{"request POST / HTTP/1.1 {Host: h; Transfer-Encoding: chunked} keep-alive",
                      "data abcdef", "error 413: request body too large (over 10 bytes)"}));
}

TEST(ParserLimits, DefaultRequestLimitRejectsAnUploadOverOneMebibyte) {
    EXPECT_TRUE(mentions(run_request_parser({"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: "
                                             "1048577\r\n\r\n"})
                             .back(),
                         "error 413"));
}

TEST(ParserLimits, CloseDelimitedResponseBodyFailsAtTheFirstByteOverTheLimit) {
    ParserLimits limits;
    limits.max_body_size = 4;
    EXPECT_EQ(response_events("HTTP/1.0 200 OK\r\n\r\n12345", response_limits(limits, true)),
              (Events{"response HTTP/1.0 200 OK {} close", "data 1234",
                      "error 413: response body too large (over 4 bytes)"}));
    EXPECT_EQ(response_events("HTTP/1.0 200 OK\r\n\r\n1234", response_limits(limits, true)),
              (Events{"response HTTP/1.0 200 OK {} close", "data 1234", "end"}));
}

}  // namespace
}  // namespace looplab::http
