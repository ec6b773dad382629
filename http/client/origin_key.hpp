// http/client/origin_key.hpp: "host:port" (or "https://host:port"), the one name both clients
// give a server: the key of their connection pools, of HostRateLimiter's buckets, and of a
// redirect's "same origin?".
//
// aiohttp: ConnectionKey (host, port, ...) in client_reqrep.py, built from a yarl.URL whose host
//          is already lowercased; urllib3: PoolKey, which lowercases scheme and host too.
//
// One rule, in one place, because two copies of it had drifted (only one bracketed IPv6): the
// host lowercased (host names are case-insensitive, RFC 9110 4.2.3, so "Example.COM" and
// "example.com" are one server), an IPv6 literal in brackets (as in a URL: "[::1]:8080", never
// the ambiguous "::1:8080"), and the port always spelled out (unlike Url::host_header, which
// drops ":80"), since the key names where we connect, not what we write in the Host header.
// The scheme is part of the origin (RFC 6454: http://h:443 and https://h:443 are two servers,
// and a plain connection must never serve an https request): it is written as "https://" in
// front, and left out for http, so a plain server's key reads as it always has in messages.
#pragma once

#include <string>
#include <string_view>

#include "http/proto/url.hpp"

namespace looplab::http {

// "example.com:80", "127.0.0.1:8080", "[::1]:8080", "https://example.com:443".
std::string origin_key(const Url& url);

// The pool key of a connection to `key` (a Destination's) reached through the proxy at
// `proxy` presenting `authorization` (empty: none): "example.com:80 via proxy 127.0.0.1:3128"
// plus a digest of the credentials. Never equal to a direct connection's key, so a proxied
// origin and a direct one never share connections; and two credentials never share a tunnel.
std::string via_proxy(const std::string& key, const Url& proxy, std::string_view authorization);

}  // namespace looplab::http
