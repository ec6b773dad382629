// http/server/router.cpp: see router.hpp.
#include "http/server/router.hpp"

#include <algorithm>

namespace looplab::http {

namespace {

// RFC 9110 section 9's methods, and PATCH (RFC 5789): a request with one of these that no
// route takes gets 405; any other method 501.
constexpr std::string_view kKnownMethods[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                              "CONNECT", "OPTIONS", "TRACE", "PATCH"};

void add_once(std::vector<std::string_view>& methods, std::string_view method) {
    if (std::find(methods.begin(), methods.end(), method) == methods.end())
        methods.push_back(method);
}

ServerResponse allow(int status, std::string body, const std::string& methods) {
    ServerResponse r = body.empty() ? ServerResponse{} : ServerResponse::text(status, body);
    r.status = status;
    r.headers.set("Allow", methods);
    return r;
}

}  // namespace

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

bool Router::knows_method(std::string_view method) const {
    for (std::string_view known : kKnownMethods)
        if (method == known) return true;
    return std::any_of(routes_.begin(), routes_.end(),
                       [&](const Route& route) { return route.method == method; });
}

std::string Router::allowed_methods(std::string_view path) const {
    std::vector<std::string_view> methods;
    for (const Route& route : routes_) {
        if (path != "*" && !route.matches_path(path)) continue;
        add_once(methods, route.method);
        if (route.method == "GET") add_once(methods, "HEAD");
    }
    if (methods.empty()) return {};
    add_once(methods, "OPTIONS");
    std::string out;
    for (std::string_view method : methods) {
        if (!out.empty()) out += ", ";
        out += method;
    }
    return out;
}

RouteMatch Router::resolve(const ServerRequest& request) const {
    const std::string_view method = request.method;
    for (const Route& route : routes_) {
        if (!route.matches_path(request.path)) continue;
        if (route.method == method || (method == "HEAD" && route.method == "GET"))
            return RouteMatch{&route.handler, {}};
    }
    if (!knows_method(method))
        return {nullptr, ServerResponse::text(
                             501, "Not Implemented: unknown method " + std::string(method) + "\n")};
    // Only CONNECT's authority-form target has no path: a tunnel, which only a proxy makes.
    if (request.path.empty())
        return {nullptr, ServerResponse::text(501,
                                              "Not Implemented: this server is not a proxy "
                                              "(CONNECT)\n")};
    const std::string allowed = allowed_methods(request.path);
    if (allowed.empty()) return {nullptr, ServerResponse::text(404, "Not Found\n")};
    if (method == "OPTIONS") return {nullptr, allow(200, "", allowed)};
    return {nullptr, allow(405, "Method Not Allowed\n", allowed)};
}

}  // namespace looplab::http
