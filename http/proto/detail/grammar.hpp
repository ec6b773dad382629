// http/proto/detail/grammar.hpp: the character classes of RFC 9110 / 9112 and the small text
// helpers every part of the engine shares.
//
// h11: the regular expressions in h11/_abnf.py
//
// Classes are 256-entry tables built at compile time, so classifying a byte is one load rather
// than a chain of comparisons: the head parser asks once per byte of every head it reads.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace looplab::http::detail {

namespace table {
// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" /
//         "~" / DIGIT / ALPHA                                           (RFC 9110 5.6.2)
constexpr std::array<bool, 256> make_tchar() {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
    return t;
}
// A byte allowed inside a field value: field-vchar (VCHAR / obs-text), SP or HTAB
// (RFC 9110 5.5). Everything else is a control character, which includes CR, LF and NUL.
constexpr std::array<bool, 256> make_field_value() {
    std::array<bool, 256> t{};
    for (int c = 0x20; c <= 0xff; ++c) t[c] = c != 0x7f;
    t['\t'] = true;
    return t;
}
inline constexpr std::array<bool, 256> kTchar = make_tchar();
inline constexpr std::array<bool, 256> kFieldValue = make_field_value();
}  // namespace table

constexpr bool is_tchar(char c) {
    return table::kTchar[static_cast<unsigned char>(c)];
}
constexpr bool is_field_value_char(char c) {
    return table::kFieldValue[static_cast<unsigned char>(c)];
}
constexpr bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
constexpr bool is_ows(char c) {
    return c == ' ' || c == '\t';
}
constexpr char to_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}

// The value of a hex digit, or -1.
constexpr int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// token = 1*tchar
constexpr bool is_token(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!is_tchar(c)) return false;
    return true;
}

// Strips optional whitespace (SP / HTAB) from both ends.
constexpr std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

// ASCII case-insensitive equality: field names, tokens such as "close" and "chunked". Not
// locale-aware on purpose: HTTP's case rules are ASCII's.
constexpr bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (to_lower(a[i]) != to_lower(b[i])) return false;
    return true;
}

// Calls f(element) for each non-empty element of a comma-separated list, OWS trimmed
// (#rule, RFC 9110 5.6.1: recipients accept and ignore empty elements). Stops early and
// returns false when f returns false.
template <class F>
constexpr bool for_each_list_element(std::string_view list, F&& f) {
    while (true) {
        const std::size_t comma = list.find(',');
        const std::string_view element = trim_ows(list.substr(0, comma));
        if (!element.empty() && !f(element)) return false;
        if (comma == std::string_view::npos) return true;
        list.remove_prefix(comma + 1);
    }
}

// `text` in single quotes for an error message, with bytes outside printable ASCII written as
// \xNN and anything past 60 bytes replaced by "...": a reason string must stay one readable line
// whatever the peer sent.
std::string quote(std::string_view text);

// "0x0d": one byte for an error message.
std::string byte_name(char c);

// Throws std::invalid_argument unless `name` is a token and `value` holds only field-value
// bytes: what the serialisers check before they write a field, so that a value taken from user
// input can never smuggle a CRLF and a second header onto the wire.
void check_outgoing_field(std::string_view name, std::string_view value);

}  // namespace looplab::http::detail
