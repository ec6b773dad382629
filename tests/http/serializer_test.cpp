// tests/http/serializer_test.cpp: head serialisation and the chunked encoder, byte for byte,
// their refusals, and round trips: what the serialisers write, the parsers read back
// identically.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "http/proto/chunked_encoder.hpp"
#include "http/proto/serializer.hpp"
#include "http/proto/url.hpp"
#include "support/event_log.hpp"

namespace looplab::http {
namespace {

using testing::Events;
using testing::request_events;
using testing::response_events;
using testing::ResponseScript;

TEST(Serializer, RequestHeadPutsHostFirstAndFramingLast) {
    std::string out = "kept ";
    write_request_head(out, "POST", "/submit?x=1", "example.com:8080",
                       Headers{{"Accept", "*/*"}, {"X-Two", "a, b"}}, OutgoingBody::of_length(11));
    EXPECT_EQ(out,
              "kept POST /submit?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nAccept: */*\r\n"
              "X-Two: a, b\r\nContent-Length: 11\r\n\r\n");
}

TEST(Serializer, RequestHeadWithoutBodyHasNoFramingHeader) {
    std::string out;
    write_request_head(out, "GET", "/", "h", {});
    EXPECT_EQ(out, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
}

TEST(Serializer, AHostFieldInHeadersWinsOverTheHostArgument) {
    std::string out;
    write_request_head(out, "GET", "/", "ignored", Headers{{"host", "mine"}});
    EXPECT_EQ(out, "GET / HTTP/1.1\r\nhost: mine\r\n\r\n");
}

TEST(Serializer, ResponseHeadUsesTheStandardReasonUnlessGivenOne) {
    std::string out;
    write_response_head(out, 404, Headers{{"Server", "looplab"}}, OutgoingBody::of_length(0));
    EXPECT_EQ(out, "HTTP/1.1 404 Not Found\r\nServer: looplab\r\nContent-Length: 0\r\n\r\n");
    out.clear();
    write_response_head(out, 200, {}, OutgoingBody::chunked(), "Fine");
    EXPECT_EQ(out, "HTTP/1.1 200 Fine\r\nTransfer-Encoding: chunked\r\n\r\n");
    out.clear();
    write_response_head(out, 299, {});
    EXPECT_EQ(out, "HTTP/1.1 299 \r\n\r\n");
}

TEST(Serializer, ChunkedEncoderWritesHexSizesAndTheLastChunkWithTrailers) {
    std::string out;
    ChunkedEncoder encoder;
    encoder.write_chunk(out, "hello");
    encoder.write_chunk(out, "");  // nothing: an empty chunk would end the body
    encoder.write_chunk(out, std::string(26, 'z'));
    EXPECT_FALSE(encoder.finished());
    encoder.write_last_chunk(out, Headers{{"Digest", "x"}});
    EXPECT_TRUE(encoder.finished());
    EXPECT_EQ(out, "5\r\nhello\r\n1a\r\n" + std::string(26, 'z') + "\r\n0\r\nDigest: x\r\n\r\n");
}

TEST(Serializer, ChunkedEncoderRefusesChunksAfterTheLastOne) {
    std::string out;
    ChunkedEncoder encoder;
    encoder.write_last_chunk(out);
    EXPECT_EQ(out, "0\r\n\r\n");
    EXPECT_THROW(encoder.write_chunk(out, "x"), std::logic_error);
    EXPECT_THROW(encoder.write_last_chunk(out), std::logic_error);
    ChunkedEncoder other;
    EXPECT_THROW(other.write_chunk_header(out, 0), std::invalid_argument);
}

TEST(Serializer, HeaderInjectionIsRefused) {
    std::string out;
    EXPECT_THROW(write_request_head(out, "GET", "/", "h", Headers{{"X", "a\r\nEvil: 1"}}),
                 std::invalid_argument);
    EXPECT_THROW(write_request_head(out, "GET", "/", "h", Headers{{"Bad Name", "v"}}),
                 std::invalid_argument);
    EXPECT_THROW(write_request_head(out, "GET", "/", "h\r\nX: y", {}), std::invalid_argument);
    EXPECT_THROW(write_request_head(out, "GET", "/a b", "h", {}), std::invalid_argument);
    EXPECT_THROW(write_request_head(out, "GE T", "/", "h", {}), std::invalid_argument);
    EXPECT_THROW(write_request_head(out, "GET", "", "h", {}), std::invalid_argument);
    EXPECT_THROW(write_response_head(out, 200, {}, OutgoingBody::none(), "OK\r\nX: y"),
                 std::invalid_argument);
    ChunkedEncoder encoder;
    EXPECT_THROW(encoder.write_last_chunk(out, Headers{{"T", "\n"}}), std::invalid_argument);
    EXPECT_EQ(out, "") << "nothing is written when a check fails";
}

TEST(Serializer, FramingHeadersMustComeFromOutgoingBody) {
    std::string out;
    EXPECT_THROW(write_request_head(out, "POST", "/", "h", Headers{{"content-length", "3"}}),
                 std::invalid_argument);
    EXPECT_THROW(write_response_head(out, 200, Headers{{"Transfer-Encoding", "chunked"}}),
                 std::invalid_argument);
}

TEST(Serializer, BodilessStatusesTakeNoFraming) {
    std::string out;
    EXPECT_THROW(write_response_head(out, 204, {}, OutgoingBody::of_length(0)),
                 std::invalid_argument);
    EXPECT_THROW(write_response_head(out, 100, {}, OutgoingBody::chunked()), std::invalid_argument);
    EXPECT_THROW(write_response_head(out, 304, {}, OutgoingBody::chunked()), std::invalid_argument);
    EXPECT_NO_THROW(write_response_head(out, 304, {}, OutgoingBody::of_length(10)));
    EXPECT_THROW(write_response_head(out, 99, {}), std::invalid_argument);
    EXPECT_THROW(write_response_head(out, 1000, {}), std::invalid_argument);
}

TEST(Serializer, ChunkedRequestRoundTripsThroughTheRequestParser) {
    const Url url = Url::parse("http://[::1]:8080/upload?id=7#ignored");
    std::string wire;
    write_request_head(wire, "PUT", url.target(), url.host_header(),
                       Headers{{"Content-Type", "text/plain"}}, OutgoingBody::chunked());
    ChunkedEncoder encoder;
    encoder.write_chunk(wire, "first,");
    encoder.write_chunk(wire, "second");
    encoder.write_last_chunk(wire, Headers{{"Checksum", "abc"}});
    EXPECT_EQ(request_events(wire),
              (Events{"request PUT /upload?id=7 HTTP/1.1 {Host: [::1]:8080; Content-Type: "
                      "text/plain; Transfer-Encoding: chunked} keep-alive",
                      "data first,second", "end {Checksum: abc}"}));
}

TEST(Serializer, ResponsesRoundTripThroughTheResponseParser) {
    std::string wire;
    write_response_head(wire, 100, {});
    write_response_head(wire, 200, Headers{{"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}},
                        OutgoingBody::of_length(5));
    wire += "hello";
    write_response_head(wire, 200, {}, OutgoingBody::of_length(123));  // answers a HEAD
    write_response_head(wire, 201, {}, OutgoingBody::chunked());
    ChunkedEncoder encoder;
    encoder.write_chunk(wire, "x");
    encoder.write_last_chunk(wire);
    ResponseScript script;
    script.methods = {"POST", "HEAD", "GET"};
    EXPECT_EQ(response_events(wire, script),
              (Events{"informational HTTP/1.1 100 Continue {}",
                      "response HTTP/1.1 200 OK {Set-Cookie: a=1; Set-Cookie: b=2; "
                      "Content-Length: 5} keep-alive",
                      "data hello", "end", "next",
                      "response HTTP/1.1 200 OK {Content-Length: 123} keep-alive", "end", "next",
                      "response HTTP/1.1 201 Created {Transfer-Encoding: chunked} keep-alive",
                      "data x", "end"}));
}

TEST(Serializer, ReasonPhrasesForCommonStatuses) {
    EXPECT_EQ(reason_phrase(200), "OK");
    EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
    EXPECT_EQ(reason_phrase(505), "HTTP Version Not Supported");
    EXPECT_EQ(reason_phrase(299), "");
}

}  // namespace
}  // namespace looplab::http
