// http/client/hop.cpp: see hop.hpp.
#include "http/client/hop.hpp"

#include <utility>

#include "http/proto/message.hpp"
#include "http/proto/serializer.hpp"

namespace looplab::http::detail {

bool sends_body(std::string_view method, std::string_view body) {
    return !body.empty() || method == "POST" || method == "PUT" || method == "PATCH";
}

void Hop::write_head(std::string& out) const {
    write_request_head(
        out, method, url.target(), url.host_header(), headers,
        sends_body(method, body) ? OutgoingBody::of_length(body.size()) : OutgoingBody::none());
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
