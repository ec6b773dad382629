// http/client/proxy_auth.hpp: the Proxy-Authorization value for a proxy's Basic credentials.
//
// curl:    --proxy-user user:password (and credentials in the -x URL), sent as
//          "Proxy-Authorization: Basic <base64(user:password)>".
// aiohttp: proxy_auth=aiohttp.BasicAuth(login, password), encoded by BasicAuth.encode().
//
// RFC 9110 11.7.2 (Proxy-Authorization) with RFC 7617's Basic scheme: the same bytes as an
// Authorization header (basic_auth.hpp encodes both), taken in curl's "user:password" form.
#pragma once

#include <string>
#include <string_view>

namespace looplab::http::detail {

// "Basic " + base64("user:password"): `user_password` as curl takes it, "user:password" (no
// colon: the password is empty).
std::string basic_proxy_authorization(std::string_view user_password);

}  // namespace looplab::http::detail
