// http/client/hop.cpp: see hop.hpp.
#include "http/client/hop.hpp"

#include <utility>

#include "http/client/default_headers.hpp"
#include "http/codings/supported_codings.hpp"
#include "http/proto/message.hpp"
#include "http/proto/serializer.hpp"

namespace looplab::http::detail {

Headers request_headers(const Headers& defaults, const Headers& request, bool accept_encoding) {
    return with_accept_encoding(merge_headers(defaults, request), accept_encoding);
}

Headers with_accept_encoding(Headers request, bool accept_encoding) {
    if (accept_encoding && !request.contains("Accept-Encoding"))
        request.add("Accept-Encoding", codings::accept_encoding());
    return request;
}

bool sends_body(std::string_view method, std::string_view body) {
    return !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
}

void Hop::write_head(std::string& out) const {
    const OutgoingBody framing =
        sends_body(method, body) ? OutgoingBody::of_length(body.size()) : OutgoingBody::none();
    if (cookies.empty()) {
        write_request_head(out, method, url.target(), url.host_header(), headers, framing);
        return;
    }
    // One Cookie field (RFC 6265 5.4: a user agent must not send more than one).
    Headers with_cookies = headers;
    const std::optional<std::string_view> own = headers.get("Cookie");
    with_cookies.set("Cookie", own ? std::string(*own) + "; " + cookies : cookies);
    write_request_head(out, method, url.target(), url.host_header(), with_cookies, framing);
}

bool Hop::asks_keep_alive() const {
    return keep_alive(HttpVersion{1, 1}, headers);
}

void Hop::follow(Redirect next) {
    if (next.cross_origin) drop_credentials(headers);
    url = std::move(next.url);
    method = std::move(next.method);
    if (!next.keep_body) body.clear();
}

ServerDisconnectedError not_retried(const Hop& hop, const StaleConnection& stale) {
    return ServerDisconnectedError("server " + hop.url.host_header() +
                                       " closed a kept-alive connection; " + hop.method +
                                       " is not retried",
                                   stale.cause);
}

}  // namespace looplab::http::detail
