// http/client/redirects.cpp: see redirects.hpp.
#include "http/client/redirects.hpp"

#include "http/client/origin_key.hpp"

namespace looplab::http {

namespace {

// Resolves a Location value against the URL it came from.
Url resolve_location(const Url& base, std::string_view location) {
    if (location.find("://") != std::string_view::npos) return Url::parse(location);
    const std::string scheme(base.scheme());
    std::string origin = scheme + "://" + base.host_header();
    if (location.starts_with("//")) return Url::parse(scheme + ":" + std::string(location));
    if (location.starts_with("/")) return Url::parse(origin + std::string(location));
    // A relative path: replace the last segment of the base path.
    const std::string& path = base.path();
    std::string dir = path.substr(0, path.rfind('/') + 1);
    return Url::parse(origin + dir + std::string(location));
}

}  // namespace

std::optional<Redirect> redirect_for(int status, std::string_view method, const Url& current,
                                     const Headers& response_headers) {
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) {
        return std::nullopt;
    }
    std::optional<std::string_view> location = response_headers.get("Location");
    if (!location || location->empty()) return std::nullopt;
    Url target = resolve_location(current, *location);
    const bool cross_origin = origin_key(target) != origin_key(current);
    Redirect next{std::move(target), std::string(method), true, cross_origin};
    const bool to_get = (status == 303 && method != "HEAD") ||
                        ((status == 301 || status == 302) && method == "POST");
    if (to_get) {
        next.method = "GET";
        next.keep_body = false;
    } else if (status != 307 && status != 308) {
        next.keep_body = false;
    }
    return next;
}

void drop_credentials(Headers& headers) {
    headers.remove("Authorization");
    headers.remove("Proxy-Authorization");
    headers.remove("Cookie");
}

bool is_idempotent(std::string_view method) {
    return method == "GET" || method == "HEAD" || method == "OPTIONS" || method == "TRACE" ||
           method == "PUT" || method == "DELETE";
}

}  // namespace looplab::http
