// http/proto/url.hpp: an http:// or https:// URL taken apart into what a client needs (where to
// connect and whether with TLS, what to put in the Host header, the request target), and RFC
// 3986's rules for the URLs a client
// meets: a redirect's Location resolved against the page it came from, dot segments removed,
// unsafe characters quoted, query parameters encoded.
//
// Python:  urllib.parse.urlsplit / urljoin, yarl.URL as aiohttp uses it (URL.join, with_query),
//          requests.utils.requote_uri and requests' `params=`
// curl:    its URL parser: dot segments are removed unless --path-as-is
//
// What a URL may carry is deliberately narrow: only the http and https schemes (default ports 80
// and 443; the other schemes are another client's business), no userinfo (credentials in URLs leak
// into logs and Referer headers; the clients take them as BasicAuth instead), and the fragment is
// dropped (it never goes on the wire). Where a URL is written the way people write URLs, it is made
// into what the wire needs, as requests and browsers do: `"<>{}` and spaces in a path or query are
// percent-encoded (a valid %XX stays as it is), `/a/./b/../c` becomes `/a/c`. What cannot be
// made right is rejected with a message rather than guessed at: control bytes (a CR LF in a
// URL is an attempt to add a header), a bad port, an IPv6 literal without brackets, and a
// non-ASCII host, which needs IDNA (http/idna/idna.hpp does it, outside this sans-I/O room,
// because it needs libidn2: this file links nothing but the standard library).
//
// Reference resolution is RFC 3986 section 5.2 exactly (its "strict" parser), on text, so
// resolve_reference() can be checked against section 5.4's table of examples; Url::resolve()
// is the same on a parsed URL. Both clients' redirects resolve with resolve_reference() and parse
// the result with http::parse_url (http/idna/idna.hpp), which adds IDNA for a non-ASCII host.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace looplab::http {

// Thrown by Url::parse, with a message saying what is wrong with the URL.
class InvalidUrl : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// Name/value pairs in order, duplicates allowed: a query's parameters or a form's fields
// (requests' params= / data= as a list of tuples).
using Params = std::vector<std::pair<std::string, std::string>>;

class Url {
public:
    // Parses "http://host[:port][/path][?query][#fragment]" (or https://). The scheme is
    // case-insensitive; host may be a name, an IPv4 address or a bracketed IPv6 literal
    // ("[::1]"). The path loses its dot segments, and bytes a path or query may not hold are
    // percent-encoded (quote_unsafe). Throws InvalidUrl for another scheme, userinfo, an empty
    // host, a non-ASCII host (it names IDNA), a port that is not 1..65535, control bytes anywhere,
    // or spaces outside the path and query.
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

    // The URL a reference (a redirect's Location: "/next", "?q=1", "../up", "//host/p",
    // "http://other/") leads to from this one (RFC 3986 5.2). Throws InvalidUrl if the result
    // is not an http or https URL this class can hold.
    Url resolve(std::string_view reference) const;
    // This URL with `params` appended to its query, form-encoded ("a=1&b=x+y"), after any
    // query it already has (requests: params=, yarl: URL.update_query's appending cousin).
    Url with_params(const Params& params) const;

private:
    std::string host_;
    bool ipv6_ = false;
    bool tls_ = false;  // https
    std::uint16_t port_ = 80;
    std::string path_ = "/";
    std::string query_;
};

// ---- RFC 3986 on text ------------------------------------------------------------------------

// RFC 3986 5.2.4: "/a/b/c/./../../g" -> "/a/g". Works on any path, absolute or relative.
std::string remove_dot_segments(std::string_view path);

// RFC 3986 5.2.2 (strict): the target URI of `reference` against `base`, an absolute URI, as
// text (the fragment of the reference is kept). resolve_reference("http://a/b/c/d;p?q", "../g")
// is "http://a/b/g". No scheme-specific rules and no quoting: section 5.4's examples verbatim.
std::string resolve_reference(std::string_view base, std::string_view reference);

// Percent-encodes the bytes a path or query cannot carry (RFC 3986 3.3 / 3.4): everything but
// unreserved, sub-delims, ':', '@', '/', '?' and a '%' that starts a valid "%XX" escape. A '%'
// not followed by two hex digits becomes "%25". requests.utils.requote_uri does the same.
std::string quote_unsafe(std::string_view part);

// application/x-www-form-urlencoded (the WHATWG URL standard's serializer, what browsers send
// for a form and requests for params=): "a=1&b=x+y&c=%26". Bytes other than ALPHA / DIGIT /
// "*-._" are percent-encoded, space as '+'.
std::string form_urlencode(const Params& params);

}  // namespace looplab::http
