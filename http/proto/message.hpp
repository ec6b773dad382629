// http/proto/message.hpp: what a parsed request head and response head hold, and HTTP/1.1's rule
// for whether a connection outlives a message.
//
// h11:     h11.Request / h11.Response / h11.InformationalResponse (method, target,
//          http_version, status_code, reason, headers)
// aiohttp: RawRequestMessage / RawResponseMessage from aiohttp.http_parser
//
// Heads own their strings. A head is produced once per message and is usually kept past the
// next read (a client hands the response object to user code while the body streams), so views
// into the receive buffer would put a lifetime trap on the common case to save a few small
// copies per message; the bytes that matter for throughput, the body, are handed out as views
// (http/proto/events.hpp).
#pragma once

#include <string>

#include "http/proto/headers.hpp"

namespace looplab::http {

// "HTTP/1.1" as numbers. The parsers accept HTTP/1.0 and HTTP/1.1 (and treat a later 1.x as
// 1.1, RFC 9112 2.3); anything else is rejected before a head exists.
struct HttpVersion {
    int major = 1;
    int minor = 1;

    friend bool operator==(const HttpVersion&, const HttpVersion&) = default;
};

// Which side of the conversation a parser reads; the rules differ in a few places (obs-fold,
// close-delimited bodies, a missing Host).
enum class MessageKind { request, response };

// Whether a message with this version and these headers lets the connection carry another
// message afterwards (RFC 9112 9.3): a "close" token in Connection always ends it; otherwise
// HTTP/1.1 persists by default and HTTP/1.0 persists only with a "keep-alive" token. Tokens are
// comma-separated and case-insensitive, across every Connection field.
//
// This is the head's opinion only. The parsers' keep_alive() also accounts for framing: a
// response whose body runs until close cannot be followed by anything.
bool keep_alive(HttpVersion version, const Headers& headers);

struct RequestHead {
    std::string method;  // a token, case-sensitive: "GET" and "get" are different methods
    std::string target;  // as sent: "/path?q", "http://host/path", "host:443" or "*"
    HttpVersion version;
    Headers headers;

    bool keep_alive() const { return http::keep_alive(version, headers); }
};

struct ResponseHead {
    HttpVersion version;
    int status = 200;    // three digits, 100..999
    std::string reason;  // may be empty; never interpreted (RFC 9112 4)
    Headers headers;

    bool keep_alive() const { return http::keep_alive(version, headers); }
};

}  // namespace looplab::http
