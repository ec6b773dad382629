// tests/http/smuggling_cases.hpp: one request per request-smuggling class, each with what the
// server must say about it.
//
// PortSwigger's "HTTP request smuggling" classes (CL.TE, TE.CL, TE.TE), the llhttp and h11
// request-smuggling suites, and RFC 9112 section 11.2
//
// Request smuggling needs two parsers on one path (a proxy, then this server) that read the
// same bytes with different message boundaries. Every case below is a head or body that some
// widely deployed parser reads differently from another, so a server must refuse it rather
// than pick a reading: 400, and the connection closed, since nothing after the fault can be
// trusted to start a message. Each case appends a second request, GET /smuggled, where a
// lenient reading would find one; the live-server test (tests/reliability/
// hostile_client_test.cpp) checks that only one response ever comes back.
//
// Used by two tests: tests/http/request_smuggling_test.cpp runs each case through the
// RequestParser, at every split, and checks the error it names; the hostile-client test sends
// each one to a running HttpServer.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace looplab::http::testing {

struct SmugglingCase {
    const char* name;   // the class, as a test name
    std::string bytes;  // what the client sends
    int status;         // the answer: 400 for every class but one (see UnknownCodingBeforeChunked)
    const char* error;  // a fragment of the ProtocolError's message
    // Whether a lenient parser (a client's reading, http/proto/strictness.hpp) would accept
    // these bytes: then the server's strictness is what refuses them.
    bool lenient_accepts = false;
};

// gtest prints parameters in failures; the name is enough (and the bytes may hold NULs).
inline void PrintTo(const SmugglingCase& c, std::ostream* os) {
    *os << c.name;
}

// The request a lenient reading would find hidden in a case's bytes.
inline const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

inline std::string post(std::string_view fields, std::string_view body = "") {
    return "POST /echo HTTP/1.1\r\nHost: x\r\n" + std::string(fields) + "\r\n" + std::string(body);
}

inline std::string chunked(std::string_view body) {
    return post("Transfer-Encoding: chunked\r\n", body);
}

inline std::string get(std::string_view fields) {
    return "GET / HTTP/1.1\r\nHost: x\r\n" + std::string(fields) + "\r\n";
}

