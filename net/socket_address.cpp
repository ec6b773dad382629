// net/socket_address.cpp: parsing and printing SocketAddress.
//
// Python: socket.inet_pton / inet_ntop and asyncio's _ipaddr_info.
// libuv:  uv_inet_pton / uv_inet_ntop (src/inet.c), uv_ip4_addr / uv_ip6_addr.
//
// Parsing and printing go through inet_pton / inet_ntop rather than hand-written code: they
// define what the rest of the system (getaddrinfo, tools, logs) considers the text form of an
// address, and an address that prints one way here and another way there is a debugging trap.
#include "net/socket_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <array>
#include <charconv>
#include <cstring>
#include <ostream>
#include <stdexcept>

namespace looplab::net {

namespace {

// inet_pton wants a NUL-terminated string and string_view is not one, so hosts are copied into
// a buffer first. INET6_ADDRSTRLEN (46) fits the longest IPv6 text form with its terminator;
// anything longer cannot be a numeric address.
constexpr std::size_t max_numeric_host = INET6_ADDRSTRLEN - 1;

bool copy_terminated(std::string_view text, std::array<char, INET6_ADDRSTRLEN>& out) {
    if (text.empty() || text.size() > max_numeric_host) return false;
    // An embedded NUL would make inet_pton see a shorter string than the caller passed.
    if (text.find('\0') != std::string_view::npos) return false;
    std::memcpy(out.data(), text.data(), text.size());
    out[text.size()] = '\0';
    return true;
}

void check_family(int family) {
    if (family != AF_INET && family != AF_INET6) {
        throw std::invalid_argument("SocketAddress: family must be AF_INET or AF_INET6, not " +
                                    std::to_string(family));
    }
}

}  // namespace

SocketAddress::SocketAddress() noexcept : storage_{}, length_{0} {}

std::optional<SocketAddress> SocketAddress::from_sockaddr(const sockaddr* addr, socklen_t length) {
    // The family field is read only once the length says it is there.
    if (addr == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t))) {
        return std::nullopt;
    }
    SocketAddress result;
    if (addr->sa_family == AF_INET && length >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        result.length_ = sizeof(sockaddr_in);
    } else if (addr->sa_family == AF_INET6 &&
               length >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        result.length_ = sizeof(sockaddr_in6);
    } else {
        return std::nullopt;
    }
    std::memcpy(&result.storage_, addr, result.length_);
    return result;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view host_and_port) {
    // The port is everything after the last ':'. For IPv6 the host must then be bracketed, which
    // is what stops "::1:80" from being read as host "::1", port 80 (or host "::", port 1...).
    const auto colon = host_and_port.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    const std::string_view host = host_and_port.substr(0, colon);
    const std::string_view port_text = host_and_port.substr(colon + 1);

    // from_chars rejects signs and whitespace; the size check rejects "080"-style padding that
    // to_string() never prints, so parse() accepts exactly what to_string() produces.
    std::uint16_t port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size()) return std::nullopt;
    if (port_text.size() > 1 && port_text.front() == '0') return std::nullopt;

    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    auto address = parse_numeric(host, port);
    if (!address) return std::nullopt;
    // "::1:80" parses as the IPv6 address "::1" + port 80 only if brackets were written.
    if (address->family() == AF_INET6 && !bracketed) return std::nullopt;
    return address;
}

SocketAddress SocketAddress::loopback(int family, std::uint16_t port) {
    check_family(family);
    SocketAddress result;
    if (family == AF_INET) {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&result.storage_);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        result.length_ = sizeof(sockaddr_in);
    } else {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&result.storage_);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        v6->sin6_addr = in6addr_loopback;
        result.length_ = sizeof(sockaddr_in6);
    }
    return result;
}

SocketAddress SocketAddress::any(int family, std::uint16_t port) {
    check_family(family);
    SocketAddress result;
    // The storage is zeroed, and all-zero bytes are INADDR_ANY / in6addr_any.
    if (family == AF_INET) {
        auto* v4 = reinterpret_cast<sockaddr_in*>(&result.storage_);
        v4->sin_family = AF_INET;
        v4->sin_port = htons(port);
        result.length_ = sizeof(sockaddr_in);
    } else {
        auto* v6 = reinterpret_cast<sockaddr_in6*>(&result.storage_);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(port);
        result.length_ = sizeof(sockaddr_in6);
    }
    return result;
}

int SocketAddress::family() const noexcept {
    return storage_.ss_family;
}

std::uint16_t SocketAddress::port() const noexcept {
    if (family() == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
}

std::string SocketAddress::host() const {
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (family() == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage_);
        ::inet_ntop(AF_INET, &v4->sin_addr, text.data(), text.size());
        return text.data();
    }
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text.data(), text.size());
    std::string result = text.data();
    if (v6->sin6_scope_id != 0) result += "%" + std::to_string(v6->sin6_scope_id);
    return result;
}

std::string SocketAddress::to_string() const {
    const std::string port_text = std::to_string(port());
    if (family() == AF_INET6) return "[" + host() + "]:" + port_text;
    return host() + ":" + port_text;
}

bool SocketAddress::is_loopback() const noexcept {
    if (family() == AF_INET) {
        const auto* v4 = reinterpret_cast<const sockaddr_in*>(&storage_);
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    return std::memcmp(&v6->sin6_addr, &in6addr_loopback, sizeof(in6_addr)) == 0;
}

bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept {
    // Field by field, not memcmp of the whole storage: sin_zero padding and the IPv6 flow label
    // are not part of an endpoint's identity.
    if (a.family() != b.family() || a.port() != b.port()) return false;
    if (a.family() == AF_INET) {
        const auto* x = reinterpret_cast<const sockaddr_in*>(&a.storage_);
        const auto* y = reinterpret_cast<const sockaddr_in*>(&b.storage_);
        return x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    const auto* x = reinterpret_cast<const sockaddr_in6*>(&a.storage_);
    const auto* y = reinterpret_cast<const sockaddr_in6*>(&b.storage_);
    return std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(in6_addr)) == 0 &&
           x->sin6_scope_id == y->sin6_scope_id;
}

std::ostream& operator<<(std::ostream& out, const SocketAddress& address) {
    return out << address.to_string();
}

std::optional<SocketAddress> parse_numeric(std::string_view host, std::uint16_t port) {
    // Brackets only ever wrap IPv6: "[::1]" is how URLs write it, "[127.0.0.1]" is not a thing.
    const bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (bracketed) host = host.substr(1, host.size() - 2);

    std::array<char, INET6_ADDRSTRLEN> text{};
    if (!copy_terminated(host, text)) return std::nullopt;

    if (!bracketed) {
        sockaddr_in v4{};
        if (::inet_pton(AF_INET, text.data(), &v4.sin_addr) == 1) {
            v4.sin_family = AF_INET;
            v4.sin_port = htons(port);
            return SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&v4), sizeof v4);
        }
    }
    sockaddr_in6 v6{};
    if (::inet_pton(AF_INET6, text.data(), &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(port);
        return SocketAddress::from_sockaddr(reinterpret_cast<const sockaddr*>(&v6), sizeof v6);
    }
    return std::nullopt;
}

}  // namespace looplab::net
