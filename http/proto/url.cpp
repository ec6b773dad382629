// http/proto/url.cpp: http:// and https:// URL parsing (http/proto/url.hpp), following RFC 3986's
// split into scheme, authority, path, query and fragment, and its reference resolution (section 5).
#include "http/proto/url.hpp"

#include <optional>
#include <string>

#include "http/proto/detail/grammar.hpp"

namespace looplab::http {

namespace {

using detail::quote;

// ---- RFC 3986's five components ------------------------------------------------------------

// A URI reference split as Appendix B's regular expression splits it,
//     ^(([^:/?#]+):)?(//([^/?#]*))?([^?#]*)(\?([^#]*))?(#(.*))?
// where a component that is absent (no "?" at all) differs from one that is empty ("?"), as
// section 5.3 needs to put a reference back together.
struct Parts {
    std::optional<std::string_view> scheme;
    std::optional<std::string_view> authority;
    std::string_view path;
    std::optional<std::string_view> query;
    std::optional<std::string_view> fragment;
};

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1)
bool is_scheme(std::string_view s) {
    if (s.empty() || !is_alpha(s.front())) return false;
    for (char c : s)
        if (!is_alpha(c) && !detail::is_digit(c) && c != '+' && c != '-' && c != '.') return false;
    return true;
}

Parts split(std::string_view text) {
    Parts parts;
    if (const std::size_t hash = text.find('#'); hash != std::string_view::npos) {
        parts.fragment = text.substr(hash + 1);
        text = text.substr(0, hash);
    }
    if (const std::size_t question = text.find('?'); question != std::string_view::npos) {
        parts.query = text.substr(question + 1);
        text = text.substr(0, question);
    }
    // A scheme is what comes before the first ':', if no '/' comes before it: so the "://" in
    // "/anything?next=http://x" (already cut off with the query) is never taken for one.
    if (const std::size_t colon = text.find(':'); colon != std::string_view::npos &&
                                                  text.find('/') > colon &&
                                                  is_scheme(text.substr(0, colon))) {
        parts.scheme = text.substr(0, colon);
        text = text.substr(colon + 1);
    }
    if (text.starts_with("//")) {
        const std::size_t end = text.find('/', 2);
        parts.authority = text.substr(2, end == std::string_view::npos ? end : end - 2);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end);
    }
    parts.path = text;
    return parts;
}

// Section 5.3, component recomposition.
std::string recompose(const Parts& parts, std::string_view path) {
    std::string out;
    if (parts.scheme) out.append(*parts.scheme).append(":");
    if (parts.authority) out.append("//").append(*parts.authority);
    out.append(path);
    if (parts.query) out.append("?").append(*parts.query);
    if (parts.fragment) out.append("#").append(*parts.fragment);
    return out;
}

// Section 5.2.3: a relative path against the base's.
std::string merge(const Parts& base, std::string_view path) {
    if (base.authority && base.path.empty()) return "/" + std::string(path);
    const std::size_t slash = base.path.rfind('/');
    if (slash == std::string_view::npos) return std::string(path);
    return std::string(base.path.substr(0, slash + 1)) + std::string(path);
}

// ---- Percent-encoding ------------------------------------------------------------------------

constexpr char kHex[] = "0123456789ABCDEF";

void append_escape(std::string& out, char c) {
    const auto u = static_cast<unsigned char>(c);
    out += '%';
    out += kHex[u >> 4];
    out += kHex[u & 0x0f];
}

