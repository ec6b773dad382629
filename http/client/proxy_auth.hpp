// http/client/proxy_auth.hpp: the Proxy-Authorization value for a proxy's Basic credentials.
//
// curl:    --proxy-user user:password (and credentials in the -x URL), sent as
//          "Proxy-Authorization: Basic <base64(user:password)>".
// aiohttp: proxy_auth=aiohttp.BasicAuth(login, password), encoded by BasicAuth.encode().
//
// RFC 9110 11.7.2 (Proxy-Authorization) with RFC 7617's Basic scheme. Its own small file so
// the proxy code does not wait on the request-building branch's BasicAuth: both encode the
// same bytes; when they meet, this one can call that.
#pragma once

#include <string>
#include <string_view>

namespace looplab::http::detail {

// RFC 4648 section 4 base64, with padding.
std::string base64_encode(std::string_view bytes);

// "Basic " + base64("user:password"): `user_password` as curl takes it, "user:password" (no
// colon: the password is empty).
std::string basic_proxy_authorization(std::string_view user_password);

}  // namespace looplab::http::detail
