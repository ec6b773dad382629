// http/server/middlewares.hpp: three middlewares most aiohttp.web applications write first:
// logging, timing and error pages.
//
// aiohttp: @web.middleware (the docs' examples: an error-page middleware catching
//          HTTPException, a timing middleware), aiohttp_remotes and aiohttp-devtools' loggers
//
//     router.use(http::timing()).use(http::error_pages());
//
// Each is a plain Middleware (server_request.hpp) built from the public API only: they show
// how to write one as much as they are useful. Order matters: the first added is the
// outermost, so timing() added first also times the error page.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "http/server/server_request.hpp"

namespace looplab::http {

// Calls `sink` with one line per request once its handler returns: "GET /path -> 200 (1.2 ms)".
// (For a log file in the common log format use HttpServerOptions::access_log, which also sees
// the bytes actually sent.)
Middleware logging(std::function<void(std::string_view line)> sink);

// Adds "Server-Timing: handler;dur=<ms>" (W3C Server Timing: browsers' dev tools show it), the
// time from the request's dispatch to the handler's return. For a StreamResponse the head is
// sent before the handler returns, so there it is not added.
Middleware timing();

// Error pages: a 4xx or 5xx response with an empty or text/plain body gets a small HTML page
// naming its status, and a handler's exception becomes a 500 page (the server would answer a
// plain-text 500 otherwise; the exception still goes to the loop's exception handler).
Middleware error_pages();

}  // namespace looplab::http
