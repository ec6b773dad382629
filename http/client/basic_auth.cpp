// http/client/basic_auth.cpp: see basic_auth.hpp.
#include "http/client/basic_auth.hpp"

#include <stdexcept>

namespace looplab::http {

std::string base64_encode(std::string_view bytes) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const unsigned n = static_cast<unsigned char>(bytes[i]) << 16 |
                           static_cast<unsigned char>(bytes[i + 1]) << 8 |
                           static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[n >> 18];
        out += kAlphabet[(n >> 12) & 63];
        out += kAlphabet[(n >> 6) & 63];
        out += kAlphabet[n & 63];
    }
    if (const std::size_t rest = bytes.size() - i; rest > 0) {
        unsigned n = static_cast<unsigned char>(bytes[i]) << 16;
        if (rest == 2) n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        out += kAlphabet[n >> 18];
        out += kAlphabet[(n >> 12) & 63];
        out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::string BasicAuth::encode() const {
    if (login.find(':') != std::string::npos)
        throw std::invalid_argument("a Basic auth login may not contain ':' (RFC 7617)");
    for (const std::string* s : {&login, &password})
        if (s->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos)
            throw std::invalid_argument("Basic auth credentials may not contain CR, LF or NUL");
    return "Basic " + base64_encode(login + ":" + password);
}

BasicAuth BasicAuth::from_user_colon_password(std::string_view text) {
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos)
        throw std::invalid_argument("-u '" + std::string(text) +
                                    "': expected user:password (looplab does not prompt)");
    return BasicAuth{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
}

}  // namespace looplab::http
