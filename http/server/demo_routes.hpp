// http/server/demo_routes.hpp: the endpoints every demo and test talks to.
//
// The seeds' servers (a Flask app that sleeps 0.1 s; jsonplaceholder; httpbin-like pages),
// rebuilt on looplab's own server so the demos need nothing installed:
//   GET  /               "Hello World!" (seed 000's Flask answer)
//   GET  /delay/{ms}     waits <ms> milliseconds, then "Hello World!"; the wait is a
//                        co_await sleep, so the server keeps serving others meanwhile
//   GET  /bytes/{n}      n bytes (a repeating pattern), Content-Length
//   GET  /chunked/{n}    n bytes, Transfer-Encoding: chunked
//   GET  /status/{code}  an empty response with that status (200..599)
//   GET  /redirect/{n}   302 to /redirect/<n-1>; /redirect/0 answers "redirected"
//   POST /echo           the request body back (read whole first, up to the body limit)
//   POST /upload         streams the body (RouteOptions::stream_body) and answers how many
//                        bytes arrived: up to the body limit (limits.max_body_size), never
//                        holding more than BodyStream's 64 KiB of it
// /bytes and /chunked are StreamResponses that make their bytes as they write them: 60 MB to
// a client that does not read costs the server one write mark, not 60 MB (issue 19).
#pragma once

#include "http/server/router.hpp"

namespace looplab::http {

Router demo_routes();

// The bytes /bytes/<n> and /chunked/<n> send: byte i is 'a' + i % 26. Tests check bodies
// against this.
std::string demo_bytes(std::size_t n);

}  // namespace looplab::http
