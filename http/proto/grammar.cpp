// http/proto/grammar.cpp: the out-of-line text helpers of http/proto/detail/grammar.hpp
// (error-message quoting and the outgoing field check); the character classes themselves are
// constexpr tables in the header.
#include "http/proto/detail/grammar.hpp"

#include <stdexcept>

namespace looplab::http::detail {

namespace {
constexpr std::size_t kQuoteMax = 60;
constexpr char kHex[] = "0123456789abcdef";
}  // namespace

std::string byte_name(char c) {
    const auto u = static_cast<unsigned char>(c);
    return std::string{'0', 'x', kHex[u >> 4], kHex[u & 0xf]};
}

std::string quote(std::string_view text) {
    std::string out = "'";
    for (std::size_t i = 0; i < text.size() && i < kQuoteMax; ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        if (u >= 0x20 && u < 0x7f) {
            out += text[i];
        } else {
            out += "\\x";
            out += kHex[u >> 4];
            out += kHex[u & 0xf];
        }
    }
    if (text.size() > kQuoteMax) out += "...";
    out += '\'';
    return out;
}

void check_outgoing_field(std::string_view name, std::string_view value) {
    if (!is_token(name)) throw std::invalid_argument("invalid header field name " + quote(name));
    for (char c : value) {
        if (!is_field_value_char(c)) {
            throw std::invalid_argument("invalid byte " + byte_name(c) + " in value of header " +
                                        quote(name) +
                                        " (CR, LF and control bytes are not allowed)");
        }
    }
}

}  // namespace looplab::http::detail