bool is_unreserved(char c) {
    return is_alpha(c) || detail::is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// pchar's other members and the '/' and '?' a path or query may hold (RFC 3986 3.3, 3.4).
bool is_path_or_query_char(char c) {
    return is_unreserved(c) ||
           std::string_view("!$&'()*+,;=:@/?").find(c) != std::string_view::npos;
}

// ---- The authority ---------------------------------------------------------------------------

// reg-name bytes we accept: unreserved (RFC 3986 2.3). Percent-encoded and sub-delim host
// names exist on paper but not in DNS; rejecting them gives a clear error instead of a failed
// lookup.
bool is_host_char(char c) {
    return is_alpha(c) || detail::is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~';
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

[[noreturn]] void throw_bad_byte(std::string_view text, std::size_t offset, const char* advice) {
    throw InvalidUrl("invalid byte " + detail::byte_name(text[offset]) + " at offset " +
                     std::to_string(offset) + " in URL " + quote(text) + " (" + advice + ")");
}

// Control bytes are refused anywhere (a CR LF in a URL would start a header of its own), and
// so is whitespace around the URL; spaces inside a path or query are quoted later.
void check_bytes(std::string_view text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto u = static_cast<unsigned char>(text[i]);
        if (u < 0x20 || u == 0x7f) throw_bad_byte(text, i, "control bytes must be percent-encoded");
    }
    if (!text.empty() && text.front() == ' ') throw_bad_byte(text, 0, "leading space");
    if (!text.empty() && text.back() == ' ')
        throw_bad_byte(text, text.size() - 1, "trailing space");
}

struct HostPort {
    std::string host;
    bool ipv6 = false;
    std::optional<std::uint16_t> port;
};

HostPort parse_ipv6_authority(std::string_view authority, std::string_view text) {
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
    HostPort out{std::string(literal), true, std::nullopt};
    const std::string_view after = authority.substr(close + 1);
    if (after.empty()) return out;
    if (after.front() != ':')
        throw InvalidUrl("unexpected " + quote(after) + " after IPv6 literal in URL " +
                         quote(text));
    out.port = parse_port(after.substr(1), text);
    return out;
}

HostPort parse_authority(std::string_view authority, std::string_view text) {
    if (authority.find('@') != std::string_view::npos)
        throw InvalidUrl(
            "userinfo (user:password@) in URLs is not supported; pass the credentials as "
            "BasicAuth (lab-get -u user:password) instead");
    for (std::size_t i = 0; i < authority.size(); ++i)
        if (authority[i] == ' ')
            throw_bad_byte(text, static_cast<std::size_t>(authority.data() - text.data()) + i,
                           "a host has no spaces");
    if (!authority.empty() && authority.front() == '[')
        return parse_ipv6_authority(authority, text);
    HostPort out;
    const std::size_t colon = authority.find(':');
    const std::string_view host = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
        const std::string_view port = authority.substr(colon + 1);
        if (port.find(':') != std::string_view::npos)
            throw InvalidUrl("IPv6 addresses in URLs must be in brackets: http://[::1]:8080/");
        out.port = parse_port(port, text);
    }
    for (char c : host) {
        if (static_cast<unsigned char>(c) >= 0x80)
            throw InvalidUrl("host " + quote(host) +
                             " is not ASCII: an internationalized name must be converted to its "
                             "IDNA form (xn--...) first; looplab's clients do it with "
                             "http::idna_to_ascii (http/idna/idna.hpp)");
        if (!is_host_char(c))
            throw InvalidUrl("invalid character " + quote(std::string(1, c)) + " in host " +
                             quote(host));
    }
    out.host.assign(host);
    return out;
}

}  // namespace

// ---- RFC 3986 on text ------------------------------------------------------------------------

std::string remove_dot_segments(std::string_view in) {
    // Section 5.2.4's loop: the input buffer is consumed from the left, the output buffer
    // grows on the right, and "/.." removes the output's last segment.
    std::string out;
    while (!in.empty()) {
        if (in.starts_with("../")) {
            in.remove_prefix(3);
        } else if (in.starts_with("./")) {
            in.remove_prefix(2);
        } else if (in.starts_with("/./")) {
            in.remove_prefix(2);
        } else if (in == "/.") {
            in = "/";
        } else if (in.starts_with("/../") || in == "/..") {
            in = in.size() == 3 ? std::string_view("/") : in.substr(3);
            const std::size_t slash = out.rfind('/');
            out.erase(slash == std::string::npos ? 0 : slash);
        } else if (in == "." || in == "..") {
            in = {};
        } else {
            const std::size_t next = in.find('/', 1);
            const std::string_view segment = in.substr(0, next);
            out.append(segment);
            in.remove_prefix(segment.size());
        }
    }
    return out;
}

