// http/server/router.cpp: see router.hpp.
#include "http/server/router.hpp"

namespace looplab::http {

ServerResponse ServerResponse::text(int status, std::string body) {
    ServerResponse r;
    r.status = status;
    r.headers.set("Content-Type", "text/plain; charset=utf-8");
    r.body = std::move(body);
    return r;
}

bool Router::Route::matches_path(std::string_view path) const {
    if (pattern.ends_with('/') && pattern.size() > 1) return path.starts_with(pattern);
    return path == pattern;
}

Router& Router::add(std::string method, std::string pattern, Handler handler) {
    routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler)});
    return *this;
}

std::string_view path_argument(std::string_view path, std::string_view prefix) {
    return path.starts_with(prefix) ? path.substr(prefix.size()) : std::string_view{};
}

Coro<ServerResponse> Router::dispatch(ServerRequest& request) const {
    std::string allowed;
    for (const Route& route : routes_) {
        if (!route.matches_path(request.path)) continue;
        if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
            co_return co_await route.handler(request);
        }
        if (!allowed.empty()) allowed += ", ";
        allowed += route.method;
    }
    if (allowed.empty()) co_return ServerResponse::text(404, "Not Found\n");
    ServerResponse r = ServerResponse::text(405, "Method Not Allowed\n");
    r.headers.set("Allow", allowed);
    co_return r;
}

}  // namespace looplab::http
