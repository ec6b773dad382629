// http/client/redirects.hpp: where a 3xx response sends the client next, and with which method.
//
// aiohttp: ClientSession._request's redirect loop; requests: SessionMixin.resolve_redirects.
//
// Both looplab clients follow redirects through this one function, so they agree on the rules
// (RFC 9110 15.4): 301, 302, 303, 307 and 308 with a Location header are followed; 303 turns
// any method but HEAD into GET without a body, and so do 301/302 for POST (what every browser,
// requests and aiohttp do); 307 and 308 keep the method and the body. The Location is any URI
// reference ("http://other/", "//host/p", "/next", "next", "?q=1", "../up"), resolved against
// the current URL by RFC 3986 5.2 (Url::resolve's rules). A Location with another scheme is an
// InvalidUrl from Url::parse.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/proto/headers.hpp"
#include "http/proto/url.hpp"

namespace looplab::http {

struct Redirect {
    Url url;
    std::string method;
    bool keep_body;     // 307 / 308 only
    bool cross_origin;  // another origin_key(): credentials must not follow (see below)
};

// nullopt if `status` is not a followed redirect or there is no Location header.
std::optional<Redirect> redirect_for(int status, std::string_view method, const Url& current,
                                     const Headers& response_headers);

// Removes the headers that carry credentials (Authorization, Proxy-Authorization, Cookie).
// Both clients call it when a redirect leads to another origin, so a server cannot bounce a
// client's credentials to a host of its choosing (requests and aiohttp do the same).
void drop_credentials(Headers& headers);

// Whether a request may be sent again after the connection failed before any response byte
// (RFC 9110 9.2.2): safe methods, PUT and DELETE; never POST or PATCH.
bool is_idempotent(std::string_view method);

}  // namespace looplab::http
