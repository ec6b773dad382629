// http/server/router.hpp: which handler answers which method and path, what runs around every
// handler, and what the server says when no route fits.
//
// aiohttp: aiohttp.web.UrlDispatcher (app.router.add_get("/users/{id}", handler),
//          add_static), whose resolve() returns a match info that is either a route or an
//          HTTPNotFound / HTTPMethodNotAllowed to raise; app.middlewares.
//
// A route is a method and a pattern, tried in the order they were added:
//   "/exact"             that path only
//   "/prefix/"           every path that starts so (the handler reads the rest with
//                        path_argument)
//   "/users/{id}"        a parameter matches one non-empty segment: request.param("id")
//   "/files/{path:.*}"   a parameter with ":.*", last, matches the rest, '/' included
// (aiohttp's spelling; other regular expressions are not supported). resolve() is separate
// from running the handler because the server needs the answer before it reads the body:
// whether to send 100 Continue depends on whether a handler will read it (RFC 9110 10.1.1),
// and a stream_body route starts its handler before the body arrives.
//
// Middlewares (use()) wrap every request, the router's own answers included, so a middleware
// that draws error pages sees the 404s too (middlewares.hpp has logging, timing and error
// pages). Without middlewares the router's answers are written at once, no task at all.
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

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/server/server_request.hpp"

namespace looplab::http {

struct RouteOptions {
    // Run the handler as soon as the head is read, and hand it the body through
    // request.content (body_stream.hpp) instead of reading it whole first.
    bool stream_body = false;
};

// What resolve() found: a handler to run, or the answer to send instead.
struct RouteMatch {
    // The route's handler; null when `answer` is the response. Points into the Router, which
    // must outlive the match (a server's router lives as long as the server).
    const Handler* handler = nullptr;
    ServerResponse answer;
    std::map<std::string, std::string, std::less<>> match_info;  // the path's parameters
    bool stream_body = false;
};

class Router {
public:
    // Throws std::invalid_argument for a pattern that does not start with '/', or with an
    // unclosed '{', an empty name, or ":.*" anywhere but the last segment.
    Router& add(std::string method, std::string pattern, Handler handler,
                RouteOptions options = {});
    Router& get(std::string pattern, Handler handler) {
        return add("GET", std::move(pattern), std::move(handler));
    }
    Router& post(std::string pattern, Handler handler, RouteOptions options = {}) {
        return add("POST", std::move(pattern), std::move(handler), options);
    }
    // GET (and HEAD) of the files under `directory` at `prefix` + their relative path
    // (aiohttp: add_static; static_files.hpp says what is served and how, and
    // static_files.cpp defines it, so this unit need not include the static files).
    Router& add_static(std::string prefix, std::filesystem::path directory);
    // Adds a middleware; the first added runs outermost.
    Router& use(Middleware middleware);

    // The route for request.method and request.path ("*" for OPTIONS *), or the answer when
    // there is none (see the header). HEAD is served by the GET route; the server drops the
    // body.
    RouteMatch resolve(const ServerRequest& request) const;

    bool has_middlewares() const noexcept { return !middlewares_.empty(); }
    // Runs the middlewares from `first` on, then the match's handler or its answer.
    Coro<ServerResponse> dispatch(ServerRequest& request, const RouteMatch& match,
                                  std::size_t first = 0) const;

private:
    struct Segment {
        enum class Kind { literal, parameter, rest };
        Kind kind;
        std::string text;  // the literal, or the parameter's name
    };
    struct Route {
        std::string method;
        std::string pattern;
        Handler handler;
        RouteOptions options;
        std::vector<Segment> segments;  // empty for exact and prefix patterns
        bool matches(std::string_view path,
                     std::map<std::string, std::string, std::less<>>* params) const;
    };
    static std::vector<Segment> parse_pattern(const std::string& pattern);
    bool knows_method(std::string_view method) const;
    // "GET, HEAD, OPTIONS": the methods of the routes for `path` (every route for "*").
    std::string allowed_methods(std::string_view path) const;

    std::vector<Route> routes_;
    std::vector<Middleware> middlewares_;
};

// The part of `path` after `prefix` ("/delay/100", "/delay/" -> "100").
std::string_view path_argument(std::string_view path, std::string_view prefix);

}  // namespace looplab::http
