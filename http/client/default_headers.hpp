// http/client/default_headers.hpp: the header fields every request of both clients carries
// unless the caller gives its own: a session's defaults, then User-Agent and Accept.
//
// aiohttp: ClientSession(headers=...) merged with request(headers=...), and the default
//          User-Agent ("Python/3.x aiohttp/3.x") and Accept ("*/*") of ClientRequest.
// requests: Session.headers (default_headers(): User-Agent, Accept, ...), merged per request
//          by merge_setting.
//
// Why one function for both clients: a server that answers differently without a User-Agent
// (some refuse, some send a "browser upgrade" page) must see the same request whichever
// client made it, and two copies of the defaults would drift.
#pragma once

#include "http/proto/headers.hpp"

namespace looplab::http::detail {

// What the clients send as User-Agent unless told otherwise.
inline constexpr const char* kUserAgent = "looplab/0.1";

// The request head's fields: the session's defaults, replaced by the request's own fields of
// the same name (every field of that name), plus User-Agent and Accept unless given.
Headers merge_headers(const Headers& session, const Headers& request);

}  // namespace looplab::http::detail
