// http/server/router.hpp: which handler answers which method and path, and what the server says
// when none does.
//
// aiohttp: aiohttp.web.UrlDispatcher (app.router.add_get("/delay/{ms}", handler)), whose
//          resolve() returns a match info that is either a route or an HTTPNotFound /
//          HTTPMethodNotAllowed to raise.
//
// Deliberately small: a route is a method and either an exact path ("/") or a prefix ending
// in '/' ("/delay/"), whose remainder the handler reads from request.path. Routes are tried in
// the order they were added. resolve() is separate from running the handler because the
// server needs the answer before it reads the body: whether to send 100 Continue depends on
// whether a handler will read it (RFC 9110 10.1.1).
//
// When no route serves the request, the answer follows RFC 9110:
//   - 501 for a method the server does not know at all (15.6.2): neither one of RFC 9110's
//     methods (or PATCH) nor one a route was added for;
//   - 501 too for CONNECT (authority-form, no path): tunnels are a proxy's business;
//   - 404 when no route has the path;
//   - 405 with Allow when routes have the path with other methods (15.5.6); Allow lists HEAD
//     wherever GET is (a GET route serves HEAD too) and OPTIONS everywhere (answered here);
//   - OPTIONS without a route of its own: 200 with Allow for the path, and for "OPTIONS *"
//     (asterisk-form, "the server as a whole", 9.3.7) every method any route takes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/server/server_request.hpp"

namespace looplab::http {

// What resolve() found: a handler to run, or the answer to send instead.
struct RouteMatch {
    // The route's handler; null when `answer` is the response. Points into the Router, which
    // must outlive the match (a server's router lives as long as the server).
    const Handler* handler = nullptr;
    ServerResponse answer;
};

class Router {
public:
    // pattern: "/exact" or "/prefix/" (a prefix match; the rest of the path is the argument).
    Router& add(std::string method, std::string pattern, Handler handler);
    Router& get(std::string pattern, Handler handler) {
        return add("GET", std::move(pattern), std::move(handler));
    }
    Router& post(std::string pattern, Handler handler) {
        return add("POST", std::move(pattern), std::move(handler));
    }

    // The route for request.method and request.path ("*" for OPTIONS *), or the answer when
    // there is none (see the header). HEAD is served by the GET route; the server drops the
    // body.
    RouteMatch resolve(const ServerRequest& request) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        Handler handler;
        bool matches_path(std::string_view path) const;
    };
    bool knows_method(std::string_view method) const;
    // "GET, HEAD, OPTIONS": the methods of the routes for `path` (every route for "*").
    std::string allowed_methods(std::string_view path) const;

    std::vector<Route> routes_;
};

// The part of `path` after `prefix` ("/delay/100", "/delay/" -> "100").
std::string_view path_argument(std::string_view path, std::string_view prefix);

}  // namespace looplab::http