inline std::vector<SmugglingCase> smuggling_cases() {
    const std::string s = kSmuggled;
    const std::string length = std::to_string(kSmuggled.size());  // a body that is exactly `s`
    return {
        // ---- Content-Length and Transfer-Encoding together (CL.TE / TE.CL) -----------------
        {"ContentLengthThenTransferEncoding",
         post("Content-Length: 4\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + s), 400,
         "both Transfer-Encoding and Content-Length"},
        {"TransferEncodingThenContentLength",
         post("Transfer-Encoding: chunked\r\nContent-Length: 40\r\n", "0\r\n\r\n" + s), 400,
         "both Transfer-Encoding and Content-Length"},
        // ---- Content-Length that two parsers could read as two lengths ---------------------
        {"DuplicateIdenticalContentLength",
         post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello" + s), 400,
         "more than one Content-Length header", true},
        {"DifferingContentLengths",
         post("Content-Length: 5\r\nContent-Length: 41\r\n", "hello" + s), 400,
         "more than one Content-Length header"},
        {"ContentLengthList", post("Content-Length: 5, 5\r\n", "hello" + s), 400,
         "(one number, not a list)", true},
        {"ContentLengthWithPlusSign", post("Content-Length: +5\r\n", "hello" + s), 400,
         "invalid Content-Length '+5'"},
        {"ContentLengthWithMinusSign", post("Content-Length: -5\r\n", "hello" + s), 400,
         "invalid Content-Length '-5'"},
        {"ContentLengthInHex", post("Content-Length: 0x5\r\n", "hello" + s), 400,
         "invalid Content-Length '0x5'"},
        {"ContentLengthWithTrailingJunk", post("Content-Length: 5x\r\n", "hello" + s), 400,
         "invalid Content-Length '5x'"},
        {"ContentLengthWithInnerSpace", post("Content-Length: 5 0\r\n", "hello" + s), 400,
         "invalid Content-Length '5 0'"},
        {"ContentLengthOverflow", post("Content-Length: 18446744073709551621\r\n", "hello" + s),
         400, "too large (overflows 64 bits)"},
        // ---- Lines that end, or fold, where another parser sees no line end ----------------
        {"ObsFoldHidingTransferEncoding",
         post("X-A: 1\r\n Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "hello" + s), 400,
         "obs-fold"},
        {"BareLfHidingContentLength", get("Dummy: x\nContent-Length: " + length + "\r\n") + s, 400,
         "bare LF (a line ending without CR) in request head", true},
        {"BareLfHidingTransferEncoding",
         post("Dummy: x\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n", "hello" + s), 400,
         "bare LF"},
        {"BareLfEndingTheRequestLine", "GET / HTTP/1.1\nHost: x\r\n\r\n" + s, 400, "bare LF", true},
        {"BareLfEndingTheHead", "GET / HTTP/1.1\r\nHost: x\r\n\n" + s, 400, "bare LF", true},
        {"BareCrInAFieldValue", get("X-A: 1\rContent-Length: " + length + "\r\n") + s, 400,
         "bare CR"},
        {"BareCrInTheRequestLine", "GET /\r HTTP/1.1\r\nHost: x\r\n\r\n" + s, 400, "bare CR"},
        {"WhitespaceBeforeTheColon", post("Content-Length : 5\r\n", "hello" + s), 400,
         "whitespace between header field name 'Content-Length' and the colon"},
        {"TabBeforeTheColon", post("Transfer-Encoding\t: chunked\r\n", "0\r\n\r\n" + s), 400,
         "whitespace between header field name 'Transfer-Encoding' and the colon"},
        {"WhitespaceBeforeTheFirstField",
         "GET / HTTP/1.1\r\n Content-Length: " + length + "\r\nHost: x\r\n\r\n" + s, 400,
         "line starting with whitespace before the first header field"},
        // ---- Chunk sizes that parse as different numbers, or as none -----------------------
        {"ChunkSizeOverflow", chunked("10000000000000005\r\nhello\r\n0\r\n\r\n" + s), 400,
         "is too large (overflows 64 bits)"},
        {"ChunkSizeWithHexPrefix", chunked("0x5\r\nhello\r\n0\r\n\r\n" + s), 400,
         "unexpected 'x' after the hex digits"},
        {"ChunkSizeWithLeadingSpace", chunked(" 5\r\nhello\r\n0\r\n\r\n" + s), 400,
         "expected hexadecimal digits"},
        {"ChunkSizeWithTrailingSpace", chunked("5 \r\nhello\r\n0\r\n\r\n" + s), 400,
         "unexpected ' ' after the hex digits"},
        {"LastChunkWithTrailingSpaces", chunked("0  \r\n\r\n" + s), 400,
         "unexpected ' ' after the hex digits"},
        {"ChunkSizeWithSpaceBeforeExtension", chunked("5 ;a=b\r\nhello\r\n0\r\n\r\n" + s), 400,
         "no whitespace in chunk lines", true},
        {"ChunkExtensionWithSpaces", chunked("5; a=b\r\nhello\r\n0\r\n\r\n" + s), 400,
         "invalid chunk extension", true},
        {"ChunkSizeWithSign", chunked("+5\r\nhello\r\n0\r\n\r\n" + s), 400,
         "expected hexadecimal digits"},
        {"ChunkSizeLineEndingInBareLf", chunked("5\nhello\r\n0\r\n\r\n" + s), 400,
         "ends in a bare LF"},
        {"ChunkDataEndingInBareLf", chunked("5\r\nhello\n0\r\n\r\n" + s), 400,
         "chunk data not followed by CRLF"},
        {"BareCrInAChunkSizeLine", chunked("5\rX\r\nhello\r\n0\r\n\r\n" + s), 400, "bare CR"},
        {"ChunkLongerThanItsSize", chunked("3\r\nhello\r\n0\r\n\r\n" + s), 400,
         "chunk data not followed by CRLF"},
        {"TrailerLineEndingInBareLf", chunked("0\r\nX-T: 1\n\r\n" + s), 400, "bare LF", true},
        // ---- Transfer-Encoding that does not end in one chunked (TE.TE) --------------------
        {"ChunkedNotLast", post("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n" + s), 400,
         "chunked must be the final transfer-coding"},
        {"IdentityAlone", post("Transfer-Encoding: identity\r\nContent-Length: 5\r\n", "hello" + s),
         400, "both Transfer-Encoding and Content-Length"},
        {"GzipWithoutChunked", post("Transfer-Encoding: gzip\r\n", "0\r\n\r\n" + s), 400,
         "chunked must be the final transfer-coding"},
        {"ChunkedTwice",
         post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n" + s), 400,
         "chunked applied more than once"},
        {"ChunkedMisspelt", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n" + s), 400,
         "chunked must be the final transfer-coding"},
        {"ChunkedWithParameter", post("Transfer-Encoding: chunked;q=1\r\n", "0\r\n\r\n" + s), 400,
         "chunked must be the final transfer-coding"},
        {"EmptyTransferEncoding", post("Transfer-Encoding: \r\n", "0\r\n\r\n" + s), 400,
         "empty Transfer-Encoding header"},
        {"TransferEncodingInHttp10",
         "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + s, 400,
         "Transfer-Encoding in an HTTP/1.0 request"},
        // A valid framing with a coding looplab cannot decode: RFC 9112 6.1's answer is 501.
        {"UnknownCodingBeforeChunked",
         post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n" + s), 501,
         "unsupported transfer-coding 'gzip'"},
        // ---- Bytes no field name or value may hold -----------------------------------------
        {"ControlByteInAFieldName", get("Content\x01Length: " + length + "\r\n") + s, 400,
         "invalid header field name"},
        {"SpaceInAFieldName", get("Content Length: " + length + "\r\n") + s, 400,
         "invalid header field name 'Content Length'"},
        {"NonAsciiFieldName", get("Content-L\xc3\xa9ngth: " + length + "\r\n") + s, 400,
         "invalid header field name"},
        {"NulInAFieldValue",
         get(std::string("X-A: 1") + '\0' + "Content-Length: " + length + "\r\n") + s, 400,
         "NUL byte in request head"},
        {"ControlByteInAFieldValue", get("X-A: 1\x0b\r\n") + s, 400,
         "invalid byte 0x0b in value of header 'X-A'"},
        {"DelInAFieldValue", get("X-A: 1\x7f\r\n") + s, 400,
         "invalid byte 0x7f in value of header 'X-A'"},
        {"InvalidHostValue", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n" + s, 400, "invalid Host header"},
        {"TwoHosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" + s, 400,
         "more than one Host header"},
        // ---- Request targets that split differently ----------------------------------------
        {"SpaceInTheTarget", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n" + s, 400,
         "malformed request line"},
        {"TabInTheTarget", "GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n" + s, 400,
         "invalid byte 0x09 in request target"},
        {"ControlByteInTheTarget", "GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n" + s, 400,
         "invalid byte 0x01 in request target"},
        {"NonAsciiTarget", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n" + s, 400,
         "invalid byte 0xc3 in request target"},
        {"TwoSpacesBeforeTheTarget", "GET  / HTTP/1.1\r\nHost: x\r\n\r\n" + s, 400,
         "empty request target"},
        {"SpaceAfterTheVersion", "GET / HTTP/1.1 \r\nHost: x\r\n\r\n" + s, 400,
         "malformed request line"},
    };
}

}  // namespace looplab::http::testing
