// http/server/router.hpp: which handler answers which method and path.
//
// aiohttp: aiohttp.web.UrlDispatcher (app.router.add_get("/delay/{ms}", handler)).
//
// Deliberately small: a route is a method and either an exact path ("/") or a prefix ending
// in '/' ("/delay/"), whose remainder the handler reads from request.path. Routes are tried in
// the order they were added. No match gives 404; a path that matches with another method gives
// 405 with an Allow header (RFC 9110 15.5.6).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/server/server_request.hpp"

namespace looplab::http {

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

    // Runs the matching handler (HEAD is served by the GET route; the server drops the body).
    Coro<ServerResponse> dispatch(ServerRequest& request) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        Handler handler;
        bool matches_path(std::string_view path) const;
    };
    std::vector<Route> routes_;
};

// The part of `path` after `prefix` ("/delay/100", "/delay/" -> "100").
std::string_view path_argument(std::string_view path, std::string_view prefix);

}  // namespace looplab::http
