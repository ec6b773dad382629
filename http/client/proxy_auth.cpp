// http/client/proxy_auth.cpp: see proxy_auth.hpp.
#include "http/client/proxy_auth.hpp"

#include <cstdint>

namespace looplab::http::detail {

std::string base64_encode(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    // Three bytes make four characters of six bits each.
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t(std::uint8_t(bytes[i])) << 16) |
                                (std::uint32_t(std::uint8_t(bytes[i + 1])) << 8) |
                                std::uint8_t(bytes[i + 2]);
        for (int shift = 18; shift >= 0; shift -= 6) out += kAlphabet[(v >> shift) & 0x3f];
    }
    // One or two bytes left: two or three characters, then '=' padding to four.
    const std::size_t left = bytes.size() - i;
    if (left > 0) {
        std::uint32_t v = std::uint32_t(std::uint8_t(bytes[i])) << 16;
        if (left == 2) v |= std::uint32_t(std::uint8_t(bytes[i + 1])) << 8;
        out += kAlphabet[(v >> 18) & 0x3f];
        out += kAlphabet[(v >> 12) & 0x3f];
        out += left == 2 ? kAlphabet[(v >> 6) & 0x3f] : '=';
        out += '=';
    }
    return out;
}

std::string basic_proxy_authorization(std::string_view user_password) {
    if (user_password.find(':') == std::string_view::npos) {
        return "Basic " + base64_encode(std::string(user_password) + ":");
    }
    return "Basic " + base64_encode(user_password);
}

}  // namespace looplab::http::detail
