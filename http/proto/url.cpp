// http/proto/url.cpp: http:// and https:// URL parsing (http/proto/url.hpp), following RFC 3986's
// split into scheme, authority, path, query and fragment.
#include "http/proto/url.hpp"

#include <string>

#include "http/proto/detail/grammar.hpp"

namespace looplab::http {

namespace {

using detail::quote;

// reg-name bytes we accept: unreserved (RFC 3986 2.3). Percent-encoded and sub-delim host
// names exist on paper but not in DNS; rejecting them gives a clear error instead of a failed
// lookup.
bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || detail::is_digit(c) || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

std::uint16_t parse_port(std::string_view port, std::string_view url) {
    if (port.empty()) throw InvalidUrl("empty port in URL " + quote(url));
    unsigned long value = 0;
    for (char c : port) {
        if (!detail::is_digit(c))
            throw InvalidUrl("invalid port " + quote(port) + " in URL " + quote(url));
        value = value * 10 + static_cast<unsigned long>(c - '0');
        if (value > 65535) throw InvalidUrl("port " + quote(port) + " out of range (1-65535)");
    }
    if (value == 0) throw InvalidUrl("port 0 is not a valid destination port");
    return static_cast<std::uint16_t>(value);
}

}  // namespace

Url Url::parse(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        if (u <= 0x20 || u >= 0x7f)
            throw InvalidUrl("invalid byte " + detail::byte_name(text[i]) + " at offset " +
                             std::to_string(i) + " in URL " + quote(text) +
                             " (spaces, control and non-ASCII bytes must be percent-encoded)");
    }
    const std::size_t colon_slashes = text.find("://");
    if (colon_slashes == std::string_view::npos)
        throw InvalidUrl("URL " + quote(text) + " has no scheme (expected http://host/path)");
    const std::string_view scheme = text.substr(0, colon_slashes);
    const bool tls = detail::iequals(scheme, "https");
    if (!tls && !detail::iequals(scheme, "http"))
        throw InvalidUrl("unsupported URL scheme " + quote(scheme) +
                         " (only http:// and https:// are supported)");

    std::string_view rest = text.substr(colon_slashes + 3);
    if (const std::size_t hash = rest.find('#'); hash != std::string_view::npos)
        rest = rest.substr(0, hash);  // the fragment is for the client only, never sent
    const std::size_t authority_end = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, authority_end);
    const std::string_view path_and_query =
        authority_end == std::string_view::npos ? std::string_view{} : rest.substr(authority_end);

    if (authority.find('@') != std::string_view::npos)
        throw InvalidUrl(
            "userinfo (user:password@) in URLs is not supported; send credentials "
            "in an Authorization header instead");

    Url url;
    url.tls_ = tls;
    url.port_ = url.default_port();
    std::string_view port_text;
    bool has_port = false;
    if (!authority.empty() && authority.front() == '[') {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos)
            throw InvalidUrl("unterminated IPv6 literal in URL " + quote(text));
        const std::string_view literal = authority.substr(1, close - 1);
        if (literal.find(':') == std::string_view::npos)
            throw InvalidUrl("invalid IPv6 literal " + quote(literal));
        for (char c : literal)
            if (detail::hex_value(c) < 0 && c != ':' && c != '.')
                throw InvalidUrl("invalid IPv6 literal " + quote(literal) +
                                 " (zone identifiers are not supported)");
        url.host_.assign(literal);
        url.ipv6_ = true;
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':')
                throw InvalidUrl("unexpected " + quote(after) + " after IPv6 literal in URL " +
                                 quote(text));
            has_port = true;
            port_text = after.substr(1);
        }
    } else {
        const std::size_t colon = authority.find(':');
        const std::string_view host = authority.substr(0, colon);
        if (colon != std::string_view::npos) {
            has_port = true;
            port_text = authority.substr(colon + 1);
            if (port_text.find(':') != std::string_view::npos)
                throw InvalidUrl("IPv6 addresses in URLs must be in brackets: http://[::1]:8080/");
        }
        for (char c : host)
            if (!is_host_char(c))
                throw InvalidUrl("invalid character " + quote(std::string(1, c)) + " in host " +
                                 quote(host));
        url.host_.assign(host);
    }
    if (url.host_.empty()) throw InvalidUrl("URL " + quote(text) + " has no host");
    if (has_port) url.port_ = parse_port(port_text, text);

    const std::size_t question = path_and_query.find('?');
    const std::string_view path = path_and_query.substr(0, question);
    if (!path.empty()) url.path_.assign(path);
    if (question != std::string_view::npos) url.query_.assign(path_and_query.substr(question + 1));
    return url;
}

std::string Url::target() const {
    if (query_.empty()) return path_;
    return path_ + '?' + query_;
}

std::string Url::host_header() const {
    std::string out = ipv6_ ? '[' + host_ + ']' : host_;
    if (port_ != default_port()) out += ':' + std::to_string(port_);
    return out;
}

std::string Url::str() const {
    return std::string(scheme()) + "://" + host_header() + target();
}

}  // namespace looplab::http
