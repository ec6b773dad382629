// http/server/response_writer.hpp: a handler's ServerResponse as the bytes of an HTTP/1.1
// response: the head with the fields the server owes every response, then the body, framed the
// way the request can take it.
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
//     for HTTP/1.0 the body goes with a Content-Length;
//   - no body, and no framing field, for 1xx, 204 and 304; a HEAD response announces the length
//     a GET would get (9110 9.3.2) and sends no body.
#pragma once

#include <string>
#include <string_view>

#include "http/proto/message.hpp"
#include "http/server/server_request.hpp"

namespace looplab::http {

// What the writer needs to know about the request and the connection.
struct ResponseContext {
    std::string_view method;  // the request's method ("" when answering a malformed request)
    HttpVersion version;      // the request's version (1.1 when there was no readable request)
    bool keep_alive = false;  // the connection stays open after this response
    std::string_view date;    // the Date value: DateCache::now()
};

// Appends `response` to `out`. Sets Date and Server (unless the handler did) and Connection in
// response.headers. Throws std::invalid_argument for a field the serialiser refuses.
void write_server_response(std::string& out, ServerResponse& response,
                           const ResponseContext& context);

// "HTTP/1.1 100 Continue\r\n\r\n": the interim answer to Expect: 100-continue.
std::string_view continue_response();

}  // namespace looplab::http
