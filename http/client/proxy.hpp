// http/client/proxy.hpp: sending requests through an HTTP proxy: which proxy (if any) a URL
// goes through, and the bytes that talk to it.
//
// curl:     -x/--proxy, --proxy-user, --noproxy, and the http_proxy / https_proxy / no_proxy
//           environment variables (curl's lib/url.c: detect_proxy, check_noproxy).
// requests: Session(trust_env=True) and requests.utils.get_environ_proxies / should_bypass_proxies;
// aiohttp:  ClientSession(proxy=, proxy_auth=), and trust_env for the environment.
//
// Two ways through a proxy (RFC 9110 9.3.6, RFC 9112 3.2.2):
//   - http:// URLs: the request goes to the proxy with its target in absolute form
//     ("GET http://example.com/a HTTP/1.1"), and the proxy forwards it; Proxy-Authorization
//     travels with each request.
//   - https:// URLs: "CONNECT example.com:443 HTTP/1.1" asks the proxy for a tunnel; after a
//     2xx the connection is a byte pipe to the origin, and TLS (and then HTTP) runs through it
//     end to end, so the proxy sees neither the certificate check nor the request.
// A connection reached through a proxy is pooled apart from direct ones (origin_key.hpp:
// via_proxy): a tunnel belongs to its origin, and a forwarding connection to its proxy.
//
// The environment, as curl reads it: http_proxy (lower case only: a CGI program's
// HTTP_PROXY can be set by a request's "Proxy:" header, "httpoxy"), https_proxy or
// HTTPS_PROXY, then all_proxy or ALL_PROXY for either scheme; no_proxy or NO_PROXY. A
// no_proxy list is comma-separated; "*" alone bypasses every host; an entry matches its host
// and every subdomain ("example.com" and ".example.com" both match "a.example.com"), case
// aside; "host:port" matches that port only. (Not done: curl's CIDR ranges, "10.0.0.0/8".)
// A proxy given without a port is on 1080, as curl assumes; credentials in its URL
// ("http://user:pass@proxy:3128") become Proxy-Authorization, unless `auth` is given.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "http/client/hop.hpp"
#include "http/proto/headers.hpp"
#include "http/proto/url.hpp"

namespace looplab::http {

// A proxy to go through: where it listens (it speaks plain HTTP), and the Basic credentials
// to present to it, if any.
struct Proxy {
    Url url;                                   // http://host:port
    std::optional<std::string> authorization;  // the Proxy-Authorization value: "Basic ..."

    // "proxy 127.0.0.1:3128": how messages name it.
    std::string name() const;
    // "host:port", "http://host:port", "http://user:password@host:port". Throws InvalidUrl for
    // another scheme (https://, socks5://: not supported) or a malformed URL.
    static Proxy parse(std::string_view text);
};

// Which proxy each URL goes through. Empty: every request goes direct.
struct ProxySettings {
    std::optional<std::string> http;   // for http:// URLs (a Proxy::parse text)
    std::optional<std::string> https;  // for https:// URLs, through CONNECT
    std::string no_proxy;              // hosts that go direct (see the header comment)
    std::optional<std::string> auth;   // "user:password": replaces the proxy URL's credentials

    // From the process environment, by curl's rules (the header comment).
    static ProxySettings from_environment();
    // One proxy for both schemes (curl -x, aiohttp proxy=).
    static ProxySettings all(std::string proxy);

    // The proxy `target` goes through, or nullopt for a direct connection. Throws InvalidUrl
    // when the proxy's own URL is malformed (named as the proxy's).
    std::optional<Proxy> for_url(const Url& target) const;
};

// Whether `no_proxy` (a comma-separated list, see the header comment) lets target go direct.
bool bypasses_proxy(const Url& target, std::string_view no_proxy);

}  // namespace looplab::http

namespace looplab::http::detail {

// http:// through `proxy`: the request head with an absolute-form target, and
// Proxy-Authorization when the proxy has credentials (appended to `out`).
void write_proxied_head(const Hop& hop, const Proxy& proxy, std::string& out);

// The CONNECT request that opens a tunnel to target's host and port.
std::string connect_request(const Url& target, const Proxy& proxy);

// The proxy's answer to CONNECT, once its head is complete.
struct TunnelReply {
    int status = 0;
    std::string reason;
};
// nullopt while `received` holds no complete head yet; throws ClientProxyError for a head that
// is not an HTTP/1.x status line, or one longer than 16 KiB.
std::optional<TunnelReply> parse_tunnel_reply(std::string_view received, const Proxy& proxy);
// Throws ClientProxyError unless the reply is 2xx (407: the message asks for credentials).
void check_tunnel_reply(const TunnelReply& reply, const Proxy& proxy, const Url& target);

}  // namespace looplab::http::detail
