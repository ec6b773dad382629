// http/client/basic_auth.hpp: HTTP Basic authentication (RFC 7617), the credentials a request
// sends in its Authorization header (or Proxy-Authorization, for a proxy).
//
// aiohttp: aiohttp.BasicAuth(login, password).encode(); requests: auth=("user", "pass")
// curl:    -u user:password (and -U / --proxy-user for the proxy)
//
// Basic sends the password in the clear (base64 is an encoding, not encryption): fine over
// loopback or TLS, not over a network you do not trust. Credentials never follow a redirect to
// another origin (redirects.hpp drops Authorization there), as requests and aiohttp behave.
#pragma once

#include <string>
#include <string_view>

namespace looplab::http {

struct BasicAuth {
    std::string login;
    std::string password;

    // "Basic dXNlcjpwYXNz": the header value (RFC 7617 2, UTF-8 as given).
    std::string encode() const;
    // "user:password" as curl's -u takes it: the first ':' separates them (a password may
    // contain more). Throws std::invalid_argument without a ':' (curl would prompt for the
    // password; a tool that may run unattended asks for it up front instead).
    static BasicAuth from_user_colon_password(std::string_view text);
    // A login may not contain ':' (RFC 7617 2: the first colon ends it); encode() throws
    // std::invalid_argument for one, and for CR, LF or NUL anywhere.
};

// Standard base64 with padding (RFC 4648 4).
std::string base64_encode(std::string_view bytes);

}  // namespace looplab::http
