// http/client/origin_key.cpp: see origin_key.hpp.
#include "http/client/origin_key.hpp"

#include <cctype>
#include <functional>

namespace looplab::http {

std::string origin_key(const Url& url) {
    std::string host = url.host();
    for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (url.is_ipv6()) host = "[" + host + "]";
    return (url.is_tls() ? "https://" : "") + host + ":" + std::to_string(url.port());
}

std::string via_proxy(const std::string& key, const Url& proxy, std::string_view authorization) {
    std::string out = key + " via proxy " + origin_key(proxy);
    if (!authorization.empty()) {
        out += " auth=" + std::to_string(std::hash<std::string_view>{}(authorization));
    }
    return out;
}

}  // namespace looplab::http
