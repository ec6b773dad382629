// http/client/redirects.cpp: see redirects.hpp.
#include "http/client/redirects.hpp"

#include "http/client/origin_key.hpp"
#include "http/idna/idna.hpp"

namespace looplab::http {

namespace {

// Resolves a Location value against the URL it came from: RFC 3986 5.2 (url.hpp), so "?q=1",
// "../up", "//host/p" and "/p?next=http://x" all mean what they mean in a browser, and a
// non-ASCII host goes through IDNA like any URL the client is given.
Url resolve_location(const Url& base, std::string_view location) {
    return parse_url(resolve_reference(base.str(), location));
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
