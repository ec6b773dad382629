// http/client/cookie_jar.hpp: CookieJar, the cookies a session has been given and sends back
// (RFC 6265), and their file in the Netscape format curl reads and writes.
//
// aiohttp: aiohttp.CookieJar (ClientSession(cookie_jar=...)), with save() / load()
// requests:  requests.cookies.RequestsCookieJar on a Session, http.cookiejar.MozillaCookieJar
// curl:    the cookie engine: -b FILE reads a cookie file, -c FILE writes one (lib/cookie.c)
//
// What a user agent must do with Set-Cookie, RFC 6265 section 5, and nothing a browser adds on
// top (no public-suffix list, no SameSite enforcement: a client that makes only the requests
// its user asks for makes no cross-site ones):
//   - Storing (5.3): the Domain attribute must domain-match the request's host (a server may
//     set a cookie for its parent domain, never for a sibling or for "com": a Domain with no
//     inner dot is refused unless it is the host itself); without it the cookie is host-only.
//     Path defaults to the request path's directory. Max-Age wins over Expires; neither makes
//     a session cookie; an expiry in the past deletes the cookie. A new cookie with the same
//     name, domain and path replaces the old one (keeping its creation time, for ordering).
//   - Sending (5.4): cookies whose domain and path match the URL, not expired, Secure ones only
//     over https; longest path first, then oldest first, as "a=1; b=2".
//   - HttpOnly and SameSite are kept (the file marks HttpOnly as curl does, "#HttpOnly_"
//     before the domain; the Netscape format has no column for SameSite, so it lives only in
//     memory).
// Bounds: a cookie's name and value together up to kMaxCookieSize bytes (RFC 6265 6.1 asks for
// at least 4096; sites send 8 KiB ones), at most kMaxCookies in the jar, the oldest dropped
// first, so a server cannot make the jar grow without bound.
//
// Time is the wall clock (expiry dates are calendar dates); every method that needs "now"
// takes it, so tests pass a fixed one. Thread-safe: the blocking Session shares its jar
// between the threads that share the session; every method takes the jar's mutex.
#pragma once

#include <chrono>
#include <cstddef>
#include <iosfwd>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/proto/headers.hpp"
#include "http/proto/url.hpp"

namespace looplab::http {

struct Cookie {
    using TimePoint = std::chrono::system_clock::time_point;

    std::string name;
    std::string value;
    std::string domain;     // lowercase, without a leading dot
    std::string path;       // starts with '/'
    bool host_only = true;  // no Domain attribute: sent to `domain` exactly, not its subdomains
    bool secure = false;
    bool http_only = false;
    std::string same_site;             // "Strict", "Lax", "None", or empty when not given
    std::optional<TimePoint> expires;  // nullopt: a session cookie (kept until the jar goes)
    TimePoint created{};
};

class CookieJar {
public:
    using Clock = std::chrono::system_clock;
    static constexpr std::size_t kMaxCookieSize = 16 * 1024;
    static constexpr std::size_t kMaxCookies = 3000;

    CookieJar() = default;
    CookieJar(const CookieJar&) = delete;
    CookieJar& operator=(const CookieJar&) = delete;

    // Stores every Set-Cookie field of a response to `url` (each one that RFC 6265 lets a
    // user agent accept; the others are ignored, as browsers do).
    void update_from_response(const Url& url, const Headers& headers,
                              Clock::time_point now = Clock::now());
    // One Set-Cookie value; returns whether it was stored (or deleted an old one).
    bool set_cookie(const Url& url, std::string_view set_cookie,
                    Clock::time_point now = Clock::now());

    // The Cookie header value for a request to `url` ("a=1; b=2"), empty if none match.
    std::string cookie_header(const Url& url, Clock::time_point now = Clock::now()) const;

    // Every cookie not expired at `now`, in storage order.
    std::vector<Cookie> cookies(Clock::time_point now = Clock::now()) const;
    std::size_t size() const;
    void clear();

    // curl's cookie file (the Netscape format): one cookie per line, seven TAB-separated
    // fields: domain, include-subdomains, path, secure, expiry (Unix seconds, 0 for a session
    // cookie), name, value. load() adds what it reads (expired cookies skipped) and throws
    // std::runtime_error naming the line for one that is not a cookie line; blank lines and
    // comments are skipped. save() writes every unexpired cookie, session cookies included
    // (curl does too, with expiry 0).
    void load(std::istream& in, std::string_view source_name = "cookie file",
              Clock::time_point now = Clock::now());
    void save(std::ostream& out, Clock::time_point now = Clock::now()) const;
    // The same on a file; load_file throws std::runtime_error if it cannot be read, save_file
    // if it cannot be written.
    void load_file(const std::string& path);
    void save_file(const std::string& path) const;

private:
    void store(Cookie cookie, Clock::time_point now);  // mutex_ held

    mutable std::mutex mutex_;
    std::vector<Cookie> cookies_;  // oldest first
};

// ---- RFC 6265's rules, for the tests and the jar ---------------------------------------------

// 5.1.1: a cookie date ("Wed, 21 Oct 2015 07:28:00 GMT" and the many other spellings servers
// use), or nullopt if it is not one.
std::optional<Cookie::TimePoint> parse_cookie_date(std::string_view text);
// 5.1.3: whether `host` is `domain` or a subdomain of it (never for an IP address).
bool domain_match(std::string_view host, std::string_view domain);
// 5.1.4: whether a request to `request_path` may carry a cookie of `cookie_path`.
bool path_match(std::string_view request_path, std::string_view cookie_path);
// 5.1.4: a cookie's path when its Set-Cookie gives none: the request path's "directory".
std::string default_cookie_path(std::string_view request_path);

}  // namespace looplab::http
