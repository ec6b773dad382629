// http/server/router.cpp: see router.hpp.
#include "http/server/router.hpp"

#include <algorithm>
#include <stdexcept>

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

// "/a/b" -> "a", "b" (the leading '/' dropped; "/" is one empty segment).
std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.starts_with('/')) path.remove_prefix(1);
    for (;;) {
        const std::size_t slash = path.find('/');
        out.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return out;
}

}  // namespace

ServerResponse ServerResponse::text(int status, std::string body) {
    ServerResponse r;
    r.status = status;
    r.headers.set("Content-Type", "text/plain; charset=utf-8");
    r.body = std::move(body);
    return r;
}

std::vector<Router::Segment> Router::parse_pattern(const std::string& pattern) {
    if (!pattern.starts_with('/'))
        throw std::invalid_argument("route pattern must start with '/': " + pattern);
    if (pattern.find('{') == std::string::npos) return {};
    std::vector<Segment> segments;
    const std::vector<std::string_view> parts = split_path(pattern);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string_view part = parts[i];
        if (!part.starts_with('{')) {
            if (part.find_first_of("{}") != std::string_view::npos)
                throw std::invalid_argument("a parameter must be a whole segment: " + pattern);
            segments.push_back({Segment::Kind::literal, std::string(part)});
            continue;
        }
        if (!part.ends_with('}') || part.size() < 3)
            throw std::invalid_argument("bad parameter in route pattern: " + pattern);
        std::string_view name = part.substr(1, part.size() - 2);
        Segment::Kind kind = Segment::Kind::parameter;
        if (const std::size_t colon = name.find(':'); colon != std::string_view::npos) {
            if (name.substr(colon) != ":.*" || i + 1 != parts.size())
                throw std::invalid_argument("only a last {name:.*} is supported: " + pattern);
            name = name.substr(0, colon);
            kind = Segment::Kind::rest;
        }
        if (name.empty()) throw std::invalid_argument("empty parameter name: " + pattern);
        segments.push_back({kind, std::string(name)});
    }
    return segments;
}

bool Router::Route::matches(std::string_view path,
                            std::map<std::string, std::string, std::less<>>* params) const {
    if (segments.empty()) {
        if (pattern.ends_with('/') && pattern.size() > 1) return path.starts_with(pattern);
        return path == pattern;
    }
    if (!path.starts_with('/')) return false;  // "*" and CONNECT's empty path
    std::string_view rest = path.substr(1);
    bool exhausted = false;  // every segment of the path has been matched
    std::map<std::string, std::string, std::less<>> found;
    for (const Segment& segment : segments) {
        if (segment.kind == Segment::Kind::rest) {  // always last: the rest, maybe ""
            found[segment.text] = exhausted ? std::string() : std::string(rest);
            exhausted = true;
            break;
        }
        if (exhausted) return false;
        const std::size_t slash = rest.find('/');
        const std::string_view part = rest.substr(0, slash);
        if (segment.kind == Segment::Kind::literal ? part != segment.text : part.empty())
            return false;
        if (segment.kind == Segment::Kind::parameter) found[segment.text] = std::string(part);
        if (slash == std::string_view::npos)
            exhausted = true;
        else
            rest.remove_prefix(slash + 1);
    }
    if (!exhausted) return false;  // the path has more segments than the pattern
    if (params) *params = std::move(found);
    return true;
}

Router& Router::add(std::string method, std::string pattern, Handler handler,
                    RouteOptions options) {
    std::vector<Segment> segments = parse_pattern(pattern);
    routes_.push_back(Route{std::move(method), std::move(pattern), std::move(handler), options,
                            std::move(segments)});
    return *this;
}

Router& Router::use(Middleware middleware) {
    middlewares_.push_back(std::move(middleware));
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
        if (path != "*" && !route.matches(path, nullptr)) continue;
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
        if (route.method != method && !(method == "HEAD" && route.method == "GET")) continue;
        RouteMatch match;
        if (!route.matches(request.path, &match.match_info)) continue;
        match.handler = &route.handler;
        match.stream_body = route.options.stream_body;
        return match;
    }
    if (!knows_method(method))
        return {nullptr,
                ServerResponse::text(
                    501, "Not Implemented: unknown method " + std::string(method) + "\n"),
                {},
                false};
    // Only CONNECT's authority-form target has no path: a tunnel, which only a proxy makes.
    if (request.path.empty())
        return {
            nullptr,
            ServerResponse::text(501, "Not Implemented: this server is not a proxy (CONNECT)\n"),
            {},
            false};
    const std::string allowed = allowed_methods(request.path);
    if (allowed.empty()) return {nullptr, ServerResponse::text(404, "Not Found\n"), {}, false};
    if (method == "OPTIONS") return {nullptr, allow(200, "", allowed), {}, false};
    return {nullptr, allow(405, "Method Not Allowed\n", allowed), {}, false};
}

Coro<ServerResponse> Router::dispatch(ServerRequest& request, const RouteMatch& match,
                                      std::size_t first) const {
    if (first == middlewares_.size()) {
        if (!match.handler) co_return match.answer;
        co_return co_await (*match.handler)(request);
    }
    // Named, not a temporary inside the co_await (g++ 12, CONTRIBUTING.md); it captures only
    // pointers and a number.
    const Handler next = [this, &match, first](ServerRequest& r) {
        return dispatch(r, match, first + 1);
    };
    co_return co_await middlewares_[first](request, next);
}

}  // namespace looplab::http
