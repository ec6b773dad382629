// http/proto/detail/start_line.hpp: the first line of a message, split into its parts and checked.
//
// h11: the request_line / status_line regexes of h11/_abnf.py and their use in _readers.py
//
//   request-line = method SP request-target SP HTTP-version        (RFC 9112 3)
//   status-line  = HTTP-version SP status-code SP [ reason-phrase ] (RFC 9112 4)
//
// Exactly one SP between parts: RFC 9112 lets a recipient split on any whitespace, but the
// lenient reading is the one request smuggling depends on, and real clients send single
// spaces. One leniency is kept for responses: "HTTP/1.1 200" without the SP before an empty
// reason, which servers do send.
#pragma once

#include <string_view>

#include "http/proto/message.hpp"

namespace looplab::http::detail {

// Fills method, target and version; headers are left empty. Throws ProtocolError (400, or 505
// for a version other than 1.x) naming what was wrong.
RequestHead parse_request_line(std::string_view line);

// Fills version, status and reason; headers are left empty. Throws ProtocolError.
ResponseHead parse_status_line(std::string_view line);

// "HTTP/1.0" / "HTTP/1.1" (a later 1.x is read as itself and treated like 1.1). Throws
// ProtocolError: 400 if it is not HTTP-version syntax, 505 for another major version.
HttpVersion parse_http_version(std::string_view text);

}  // namespace looplab::http::detail
