// net/socket_address.hpp: SocketAddress, an IPv4 or IPv6 address plus a port.
//
// Python: the (host, port) and (host, port, flowinfo, scope_id) tuples that socket methods take
//         and return; parse_numeric() is asyncio's base_events._ipaddr_info().
// libuv:  struct sockaddr_in / sockaddr_in6, with uv_ip4_addr() / uv_ip6_addr() / uv_ip_name().
//
// Python can pass tuples around because the C layer turns them into a struct sockaddr at every
// syscall. C++ has no such layer, so SocketAddress keeps the struct itself (sockaddr_storage plus
// its length): data() and size() go straight into bind/connect/sendto, and from_sockaddr() takes
// what accept/getsockname/getpeername return. Everything else (host(), port(), to_string()) is
// a view of those bytes.
//
// There is deliberately no empty SocketAddress: every object is a valid IPv4 or IPv6 address,
// so no function has to ask "is this one set?". Use std::optional where "no address" is a state.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

namespace looplab::net {

class SocketAddress {
public:
    // Copies an address the kernel filled in (accept, getsockname, getpeername, getaddrinfo).
    // Returns nullopt unless addr is AF_INET or AF_INET6 with at least the length that family
    // needs (a Unix-domain address, for example, is not a SocketAddress).
    static std::optional<SocketAddress> from_sockaddr(const sockaddr* addr, socklen_t length);

    // Parses the "host:port" form that to_string() prints: "127.0.0.1:8080" or "[::1]:8080".
    // IPv6 needs the brackets (in "::1:80" the port cannot be told from the address). Returns
    // nullopt for anything else, including names ("localhost:80"): resolving is resolver.hpp's job.
    static std::optional<SocketAddress> parse(std::string_view host_and_port);

    // 127.0.0.1 or ::1. family must be AF_INET or AF_INET6, else std::invalid_argument.
    static SocketAddress loopback(int family, std::uint16_t port);

    // 0.0.0.0 or :: (bind to every interface). family must be AF_INET or AF_INET6, else
    // std::invalid_argument.
    static SocketAddress any(int family, std::uint16_t port);

    // AF_INET or AF_INET6.
    [[nodiscard]] int family() const noexcept;

    // The port in host byte order.
    [[nodiscard]] std::uint16_t port() const noexcept;

    // The address as a numeric string without the port: "127.0.0.1", "::1". An IPv6 scope id
    // is appended as "%<index>" (numerically: looplab never looks up interface names).
    [[nodiscard]] std::string host() const;

    // "127.0.0.1:8080" or "[::1]:8080": what error messages and logs print.
    [[nodiscard]] std::string to_string() const;

    // True for 127.0.0.0/8 and ::1.
    [[nodiscard]] bool is_loopback() const noexcept;

    // For syscalls: connect(fd, a.data(), a.size()).
    [[nodiscard]] const sockaddr* data() const noexcept {
        return reinterpret_cast<const sockaddr*>(&storage_);
    }
    [[nodiscard]] socklen_t size() const noexcept { return length_; }

    // Same family, address, port and (IPv6) scope id. The IPv6 flow label is ignored: it labels
    // packets, it does not name an endpoint.
    friend bool operator==(const SocketAddress& a, const SocketAddress& b) noexcept;

    // Prints to_string(); lets test failures and logs show addresses readably.
    friend std::ostream& operator<<(std::ostream& out, const SocketAddress& address);

private:
    SocketAddress() noexcept;  // all-zero storage; only factories call it, and they fill it in

    sockaddr_storage storage_;  // a sockaddr_in or sockaddr_in6, in network byte order
    socklen_t length_;          // sizeof(sockaddr_in) or sizeof(sockaddr_in6)
};

// The fast path for hosts that are already numeric addresses: "127.0.0.1", "::1" or "[::1]"
// (brackets allowed because that is how URLs write IPv6 hosts). No resolver call, no thread:
// asyncio's _ipaddr_info does the same so that create_connection("127.0.0.1", ...) never waits
// for the executor.
//
// Accepted: strict dotted-quad IPv4 (four decimal parts, no leading zeros) and the standard IPv6
// text forms, as inet_pton(3) defines them. Returns nullopt for everything else, which the
// resolver then hands to getaddrinfo: names, the old shorthand "127.1", and IPv6 scope ids
// ("fe80::1%eth0"), which need an interface lookup.
std::optional<SocketAddress> parse_numeric(std::string_view host, std::uint16_t port);

}  // namespace looplab::net
