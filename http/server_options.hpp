// http/server_options.hpp: the knobs of looplab's HTTP server, with safe defaults.
//
// aiohttp: web.AppRunner / web.Server arguments (keepalive_timeout=75, client_max_size=1 MiB,
//          max_line_size, max_field_size); nginx: client_header_timeout, keepalive_timeout.
#pragma once

#include <chrono>
#include <cstddef>

#include "http/limits.hpp"
#include "runtime/clock.hpp"

namespace looplab::http {

struct HttpServerOptions {
    // Head and body size limits (a body over max_body_size gets 413, a head over its limits
    // 431 / 414, anything malformed 400).
    ParserLimits limits = ParserLimits::for_requests();
    // From the connection's start, or a request's first byte, to the end of that request's
    // head. A client that trickles its head slower (slowloris) gets 408 and is disconnected.
    Duration header_read_timeout = std::chrono::seconds(10);
    // How long a kept-alive connection may sit idle between requests before it is closed.
    Duration keepalive_timeout = std::chrono::seconds(75);
    // Connections served at once. One more is accepted, answered 503 with
    // "Connection: close", and closed: the client learns why instead of hanging in the
    // listen backlog. (Stop-accepting would be the alternative; it hides the cause.)
    std::size_t max_connections = 100'000;
    // Passed to listen(); the accept batch per readiness event is the same size.
    int backlog = 1024;
    bool reuse_port = false;
};

}  // namespace looplab::http
