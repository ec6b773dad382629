// http/proto/url.hpp: an http:// or https:// URL taken apart into what a client needs: where to
// connect and whether with TLS, what to put in the Host header, and the request target.
//
// Python:  urllib.parse.urlsplit, and yarl.URL as aiohttp uses it
//
// Deliberately narrow: only the http and https schemes (default ports 80 and 443), no
// userinfo (credentials in URLs leak into logs and Referer headers; say so instead of quietly
// sending them), no percent-decoding (the path is sent exactly as given), and the fragment is
// dropped (it never goes on the wire). Anything it cannot represent faithfully is rejected with
// a message rather than "fixed": a URL with a space in it is a bug to report, not to guess at.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace looplab::http {

// Thrown by Url::parse, with a message saying what is wrong with the URL.
class InvalidUrl : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

class Url {
public:
    // Parses "http://host[:port][/path][?query][#fragment]" (or https://). The scheme is
    // case-insensitive; host may be a name, an IPv4 address or a bracketed IPv6 literal
    // ("[::1]"). Throws InvalidUrl for another scheme, userinfo, an empty host, a port that is
    // not 1..65535, or whitespace / control / non-ASCII bytes anywhere.
    static Url parse(std::string_view text);

    // "http" or "https", lower case.
    std::string_view scheme() const noexcept { return tls_ ? "https" : "http"; }
    // https: the connection speaks TLS (net/tls/) before HTTP.
    bool is_tls() const noexcept { return tls_; }
    // The scheme's port: 80 for http, 443 for https.
    std::uint16_t default_port() const noexcept { return tls_ ? 443 : 80; }
    // The host to connect to: "example.com", "127.0.0.1", or "::1" (no brackets).
    const std::string& host() const noexcept { return host_; }
    bool is_ipv6() const noexcept { return ipv6_; }
    // default_port() unless the URL gives one.
    std::uint16_t port() const noexcept { return port_; }
    // Starts with '/'; "/" when the URL has no path.
    const std::string& path() const noexcept { return path_; }
    // Without the '?'; empty when there is none.
    const std::string& query() const noexcept { return query_; }

    // The request target (origin-form, RFC 9112 3.2.1): path, and "?query" if there is a query.
    std::string target() const;
    // The Host header value: host, in brackets if IPv6, with ":port" unless it is the
    // scheme's default port (RFC 9110 7.2).
    std::string host_header() const;
    // The URL back as text, without the fragment: scheme + "://" + host_header() + target().
    std::string str() const;

private:
    std::string host_;
    bool ipv6_ = false;
    bool tls_ = false;  // https
    std::uint16_t port_ = 80;
    std::string path_ = "/";
    std::string query_;
};

}  // namespace looplab::http
