// tests/http/chunked_decoder_test.cpp: ChunkedDecoder on its own, as a fuzz target would drive
// it: the Step contract, incremental input, extensions, trailers, and arbitrary bytes.
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "http/proto/chunked_decoder.hpp"
#include "http/proto/protocol_error.hpp"

namespace looplab::http {
namespace {

struct Decoded {
    std::string body;
    bool done = false;
    Headers trailers;
};

// Drives the decoder the way a parser does: keeps the unconsumed bytes, appends each piece,
// calls decode() until it asks for more.
Decoded decode_in_pieces(std::string_view wire, std::size_t piece_size,
                         MessageKind kind = MessageKind::response) {
    ChunkedDecoder decoder(kind);
    Decoded out;
    std::string pending;
    for (std::size_t at = 0; at < wire.size() && !out.done; at += piece_size) {
        pending += wire.substr(at, piece_size);
        while (true) {
            const ChunkedDecoder::Step step = decoder.decode(pending);
            EXPECT_LE(step.consumed, pending.size());
            EXPECT_FALSE(!step.data.empty() && step.done) << "data and done in one Step";
            out.body += step.data;
            pending.erase(0, step.consumed);
            if (step.done) {
                out.done = true;
                out.trailers = decoder.take_trailers();
                break;
            }
            if (step.data.empty()) break;  // needs more input
        }
    }
    EXPECT_EQ(decoder.body_size(), out.body.size());
    return out;
}

TEST(ChunkedDecoder, DecodesTheSameWhateverThePieceSize) {
    const std::string wire =
        "3\r\nabc\r\n10;x=\"y\"\r\n0123456789abcdef\r\n1\r\n!\r\n0\r\nT: v\r\n\r\n";
    for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
        const Decoded d = decode_in_pieces(wire, piece);
        EXPECT_TRUE(d.done) << piece;
        EXPECT_EQ(d.body, "abc0123456789abcdef!") << piece;
        EXPECT_EQ(d.trailers, (Headers{{"T", "v"}})) << piece;
    }
}

TEST(ChunkedDecoder, ReturnsChunkDataAsAViewIntoTheInput) {
    ChunkedDecoder decoder;
    const std::string wire = "5\r\nhello\r\n";
    const ChunkedDecoder::Step step = decoder.decode(wire);
    EXPECT_EQ(step.data, "hello");
    EXPECT_EQ(step.data.data(), wire.data() + 3);
    EXPECT_EQ(step.consumed, 8u);
}

TEST(ChunkedDecoder, StopsAtTheEndAndLeavesWhatFollows) {
    ChunkedDecoder decoder;
    const std::string wire = "0\r\n\r\nNEXT";
    const ChunkedDecoder::Step step = decoder.decode(wire);
    EXPECT_TRUE(step.done);
    EXPECT_EQ(step.consumed, 5u);
    EXPECT_TRUE(decoder.done());
    EXPECT_TRUE(decoder.decode("more").done);  // stays done, consumes nothing
    EXPECT_EQ(decoder.decode("more").consumed, 0u);
}

TEST(ChunkedDecoder, AcceptsValidExtensionForms) {
    for (const char* ext : {";a", ";a=b", "; a = b", ";a=\"\"", ";a=\"x\\\"y\"", ";a;b=c;d",
                            ";a=\"tab\there\"", "\t;a"}) {
        const Decoded d = decode_in_pieces(std::string("1") + ext + "\r\nx\r\n0\r\n\r\n", 1);
        EXPECT_TRUE(d.done) << ext;
        EXPECT_EQ(d.body, "x") << ext;
    }
}

// The first ProtocolError's message for `wire`, or "" if it decodes without one.
std::string decode_error(std::string_view wire, MessageKind kind, Strictness strictness) {
    ChunkedDecoder decoder(kind, {}, strictness);
    std::string pending(wire);
    try {
        while (true) {
            const ChunkedDecoder::Step step = decoder.decode(pending);
            pending.erase(0, step.consumed);
            if (step.done || (step.data.empty() && step.consumed == 0)) return "";
        }
    } catch (const ProtocolError& error) {
        return error.what();
    }
}

// RFC 9112 7.1.1 lets whitespace (BWS) stand before ';' and around '=' in a chunk line; a
// lenient decoder reads it, a strict one refuses it, and neither takes whitespace at the end.
TEST(ChunkedDecoder, StrictTakesNoWhitespaceInAChunkLineLenientOnlyWhereTheGrammarHasIt) {
    for (const char* line : {"5 ;a", "5\t;a", "5; a", "5;a =b", "5;a= b", "5;a ;b"}) {
        const std::string wire = std::string(line) + "\r\nhello\r\n0\r\n\r\n";
        EXPECT_EQ(decode_error(wire, MessageKind::response, Strictness::lenient), "") << line;
        EXPECT_NE(decode_error(wire, MessageKind::request, Strictness::strict), "") << line;
    }
    for (const char* line : {"5 ", "5\t", "5;a ", "5;a=b ", "0  "}) {
        const std::string wire = std::string(line) + "\r\nhello\r\n0\r\n\r\n";
        for (Strictness strictness : {Strictness::lenient, Strictness::strict})
            EXPECT_NE(decode_error(wire, MessageKind::request, strictness), "") << line;
    }
    EXPECT_EQ(decode_error("5 \r\nhello\r\n0\r\n\r\n", MessageKind::request, Strictness::strict),
              "invalid chunk size line '5 ' (unexpected ' ' after the hex digits: no whitespace "
              "in chunk lines)");
}

TEST(ChunkedDecoder, ChunkLinesAndTheLineAfterChunkDataEndInCrlfWhateverTheStrictness) {
    for (Strictness strictness : {Strictness::lenient, Strictness::strict}) {
        EXPECT_NE(decode_error("5\nhello\r\n0\r\n\r\n", MessageKind::response, strictness), "");
        EXPECT_NE(decode_error("5\r\nhello\n0\r\n\r\n", MessageKind::response, strictness), "");
        EXPECT_NE(decode_error("5\r\nhello\r\n0\n\r\n", MessageKind::response, strictness), "");
    }
    // The trailer section is fields, so a lenient decoder takes a bare LF there, a strict one
    // does not.
    EXPECT_EQ(decode_error("0\r\nT: v\n\n", MessageKind::response, Strictness::lenient), "");
    EXPECT_NE(decode_error("0\r\nT: v\n\n", MessageKind::request, Strictness::strict), "");
}

TEST(ChunkedDecoder, ObsFoldInTrailersIsFoldedForResponsesAndRejectedForRequests) {
    const std::string wire = "0\r\nX: a\r\n b\r\n\r\n";
    EXPECT_EQ(decode_in_pieces(wire, wire.size()).trailers, (Headers{{"X", "a b"}}));
    ChunkedDecoder request(MessageKind::request);
    try {
        request.decode(wire);
        FAIL() << "expected ProtocolError";
    } catch (const ProtocolError& error) {
        EXPECT_NE(std::string(error.what()).find("obs-fold"), std::string::npos) << error.what();
    }
}

TEST(ChunkedDecoder, ResetStartsANewBody) {
    ChunkedDecoder decoder;
    EXPECT_TRUE(decoder.decode("1\r\na\r\n0\r\nA: 1\r\n\r\n").data == "a");
    decoder.reset();
    EXPECT_EQ(decoder.body_size(), 0u);
    EXPECT_FALSE(decoder.done());
    EXPECT_EQ(decoder.decode("2\r\nbc\r\n").data, "bc");
}

TEST(ChunkedDecoder, RejectsChunkThatWouldExceedTheBodyLimitBeforeReadingIt) {
    ParserLimits limits;
    limits.max_body_size = 4;
    ChunkedDecoder decoder(MessageKind::request, limits);
    EXPECT_EQ(decoder.decode("4\r\nabcd\r\n").data, "abcd");
    try {
        decoder.decode("\r\n1\r\n");
        FAIL() << "expected ProtocolError";
    } catch (const ProtocolError& error) {
        EXPECT_EQ(error.status(), 413);
        EXPECT_STREQ(error.what(), "request body too large (over 4 bytes)");
    }
}

TEST(ChunkedDecoder, ArbitraryBytesNeverCrashOrReportMoreThanWasFed) {
    // A tiny deterministic fuzz loop (the sanitizer build is what makes it bite): random
    // mixtures of hex digits, separators and line endings, fed in random pieces.
    std::mt19937 rng(12345);
    const std::string alphabet = "0123456789abcdefABCDEFxyz;=\" \t\r\n:";
    for (int round = 0; round < 2000; ++round) {
        std::string wire(rng() % 64, '\0');
        for (char& c : wire) c = alphabet[rng() % alphabet.size()];
        ChunkedDecoder decoder;
        std::string pending;
        std::size_t reported = 0;
        try {
            for (std::size_t at = 0; at < wire.size();) {
                const std::size_t n = 1 + rng() % 8;
                pending += wire.substr(at, n);
                at += n;
                for (;;) {
                    const ChunkedDecoder::Step step = decoder.decode(pending);
                    ASSERT_LE(step.consumed, pending.size());
                    reported += step.data.size();
                    pending.erase(0, step.consumed);
                    if (step.done || step.data.empty()) break;
                }
            }
        } catch (const ProtocolError&) {
        }
        EXPECT_LE(reported, wire.size());
    }
}

}  // namespace
}  // namespace looplab::http
