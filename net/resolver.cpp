// net/resolver.cpp: resolve_blocking(), the numeric fast path, then getaddrinfo(3).
//
// Python: socket.getaddrinfo (Modules/socketmodule.c) and asyncio's _ipaddr_info.
// libuv:  uv__getaddrinfo_work() in src/unix/getaddrinfo.c, the part that runs on the pool.
//
// The addrinfo list getaddrinfo returns is owned by a unique_ptr with freeaddrinfo as deleter,
// so converting it to SocketAddress values (which may throw bad_alloc) cannot leak it.
#include "net/resolver.hpp"

#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <memory>
#include <stdexcept>
#include <string>

#include "net/errors.hpp"

namespace looplab::net {

namespace {

std::atomic<std::uint64_t> getaddrinfo_call_count{0};

#ifdef EAI_ADDRFAMILY
constexpr int wrong_family_error = EAI_ADDRFAMILY;  // glibc, BSDs: "no address of that family"
#else
constexpr int wrong_family_error = EAI_NONAME;
#endif

// True for "invalid" and every name under it, in any case, with or without the trailing dot
// that marks a fully qualified name (RFC 6761 section 6.4).
bool is_reserved_invalid_name(std::string_view host) {
    if (!host.empty() && host.back() == '.') host.remove_suffix(1);
    constexpr std::string_view label = "invalid";
    if (host.size() < label.size()) return false;
    const std::string_view tail = host.substr(host.size() - label.size());
    const bool tail_matches =
        std::equal(tail.begin(), tail.end(), label.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
    if (!tail_matches) return false;
    return host.size() == label.size() || host[host.size() - label.size() - 1] == '.';
}

struct AddrinfoDeleter {
    void operator()(addrinfo* list) const noexcept { ::freeaddrinfo(list); }
};
using AddrinfoList = std::unique_ptr<addrinfo, AddrinfoDeleter>;

}  // namespace

std::vector<SocketAddress> resolve_blocking(std::string_view host, std::uint16_t port, int family,
                                            int flags) {
    if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) {
        throw std::invalid_argument(
            "resolve_blocking: family must be AF_UNSPEC, AF_INET or "
            "AF_INET6, not " +
            std::to_string(family));
    }
    // getaddrinfo takes a C string: an embedded NUL would silently cut the name short.
    if (host.empty() || host.find('\0') != std::string_view::npos) {
        throw NameResolutionError(EAI_NONAME, std::string(host));
    }

    // 1. Numeric: no resolver, no thread.
    if (auto address = parse_numeric(host, port)) {
        if (family != AF_UNSPEC && address->family() != family) {
            throw NameResolutionError(wrong_family_error, std::string(host));
        }
        return {*address};
    }

    // 2. RFC 6761: ".invalid" never resolves, so do not ask.
    if (is_reserved_invalid_name(host)) throw NameResolutionError(EAI_NONAME, std::string(host));

    // 3. The system resolver.
    const std::string name(host);
    const std::string service = std::to_string(port);
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = flags | AI_NUMERICSERV;

    addrinfo* raw = nullptr;
    getaddrinfo_call_count.fetch_add(1, std::memory_order_relaxed);
    const int status = ::getaddrinfo(name.c_str(), service.c_str(), &hints, &raw);
    const int saved_errno = errno;  // meaningful only for EAI_SYSTEM
    const AddrinfoList list(raw);
    if (status != 0) throw NameResolutionError(status, name, saved_errno);

    std::vector<SocketAddress> addresses;
    for (const addrinfo* entry = list.get(); entry != nullptr; entry = entry->ai_next) {
        auto address = SocketAddress::from_sockaddr(entry->ai_addr, entry->ai_addrlen);
        if (!address) continue;  // not IPv4/IPv6: cannot happen with these hints, but be safe
        // /etc/hosts may list a name on several lines; trying one address twice helps no one.
        if (std::find(addresses.begin(), addresses.end(), *address) != addresses.end()) continue;
        addresses.push_back(*address);
    }
    if (addresses.empty()) throw NameResolutionError(EAI_NONAME, name);
    return addresses;
}

namespace detail {

std::uint64_t getaddrinfo_calls() noexcept {
    return getaddrinfo_call_count.load(std::memory_order_relaxed);
}

}  // namespace detail

}  // namespace looplab::net
