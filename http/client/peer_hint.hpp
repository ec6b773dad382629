// http/client/peer_hint.hpp: what a response head that is not HTTP/1.x says about the peer,
// and the one message both clients give for a head they could not parse.
//
// curl:  "Received HTTP/0.9 when not allowed" for a TLS port spoken to in plain text, and
//        "Unsupported HTTP version in response" / "HTTP/2 stream 0 was not closed cleanly";
//        browsers: "This site can't provide a secure connection" (ERR_SSL_PROTOCOL_ERROR).
// aiohttp: ClientResponseError "400, message='Invalid HTTP response'", the parser's detail.
//
// Why: the parser's detail is true and useless. An https port answers an HTTP/1.1 request
// with a TLS alert record (0x15 0x03 ...) or a handshake record (0x16 0x03 ...), which the
// parser reports as "NUL byte in response head"; an HTTP/2-only server (h2c with prior
// knowledge, or an h2 port) answers with its connection preface, a SETTINGS frame, which
// reads as binary garbage or a head cut short. Both are recognisable from the first bytes,
// and each has one fix the user can act on (use https://; use an HTTP/1.1 endpoint), so the
// message names the peer and the fix, and keeps the parser's detail at the end.
//
// Recognised (first_bytes: the first bytes the server sent for this request, up to
// kPeerHintBytes, as both clients keep them):
//   - a TLS record: content type 21 (alert) or 22 (handshake), then major version 3;
//   - the HTTP/2 client preface "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" (RFC 9113 3.4; a server
//     should never send it, but a peer that echoes or proxies it is HTTP/2 all the same);
//   - an HTTP/2 frame header of a SETTINGS frame on stream 0 (RFC 9113 4.1, 6.5): 24-bit
//     length (a multiple of 6), type 0x4, flags 0 or ACK, stream identifier 0. The server's
//     preface is exactly such a frame, and it is the first thing an HTTP/2 server sends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/proto/url.hpp"

namespace looplab::http::detail {

// How many of the answer's first bytes the clients keep for peer_kind (a frame header is 9,
// the preface's first line 14).
inline constexpr std::size_t kPeerHintBytes = 16;

enum class PeerKind { unknown, tls, http2 };

// What the first bytes of an answer (see the header comment) say the peer speaks; unknown if
// they look like neither TLS nor HTTP/2 (or are too few to tell).
PeerKind peer_kind(std::string_view first_bytes) noexcept;

// The parser's detail when the clients give up on a head as soon as peer_kind knows it is not
// HTTP/1.x: an HTTP/2 server may send its SETTINGS frame and wait (no line ever ends, so the
// parser would wait with it, until a timeout that names the wrong thing).
inline constexpr std::string_view kNotHttp1 = "the response does not start with HTTP/1.x";

// The message for a response head the parser refused with `detail` (ProtocolError::what):
// "the server at <origin> answered with TLS, not HTTP: use https://<host>:<port>/..." (the
// port spelled out: it is this port that speaks TLS) or "the server at
// <origin> speaks HTTP/2 only ...", else "malformed response from <url>: <detail>".
std::string malformed_head_message(const Url& url, std::string_view detail,
                                   std::string_view first_bytes);

}  // namespace looplab::http::detail
