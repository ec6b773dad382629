// http/client/hop.hpp: one hop of a request (its first URL, or one redirect's target), as both
// clients see it: what is sent, how a redirect moves it on, and how one attempt at it ends.
//
// aiohttp: the state ClientSession._request carries through its redirect loop (method, url,
//          headers, data, rebound at each redirect) and its one retry of an idempotent request
//          on a kept-alive connection that turned out closed (RFC 9112 9.3.1).
// requests: PreparedRequest, rebuilt by resolve_redirects for each hop.
//
// Why shared: the blocking client (blocking_client.hpp) and ClientSession (client_session.hpp)
// differ only in their I/O. What a hop is, which requests announce a body, and what a stale
// connection means are one rule each, written here once.
//
// A stale connection is an expected outcome, not an error: a server may close a kept-alive
// connection at any moment, and the client only learns it when the next request meets the
// closed socket. So one attempt returns Attempt<Response>, the response or a StaleConnection,
// and the retry rule reads as a plain `if` at the one place that decides (each client's send):
//
//     attempt 1 (may take an idle, kept-alive connection)
//       |-- a response, or any error -------------> returned / thrown as it is
//       '-- StaleConnection (only a reused connection can be stale)
//             |-- not idempotent --> ServerDisconnectedError (the server may have acted on
//             |                      a POST: it is never resent)
//             '-- idempotent ------> attempt 2, on a new connection: not reused, so never
//                                    stale; its response or error is final
#pragma once

#include <exception>
#include <string>
#include <string_view>
#include <variant>

#include "http/client/client_errors.hpp"
#include "http/client/redirects.hpp"
#include "http/proto/headers.hpp"
#include "http/proto/url.hpp"

namespace looplab::http::detail {

// Whether a request's head announces a body (Content-Length): any request with a body, and
// POST, PUT and PATCH even with an empty one, since their methods define a meaning for content
// (RFC 9110 8.6: then a user agent should send Content-Length; servers may answer a POST
// without it with 411 Length Required).
bool sends_body(std::string_view method, std::string_view body);

// The request head's fields, the same in both clients: merge_headers (default_headers.hpp:
// the session's defaults, the request's own, User-Agent and Accept) and, when the client
// decodes bodies, Accept-Encoding unless given. aiohttp and requests send all three too.
Headers request_headers(const Headers& defaults, const Headers& request, bool accept_encoding);
// `request` plus "Accept-Encoding: gzip, deflate[, br]" when the client decodes bodies and the
// request names no encoding of its own (what request_headers adds; the blocking client's own).
Headers with_accept_encoding(Headers request, bool accept_encoding);

// What one hop sends. The redirect loop of each client keeps one Hop and moves it along.
struct Hop {
    std::string method;
    Url url;
    Headers headers;  // the request's own (ClientSession: merged with its defaults)
    std::string body;
    // The session's cookies for this hop's URL (CookieJar::cookie_header), set afresh before
    // each hop: a redirect to another path or host gets that URL's cookies, never the last's.
    std::string cookies;

    // Appends the request head (Host from the URL, Content-Length when sends_body, the jar's
    // cookies after any Cookie header of the request's own) to `out`;
    // the body is the caller's to append, as it may send a large one on its own.
    void write_head(std::string& out) const;
    // Whether our own headers allow the connection to carry another request afterwards
    // (false once we send "Connection: close").
    bool asks_keep_alive() const;
    // Moves on to a redirect's target: its URL and method, no body unless it keeps it, and no
    // credentials if it leads to another origin (redirects.hpp).
    void follow(Redirect next);
};

// A reused keep-alive connection that was dead before the first byte of the response arrived.
// `cause` is what the write or the read met (null when the peer just closed).
struct StaleConnection {
    std::exception_ptr cause;
};

// How one attempt at a hop, on one connection, ended. Every other failure is thrown.
template <class Response>
using Attempt = std::variant<Response, StaleConnection>;

// The error when a stale connection may not be retried (`hop.method` is not idempotent).
ServerDisconnectedError not_retried(const Hop& hop, const StaleConnection& stale);

}  // namespace looplab::http::detail
