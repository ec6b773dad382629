// http/server/response_writer.hpp: the head of an HTTP/1.1 response, with the fields the
// server owes every response, and the framing its body gets; and a whole small response as
// bytes.
//
// aiohttp: web_response.StreamResponse._prepare_headers / _start (Date, Server, Connection,
//          Content-Length or chunked, the HEAD and HTTP/1.0 cases)
//
// The rules, each from RFC 9110 / 9112:
//   - Date on every final response (6.6.1), Server unless the handler set one (10.2.4);
//   - Connection: close when the connection ends after this response; Connection: keep-alive
//     when an HTTP/1.0 client asked to keep it and it is kept (9112 9.3: HTTP/1.0 persists
//     only when both sides say so; ab -k waits for a close without it);
//   - chunked only for HTTP/1.1 requests (9112 7: an HTTP/1.0 recipient cannot decode it):
//     for HTTP/1.0 a body of unknown length is delimited by closing the connection (9112 6.3
//     rule 8), so that response cannot be kept alive;
//   - no body, and no framing field, for 1xx, 204 and 304; a HEAD response announces the length
//     a GET would get (9110 9.3.2) and sends no body.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http/proto/message.hpp"
#include "http/server/server_request.hpp"

namespace looplab::http {

// What the writer needs to know about the request and the connection.
struct ResponseContext {
    std::string_view method;  // the request's method ("" when answering a malformed request)
    HttpVersion version;      // the request's version (1.1 when there was no readable request)
    bool keep_alive = false;  // the connection may stay open after this response
    std::string_view date;    // the Date value: DateCache::now()
};

// How a response's body travels after its head.
struct BodyFraming {
    enum class Kind { none, length, chunked, until_close };
    Kind kind = Kind::none;
    bool sends_body = false;  // false: HEAD, 1xx, 204, 304; body bytes are counted, not sent
    bool keep_alive = false;  // what the head said (until_close forces false)
};

// The framing a response gets: `length` known (Content-Length) or not (chunked for HTTP/1.1,
// until_close for HTTP/1.0).
BodyFraming choose_framing(int status, std::optional<std::uint64_t> length,
                           const ResponseContext& context);

// Appends the head of a response framed as `framing` (from choose_framing) to `out`. Sets
// Date and Server (unless the handler did) and Connection in `headers`. Throws
// std::invalid_argument for a field the serialiser refuses.
void write_server_head(std::string& out, int status, Headers& headers,
                       std::optional<std::uint64_t> length, const BodyFraming& framing,
                       const ResponseContext& context);

// Appends the whole of `response` (head and body) to `out`: for small responses written at
// once. Returns the framing used.
BodyFraming write_server_response(std::string& out, ServerResponse& response,
                                  const ResponseContext& context);

// "HTTP/1.1 100 Continue\r\n\r\n": the interim answer to Expect: 100-continue.
std::string_view continue_response();

}  // namespace looplab::http
