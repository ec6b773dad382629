// http/proto/detail/body_framing.hpp: how long a message's body is, decided from its head alone.
//
// h11:     _body_framing() in h11/_connection.py
// RFC:     9112 section 6.3, "Message Body Length", whose numbered rules the code follows
//
// Framing is the security-critical decision in HTTP/1.1: if two parsers on a path disagree on
// where a body ends, the bytes after it are a second, smuggled message to one of them. So every
// ambiguity RFC 9112 allows a recipient to reject is rejected here, for responses as well as
// requests (where RFC 9112 only says a client "ought to" treat them as errors):
//   - Transfer-Encoding together with Content-Length (RFC 9112 6.1 / 6.3 rule 3)
//   - Transfer-Encoding in an HTTP/1.0 message (RFC 9112 6.1: framing "faulty")
//   - any transfer-coding other than a single "chunked" (looplab decodes no others: 501), and
//     "chunked" that is not the last coding (400); a response may put gzip, x-gzip, deflate or
//     br before its chunked, which the client decodes (http/codings/), the parser only un-chunks
//   - Content-Length that is not digits, overflows 64 bits, or lists differing values; and,
//     when strict, any repetition at all, two fields or a list ("5, 5"), which RFC 9110 8.6
//     lets a recipient either reject or read as one value (a lenient reader does the latter)
#pragma once

#include <cstdint>
#include <string_view>

#include "http/proto/limits.hpp"
#include "http/proto/message.hpp"
#include "http/proto/strictness.hpp"

namespace looplab::http::detail {

struct BodyFraming {
    enum class Kind {
        none,         // no body at all: HEAD, 1xx, 204, 304, a request without either header
        length,       // exactly `length` bytes (Content-Length)
        chunked,      // chunked transfer-coding, ends at the last-chunk and trailers
        until_close,  // a response body that ends when the server closes (RFC 9112 6.3 rule 8)
        switched,     // no body, and the bytes after the head belong to another protocol
                      // (101 Switching Protocols, a 2xx answer to CONNECT)
    };
    Kind kind = Kind::none;
    std::uint64_t length = 0;  // for Kind::length
};

// The framing of a request body (RFC 9112 6.3 rules 3-6). Throws ProtocolError: 400, 501 for
// an unknown transfer-coding, 413 when Content-Length exceeds limits.max_body_size.
BodyFraming request_body_framing(const RequestHead& head, const ParserLimits& limits,
                                 Strictness strictness);

// The framing of a response body to a request made with `request_method` (RFC 9112 6.3 rules
// 1-8). Throws ProtocolError as above.
BodyFraming response_body_framing(const ResponseHead& head, std::string_view request_method,
                                  const ParserLimits& limits, Strictness strictness);

}  // namespace looplab::http::detail
