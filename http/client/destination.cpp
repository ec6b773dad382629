// http/client/destination.cpp: see destination.hpp.
#include "http/client/destination.hpp"

#include <cstdio>
#include <stdexcept>

#include "http/client/origin_key.hpp"

namespace looplab::http::detail {

namespace {

// "0x55d0c2a1b2c0": a context's address, which stands for it in pool keys.
std::string address_of(const void* p) {
    char text[2 + 2 * sizeof(void*) + 1];
    std::snprintf(text, sizeof text, "%p", p);
    return text;
}

}  // namespace

Destination Destination::of(Url url, std::shared_ptr<net::tls::SSLContext> ssl) {
    Destination to{std::move(url), nullptr, {}, {}, std::nullopt};
    to.name = origin_key(to.url);
    to.key = to.name;
    if (to.url.is_tls()) {
        if (!ssl) throw std::invalid_argument("https request without an SSLContext");
        if (ssl->server_side()) {
            throw std::invalid_argument("https request with a server-side SSLContext");
        }
        to.key += " ssl=" + address_of(ssl.get());
        to.ssl = std::move(ssl);
    }
    return to;
}

}  // namespace looplab::http::detail
