// http/client/proxy.cpp: see proxy.hpp.
#include "http/client/proxy.hpp"

#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <initializer_list>

#include "http/client/client_errors.hpp"
#include "http/client/origin_key.hpp"
#include "http/client/proxy_auth.hpp"
#include "http/proto/serializer.hpp"

namespace looplab::http {

namespace {

constexpr std::size_t kMaxTunnelReplyHead = 16 * 1024;

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// The first of the environment variables that is set and not empty.
std::optional<std::string> first_env(std::initializer_list<const char*> names) {
    for (const char* name : names) {
        const char* value = std::getenv(name);
        if (value && *value) return std::string(value);
    }
    return std::nullopt;
}

// "%40" -> "@": credentials in a URL are percent-encoded (curl decodes them too).
std::string percent_decode(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() &&
            std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
            out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

// Whether an authority ("host", "host:3128", "[::1]", "[::1]:3128") names a port.
bool has_port(std::string_view authority) {
    const std::size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos) return false;
    const std::size_t bracket = authority.rfind(']');
    return bracket == std::string_view::npos || colon > bracket;
}

// One no_proxy entry against a lower-cased host and its port.
bool entry_matches(std::string_view entry, const std::string& host, std::uint16_t port) {
    std::string pattern = lower(entry);
    if (has_port(pattern)) {
        const std::size_t colon = pattern.rfind(':');
        if (pattern.substr(colon + 1) != std::to_string(port)) return false;
        pattern.resize(colon);
    }
    if (pattern.size() >= 2 && pattern.front() == '[' && pattern.back() == ']') {
        pattern = pattern.substr(1, pattern.size() - 2);
    }
    while (!pattern.empty() && pattern.front() == '.') pattern.erase(0, 1);
    if (pattern.empty()) return false;
    if (host == pattern) return true;
    return host.size() > pattern.size() && host.ends_with(pattern) &&
           host[host.size() - pattern.size() - 1] == '.';
}

}  // namespace

std::string Proxy::name() const {
    return "proxy " + origin_key(url);
}

Proxy Proxy::parse(std::string_view text) {
    std::string_view rest = trim(text);
    const std::size_t scheme_end = rest.find("://");
    if (scheme_end != std::string_view::npos) {
        const std::string scheme = lower(rest.substr(0, scheme_end));
        if (scheme != "http") {
            throw InvalidUrl("proxy '" + std::string(text) + "': only http:// proxies are " +
                             "supported (https:// URLs go through them with CONNECT)");
        }
        rest.remove_prefix(scheme_end + 3);
    }
    Proxy proxy;
    const std::size_t authority_end = rest.find('/');
    std::string_view authority = rest.substr(0, authority_end);
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
        proxy.authorization =
            detail::basic_proxy_authorization(percent_decode(authority.substr(0, at)));
        authority.remove_prefix(at + 1);
    }
    std::string url = "http://" + std::string(authority);
    if (!has_port(authority)) url += ":1080";  // curl's default proxy port
    try {
        proxy.url = Url::parse(url);
    } catch (const InvalidUrl& e) {
        throw InvalidUrl("proxy '" + std::string(text) + "': " + e.what());
    }
    return proxy;
}

ProxySettings ProxySettings::from_environment() {
    ProxySettings settings;
    const std::optional<std::string> all = first_env({"all_proxy", "ALL_PROXY"});
    settings.http = first_env({"http_proxy"});
    if (!settings.http) settings.http = all;
    settings.https = first_env({"https_proxy", "HTTPS_PROXY"});
    if (!settings.https) settings.https = all;
    settings.no_proxy = first_env({"no_proxy", "NO_PROXY"}).value_or("");
    return settings;
}

ProxySettings ProxySettings::all(std::string proxy) {
    ProxySettings settings;
    settings.http = proxy;
    settings.https = std::move(proxy);
    return settings;
}

std::optional<Proxy> ProxySettings::for_url(const Url& target) const {
    const std::optional<std::string>& text = target.is_tls() ? https : http;
    if (!text || bypasses_proxy(target, no_proxy)) return std::nullopt;
    Proxy proxy = Proxy::parse(*text);
    if (auth) proxy.authorization = detail::basic_proxy_authorization(*auth);
    return proxy;
}

bool bypasses_proxy(const Url& target, std::string_view no_proxy) {
    const std::string host = lower(target.host());
    std::string_view rest = no_proxy;
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view entry = trim(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (entry == "*") return true;
        if (entry_matches(entry, host, target.port())) return true;
    }
    return false;
}

}  // namespace looplab::http

namespace looplab::http::detail {

void write_proxied_head(const Hop& hop, const Proxy& proxy, std::string& out) {
    Headers headers = hop.headers;
    if (proxy.authorization && !headers.contains("Proxy-Authorization")) {
        headers.add("Proxy-Authorization", *proxy.authorization);
    }
    write_request_head(out, hop.method, hop.url.str(), hop.url.host_header(), headers,
                       sends_body(hop.method, hop.body) ? OutgoingBody::of_length(hop.body.size())
                                                        : OutgoingBody::none());
}

std::string connect_request(const Url& target, const Proxy& proxy) {
    // The authority form (RFC 9112 3.2.3), port always given; Host is the same (RFC 9110 9.3.6).
    std::string authority = target.is_ipv6() ? "[" + target.host() + "]" : target.host();
    authority += ":" + std::to_string(target.port());
    Headers headers;
    if (proxy.authorization) headers.add("Proxy-Authorization", *proxy.authorization);
    headers.add("User-Agent", "looplab/0.1");
    std::string out;
    write_request_head(out, "CONNECT", authority, authority, headers);
    return out;
}

std::optional<TunnelReply> parse_tunnel_reply(std::string_view received, const Proxy& proxy) {
    const std::size_t end = received.find("\r\n\r\n");
    if (end == std::string_view::npos) {
        if (received.size() > kMaxTunnelReplyHead) {
            throw ClientProxyError(proxy.name() + " answered CONNECT with a head over 16 KiB", 0);
        }
        return std::nullopt;
    }
    const std::string_view line = received.substr(0, received.find("\r\n"));
    // "HTTP/1.1 200 Connection established"
    if (!line.starts_with("HTTP/1.") || line.size() < 12 || line[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(line[9])) ||
        !std::isdigit(static_cast<unsigned char>(line[10])) ||
        !std::isdigit(static_cast<unsigned char>(line[11]))) {
        throw ClientProxyError(proxy.name() + " answered CONNECT with a malformed status line", 0);
    }
    TunnelReply reply;
    reply.status = std::stoi(std::string(line.substr(9, 3)));
    if (line.size() > 13) reply.reason = std::string(line.substr(13));
    return reply;
}

void check_tunnel_reply(const TunnelReply& reply, const Proxy& proxy, const Url& target) {
    if (reply.status >= 200 && reply.status < 300) return;
    std::string message = proxy.name() + " refused the tunnel to " + origin_key(target) + ": " +
                          std::to_string(reply.status) +
                          (reply.reason.empty() ? "" : " " + reply.reason);
    if (reply.status == 407) {
        message += proxy.authorization ? " (the proxy did not accept the credentials)"
                                       : " (the proxy wants credentials: proxy_auth, "
                                         "lab-get --proxy-user USER:PASSWORD)";
    }
    throw ClientProxyError(message, reply.status);
}

}  // namespace looplab::http::detail
