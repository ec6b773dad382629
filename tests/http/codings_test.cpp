// tests/http/codings_test.cpp: the body decoders (http/codings/): gzip, deflate in both of its
// wrappings, br, stacked codings, every split of the input, and the decompression-bomb cap.
#include <gtest/gtest.h>

#include <string>

#include "http/codings/decoder_chain.hpp"
#include "http/codings/supported_codings.hpp"
#include "http/proto/response_parser.hpp"
#include "http/support/compress.hpp"

namespace looplab::http::codings {
namespace {

using http::testing::compress;
using http::testing::gzip;
using http::testing::Wrapper;

const std::string kText = [] {
    std::string s;
    for (int i = 0; i < 200; ++i) s += "line " + std::to_string(i) + " of a compressible body\n";
    return s;
}();

Headers encoded_as(std::string_view coding) {
    return Headers{{"Content-Encoding", coding}};
}

// Decodes `body` fed in two pieces split at `at`.
std::string decode_split(const Headers& headers, const std::string& body, std::size_t at,
                         DecodeLimits limits = {}) {
    DecoderChain chain = DecoderChain::for_response(headers, true, limits);
    std::string out;
    chain.decode(std::string_view(body).substr(0, at), out);
    chain.decode(std::string_view(body).substr(at), out);
    chain.finish();
    return out;
}

std::string decode_byte_by_byte(const Headers& headers, const std::string& body) {
    DecoderChain chain = DecoderChain::for_response(headers, true, {});
    std::string out;
    for (char c : body) chain.decode(std::string_view(&c, 1), out);
    chain.finish();
    return out;
}

TEST(Codings, GzipAndBothDeflateWrappingsDecodeSplitAtEveryByte) {
    const struct {
        const char* coding;
        std::string body;
    } cases[] = {{"gzip", gzip(kText)},
                 {"x-gzip", gzip(kText)},
                 {"deflate", compress(kText, Wrapper::zlib)},
                 {"deflate", compress(kText, Wrapper::raw)}};
    for (const auto& c : cases) {
        for (std::size_t at = 0; at <= c.body.size(); ++at) {
            ASSERT_EQ(decode_split(encoded_as(c.coding), c.body, at), kText)
                << c.coding << " split at " << at;
        }
        EXPECT_EQ(decode_byte_by_byte(encoded_as(c.coding), c.body), kText) << c.coding;
    }
}

TEST(Codings, BrDecodesSplitAtEveryByteWhenBuiltWithBrotli) {
    if (!can_decode("br")) GTEST_SKIP() << "built without libbrotlidec (Debian: libbrotli-dev)";
    const std::string& body = http::testing::kBrotliBody;
    for (std::size_t at = 0; at <= body.size(); ++at) {
        ASSERT_EQ(decode_split(encoded_as("br"), body, at), http::testing::kBrotliText) << at;
    }
    EXPECT_EQ(decode_byte_by_byte(encoded_as("br"), body), http::testing::kBrotliText);
    EXPECT_NE(accept_encoding().find("br"), std::string_view::npos);
}

TEST(Codings, StackedCodingsAreUndoneLastAppliedFirst) {
    // Content-Encoding: deflate, gzip means deflate was applied first: gzip(deflate(text)).
    const std::string body = gzip(compress(kText, Wrapper::zlib));
    const Headers headers{{"Content-Encoding", "deflate, gzip"}};
    EXPECT_EQ(decode_split(headers, body, body.size() / 2), kText);
    // A transfer-coding before chunked was applied after every content-coding.
    const std::string both = gzip(gzip(kText));
    const Headers transfer{{"Content-Encoding", "gzip"}, {"Transfer-Encoding", "gzip, chunked"}};
    EXPECT_EQ(decode_split(transfer, both, 7), kText);
    EXPECT_EQ(DecoderChain::for_response(transfer, true, {}).codings(), "gzip, gzip");
}

TEST(Codings, SeveralGzipMembersDecodeOneAfterTheOther) {
    const std::string body = gzip("first half, ") + gzip("second half");
    // Split everywhere: the first member's 8-byte trailer may arrive with the second's start,
    // so that zlib ends the first stream having produced nothing in that call.
    for (std::size_t at = 0; at <= body.size(); ++at)
        ASSERT_EQ(decode_split(encoded_as("gzip"), body, at), "first half, second half") << at;
    EXPECT_EQ(decode_byte_by_byte(encoded_as("gzip"), body), "first half, second half");
}

TEST(Codings, UnknownOrIdentityContentCodingsLeaveTheBodyAsItCame) {
    EXPECT_TRUE(DecoderChain::for_response(encoded_as("zstd"), true, {}).is_identity());
    EXPECT_TRUE(DecoderChain::for_response(encoded_as("identity"), true, {}).is_identity());
    EXPECT_TRUE(DecoderChain::for_response(encoded_as("gzip, zstd"), true, {}).is_identity());
    // Content decoding turned off (auto_decompress = false) still undoes transfer-codings.
    EXPECT_TRUE(DecoderChain::for_response(encoded_as("gzip"), false, {}).is_identity());
    EXPECT_FALSE(
        DecoderChain::for_response(Headers{{"Transfer-Encoding", "gzip, chunked"}}, false, {})
            .is_identity());
}

TEST(Codings, TruncatedCorruptOrTrailingDataIsAnErrorNeverAShortSuccess) {
    const std::string body = gzip(kText);
    const std::string cut = body.substr(0, body.size() - 5);
    EXPECT_THROW(decode_split(encoded_as("gzip"), cut, 10), DecodingError);
    std::string corrupt = body;
    corrupt[12] = static_cast<char>(corrupt[12] ^ 0x55);
    EXPECT_THROW(decode_split(encoded_as("gzip"), corrupt, 10), DecodingError);
    const std::string deflate = compress(kText, Wrapper::zlib) + "x";
    EXPECT_THROW(decode_split(encoded_as("deflate"), deflate, 10), DecodingError);
    try {
        decode_split(encoded_as("gzip"), cut, 10);
    } catch (const DecodingError& e) {
        EXPECT_NE(std::string(e.what()).find("gzip data is truncated"), std::string::npos)
            << e.what();
    }
    // No bytes at all is an empty body, not a truncated one.
    EXPECT_EQ(decode_split(encoded_as("gzip"), "", 0), "");
}

TEST(Codings, ABombIsRefusedByTheDecodedSizeLimitWithBoundedOutput) {
    const std::string zeros(16 * 1024 * 1024, '\0');
    const std::string bomb = gzip(zeros);  // about 16 KB
    DecodeLimits limits;
    limits.max_size = 1024 * 1024;
    DecoderChain chain = DecoderChain::for_response(encoded_as("gzip"), true, limits);
    std::string out;
    try {
        chain.decode(bomb, out);
        ADD_FAILURE() << "no DecodingError";
    } catch (const DecodingError& e) {
        EXPECT_NE(std::string(e.what()).find("decoded-size limit"), std::string::npos) << e.what();
    }
    EXPECT_LE(out.size(), limits.max_size);
}

TEST(Codings, ABombIsRefusedByTheRatioLimitPastItsGrace) {
    const std::string bomb = gzip(std::string(4 * 1024 * 1024, 'a'));
    DecodeLimits limits;
    limits.max_ratio = 100;
    limits.ratio_grace = 64 * 1024;
    try {
        decode_split(encoded_as("gzip"), bomb, bomb.size() / 2, limits);
        ADD_FAILURE() << "no DecodingError";
    } catch (const DecodingError& e) {
        EXPECT_NE(std::string(e.what()).find("ratio limit"), std::string::npos) << e.what();
    }
    // A body that stays within the grace may compress as well as it likes.
    EXPECT_EQ(decode_split(encoded_as("gzip"), gzip(kText), 5, limits), kText);
}

// The parser un-chunks "Transfer-Encoding: gzip, chunked" and the chain gunzips, whatever the
// split of the bytes between the two.
TEST(Codings, AGzipChunkedResponseParsesAndDecodesSplitAtEveryByte) {
    const std::string response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" +
                                 http::testing::chunked(gzip(kText), 97);
    for (std::size_t at = 0; at <= response.size(); at += 7) {
        ResponseParser parser("GET");
        DecoderChain chain;
        std::string body;
        bool done = false;
        for (const std::string_view piece :
             {std::string_view(response).substr(0, at), std::string_view(response).substr(at)}) {
            parser.feed(piece);
            for (;;) {
                ResponseEvent event = parser.next_event();
                if (auto* head = std::get_if<ResponseHead>(&event)) {
                    chain = DecoderChain::for_response(head->headers, true, {});
                } else if (auto* data = std::get_if<Data>(&event)) {
                    chain.decode(data->bytes, body);
                } else if (std::holds_alternative<EndOfMessage>(event)) {
                    chain.finish();
                    done = true;
                    break;
                } else {
                    break;
                }
            }
        }
        ASSERT_TRUE(done) << "split at " << at;
        ASSERT_EQ(body, kText) << "split at " << at;
    }
}

TEST(Codings, AResponseParserStillRefusesATransferCodingNobodyDecodes) {
    ResponseParser parser("GET");
    parser.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: zstd, chunked\r\n\r\n0\r\n\r\n");
    EXPECT_THROW(parser.next_event(), ProtocolError);
}

}  // namespace
}  // namespace looplab::http::codings
