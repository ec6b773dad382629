// http/proto/strictness.hpp: which of RFC 9112's tolerances a parser grants the bytes it reads.
//
// llhttp:  the lenient flags (llhttp_set_lenient_optional_cr_before_lf, ..._chunked_length)
// h11:     strict everywhere (it is used on both sides, and chose the safe reading for both)
//
// Framing is where request smuggling lives: when two parsers on a path (a proxy, then a server)
// read the same bytes and disagree on where a message ends, the bytes after it are a second
// request to one of them and part of a body to the other. A server is such a hop, or sits
// behind one, so it must accept only the one reading every parser agrees on. A client is the
// last reader of a response: nothing after it parses the same bytes, so where RFC 9112 says a
// recipient MAY accept something, a client can, and real servers do send it.
//
// The two settings differ in exactly these places, each decided (with its RFC clause) where
// the code reads it:
//   - a bare LF ending a head or trailer line (RFC 9112 2.2: a recipient MAY accept it):
//     strict rejects, lenient accepts (head_reader.cpp);
//   - whitespace (BWS) in a chunk-size line, before ';' and around '=' (RFC 9112 7.1.1 allows
//     it, RFC 9110 5.6.3 forbids senders to generate it): strict rejects, lenient accepts
//     (chunked_decoder.cpp);
//   - Content-Length repeated with identical values, in two fields or as a list "5, 5"
//     (RFC 9110 8.6: a recipient MAY accept it as one value): strict rejects, lenient accepts
//     (body_framing.cpp).
// Everything else RFC 9112 asks a recipient to reject is rejected whatever the setting: bare
// CR, NUL, whitespace before a colon, obs-fold in a request, a bare LF in a chunk line or after
// chunk data (2.2's MAY covers only the start line and fields), Transfer-Encoding with
// Content-Length or in HTTP/1.0, and chunked that is not the last coding.
#pragma once

#include "http/proto/message.hpp"

namespace looplab::http {

enum class Strictness {
    strict,   // a server's reading: one spelling of every framing element, CRLF only
    lenient,  // a client's reading: also what RFC 9112 lets a final recipient accept
};

// Requests are read by servers, responses by clients: what RequestParser and ResponseParser
// use unless told otherwise.
constexpr Strictness default_strictness(MessageKind kind) {
    return kind == MessageKind::request ? Strictness::strict : Strictness::lenient;
}

}  // namespace looplab::http
