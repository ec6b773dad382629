// http/server/demo_routes.hpp: the endpoints every demo and test talks to.
//
// The seeds' servers (a Flask app that sleeps 0.1 s; jsonplaceholder; httpbin-like pages),
// rebuilt on looplab's own server so the demos need nothing installed:
//   GET  /               "Hello World!" (seed 000's Flask answer)
//   GET  /delay/<ms>     waits <ms> milliseconds, then "Hello World!"; the wait is a
//                        co_await sleep, so the server keeps serving others meanwhile
//   GET  /bytes/<n>      n bytes (a repeating pattern), Content-Length
//   GET  /chunked/<n>    n bytes, Transfer-Encoding: chunked
//   GET  /status/<code>  an empty response with that status (100..599 not 1xx)
//   GET  /redirect/<n>   302 to /redirect/<n-1>; /redirect/0 answers "redirected"
//   POST /echo           the request body back
#pragma once

#include "http/server/router.hpp"

namespace looplab::http {

Router demo_routes();

// The bytes /bytes/<n> and /chunked/<n> send: byte i is 'a' + i % 26. Tests check bodies
// against this.
std::string demo_bytes(std::size_t n);

}  // namespace looplab::http
