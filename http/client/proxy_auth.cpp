// http/client/proxy_auth.cpp: see proxy_auth.hpp.
#include "http/client/proxy_auth.hpp"

#include "http/client/basic_auth.hpp"

namespace looplab::http::detail {

std::string basic_proxy_authorization(std::string_view user_password) {
    if (user_password.find(':') == std::string_view::npos) {
        return "Basic " + base64_encode(std::string(user_password) + ":");
    }
    return "Basic " + base64_encode(user_password);
}

}  // namespace looplab::http::detail
