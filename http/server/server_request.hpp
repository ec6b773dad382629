// http/server/server_request.hpp: what a server handler receives and what it returns.
//
// aiohttp: aiohttp.web.Request and aiohttp.web.Response.
//
// A handler is a coroutine: it may await (sleep, a database, another HTTP call) without
// blocking the server's loop, which keeps serving every other connection meanwhile. The
// request body is read completely before the handler runs (bounded by the server's body
// limit), so a handler never has to think about framing; a client that sent "Expect:
// 100-continue" is told to send the body once the router has found the handler.
#pragma once

#include <functional>
#include <string>

#include "http/proto/headers.hpp"
#include "http/proto/message.hpp"
#include "runtime/coro.hpp"

namespace looplab::http {

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
    std::string body;
    std::string peer;  // "127.0.0.1:52144"
};

struct ServerResponse {
    int status = 200;
    Headers headers;
    std::string body;
    // Send the body with Transfer-Encoding: chunked (in pieces of chunk_size bytes) instead of
    // Content-Length.
    bool chunked = false;
    std::size_t chunk_size = 4096;

    static ServerResponse text(int status, std::string body);
};

using Handler = std::function<Coro<ServerResponse>(ServerRequest&)>;

}  // namespace looplab::http
