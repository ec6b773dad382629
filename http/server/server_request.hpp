// http/server/server_request.hpp: what a server handler receives and what it returns.
//
// aiohttp: aiohttp.web.Request (match_info, content, read()) and aiohttp.web.Response; the
//          handler and middleware signatures of aiohttp.web.
//
// A handler is a coroutine: it may await (sleep, a database, another HTTP call) without
// blocking the server's loop, which keeps serving every other connection meanwhile. It answers
// in one of two ways:
//   - it returns a ServerResponse with the whole body (web.Response): the server frames it
//     and hands it to the connection in pieces, with flow control;
//   - it streams (web.StreamResponse, stream_response.hpp): prepare() sends the head,
//     write() sends body bytes as they are made and waits while the client is not taking
//     them, and the handler returns StreamResponse::finished(). Memory stays bounded whatever
//     the body's size.
// The request body is read completely before the handler runs (bounded by the server's body
// limit), unless the route was added with stream_body: then the handler runs as soon as the
// head is read and reads the body from request.content (body_stream.hpp), as aiohttp's
// request.content. A client that sent "Expect: 100-continue" is told to send the body once
// the router has found the handler.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "http/proto/headers.hpp"
#include "http/proto/message.hpp"
#include "runtime/coro.hpp"

namespace looplab::http {

class BodyStream;       // body_stream.hpp
class ResponseChannel;  // response_channel.hpp

struct ServerRequest {
    std::string method;
    std::string target;  // as sent: "/path?q", "http://host/path?q", "*" or "host:port"
    // What routes match: the target's path ("/path", also for an absolute-form target, whose
    // scheme and host are dropped; "/" at least), "*" for OPTIONS *, empty for CONNECT's
    // host:port (http/server/request_target.hpp).
    std::string path;
    std::string query;  // after '?', without it
    HttpVersion version;
    Headers headers;
    std::string body;  // the whole body; empty for a stream_body route (read `content`)
    std::string peer;  // "127.0.0.1:52144"
    // The route's path parameters (aiohttp: request.match_info): "/users/{id}" matched by
    // "/users/7" gives {"id", "7"}. Values are the path's bytes as sent (not percent-decoded).
    std::map<std::string, std::string, std::less<>> match_info;
    // A stream_body route's body, piece by piece; null for every other route. Valid while the
    // handler runs.
    BodyStream* content = nullptr;
    // Where a StreamResponse writes: the connection's response half. Null outside a server.
    ResponseChannel* channel = nullptr;

    // match_info's value for `name`, or "" if the route has no such parameter.
    std::string_view param(std::string_view name) const {
        auto it = match_info.find(name);
        return it == match_info.end() ? std::string_view{} : std::string_view(it->second);
    }
};

struct ServerResponse {
    int status = 200;
    Headers headers;
    std::string body;
    // Send the body with Transfer-Encoding: chunked (in pieces of chunk_size bytes) instead of
    // Content-Length.
    bool chunked = false;
    std::size_t chunk_size = 4096;
    // The handler already sent this response through a StreamResponse (finished() sets it):
    // the server sends nothing more.
    bool streamed = false;

    static ServerResponse text(int status, std::string body);
};

using Handler = std::function<Coro<ServerResponse>(ServerRequest&)>;

// Runs around every request (aiohttp: @web.middleware async def m(request, handler)): calls
// next(request) to go on to the next middleware and finally the route (or the router's own
// answer: 404, 405, ...), and may change the request before, the response after, or answer
// alone. Middlewares run in the order they were added; the first one added is the outermost.
using Middleware = std::function<Coro<ServerResponse>(ServerRequest&, const Handler& next)>;

}  // namespace looplab::http