std::string resolve_reference(std::string_view base_text, std::string_view reference) {
    const Parts base = split(base_text);
    Parts ref = split(reference);
    Parts target;
    std::string path;
    if (ref.scheme) {
        target = ref;
        path = remove_dot_segments(ref.path);
    } else {
        if (ref.authority) {
            target.authority = ref.authority;
            path = remove_dot_segments(ref.path);
            target.query = ref.query;
        } else {
            if (ref.path.empty()) {
                path = std::string(base.path);
                target.query = ref.query ? ref.query : base.query;
            } else {
                path = remove_dot_segments(ref.path.starts_with('/') ? std::string(ref.path)
                                                                     : merge(base, ref.path));
                target.query = ref.query;
            }
            target.authority = base.authority;
        }
        target.scheme = base.scheme;
    }
    target.fragment = ref.fragment;
    return recompose(target, path);
}

std::string quote_unsafe(std::string_view part) {
    std::string out;
    out.reserve(part.size());
    for (std::size_t i = 0; i < part.size(); ++i) {
        const char c = part[i];
        const bool valid_escape = c == '%' && i + 2 < part.size() &&
                                  detail::hex_value(part[i + 1]) >= 0 &&
                                  detail::hex_value(part[i + 2]) >= 0;
        if (is_path_or_query_char(c) || valid_escape) {
            out += c;
        } else {
            append_escape(out, c);
        }
    }
    return out;
}

std::string form_urlencode(const Params& params) {
    auto encode = [](std::string& out, std::string_view s) {
        for (char c : s) {
            if (is_alpha(c) || detail::is_digit(c) || c == '*' || c == '-' || c == '.' || c == '_')
                out += c;
            else if (c == ' ')
                out += '+';
            else
                append_escape(out, c);
        }
    };
    std::string out;
    for (const auto& [name, value] : params) {
        if (!out.empty()) out += '&';
        encode(out, name);
        out += '=';
        encode(out, value);
    }
    return out;
}

// ---- Url -------------------------------------------------------------------------------------

Url Url::parse(std::string_view text) {
    check_bytes(text);
    const Parts parts = split(text);
    if (!parts.scheme || !parts.authority)
        throw InvalidUrl("URL " + quote(text) +
                         " has no scheme and host (expected http://host/path)");
    const bool tls = detail::iequals(*parts.scheme, "https");
    if (!tls && !detail::iequals(*parts.scheme, "http"))
        throw InvalidUrl("unsupported URL scheme " + quote(*parts.scheme) +
                         " (only http:// and https:// are supported)");

    HostPort authority = parse_authority(*parts.authority, text);
    if (authority.host.empty()) throw InvalidUrl("URL " + quote(text) + " has no host");
    Url url;
    url.tls_ = tls;
    url.port_ = authority.port ? *authority.port : url.default_port();
    url.host_ = std::move(authority.host);
    url.ipv6_ = authority.ipv6;
    // The fragment is for the client only, never sent.
    if (!parts.path.empty()) url.path_ = remove_dot_segments(quote_unsafe(parts.path));
    if (url.path_.empty()) url.path_ = "/";
    if (parts.query) url.query_ = quote_unsafe(*parts.query);
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

Url Url::resolve(std::string_view reference) const {
    return parse(resolve_reference(str(), reference));
}

Url Url::with_params(const Params& params) const {
    Url out = *this;
    if (params.empty()) return out;
    const std::string encoded = form_urlencode(params);
    out.query_ = out.query_.empty() ? encoded : out.query_ + '&' + encoded;
    return out;
}

}  // namespace looplab::http
