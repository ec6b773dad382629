// http/client/destination.hpp: Destination, where a request goes as both clients' pools file
// it: the URL, the TLS context for https, the server's name for messages, and the pool key.
//
// aiohttp: ConnectionKey (host, port, is_ssl, ssl, ...), the key of TCPConnector's pool.
// urllib3: PoolKey (scheme, host, port, and the TLS settings: key_ca_certs, key_cert_reqs...).
//
// Why the TLS context is in the key: a connection verified under one context (its CAs, its
// verify mode, its client certificate) must never serve a request that asked for another; a
// request with -k must not lend its unverified connection to one without. The context's
// address stands for it: every pooled https connection holds its context alive (its
// SSLProtocol or SSLSocket owns a reference), so no other context can have that address while
// a key naming it is in a pool. For http the key is the origin alone.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "http/client/proxy.hpp"
#include "http/proto/url.hpp"
#include "net/tls/ssl_context.hpp"

namespace looplab::http::detail {

struct Destination {
    Url url;
    std::shared_ptr<net::tls::SSLContext> ssl;  // https: the context to connect with; else null
    std::string name;                           // origin_key(url): for messages
    std::string key;                            // name, plus " ssl=<address>" for https
    // Through a proxy (proxy.hpp): the pool connects to it, and for https opens a CONNECT
    // tunnel first; key then says so (origin_key.hpp: via_proxy). Empty: direct.
    std::optional<Proxy> proxy;

    // Throws std::invalid_argument for https with a null or server-side context (ssl is
    // ignored for http).
    static Destination of(Url url, std::shared_ptr<net::tls::SSLContext> ssl);
};

}  // namespace looplab::http::detail
