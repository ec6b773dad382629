// net/resolver.hpp: host name -> addresses, the blocking way.
//
// Python: socket.getaddrinfo(), and asyncio's loop.getaddrinfo(), which runs it in the default
//         executor after trying base_events._ipaddr_info() (the numeric fast path).
// libuv:  uv_getaddrinfo() (src/unix/getaddrinfo.c), which runs getaddrinfo on the threadpool.
//
// getaddrinfo(3) may read /etc/hosts, talk to a DNS server and wait seconds for the answer, and
// it has no non-blocking form. So this function is plain blocking code that knows nothing about
// the event loop; the loop's getaddrinfo() will call it on an executor thread, the same split
// asyncio and libuv make. What the loop can do cheaply, it does here first: a host that is
// already a numeric address needs no resolver and no thread.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "net/socket_address.hpp"

namespace looplab::net {

// The addresses host resolves to for a TCP connection to port, in the order getaddrinfo gives
// them (RFC 6724's preference order: try them first to last), without duplicates.
//
// Steps, cheapest first:
// 1. A numeric host ("127.0.0.1", "::1", "[::1]") is parsed by parse_numeric() and returned
//    as the only address. getaddrinfo is not called.
// 2. A name under ".invalid" fails at once with EAI_NONAME without calling getaddrinfo. RFC 6761
//    reserves that domain so it never resolves, and asks resolvers to answer negatively without
//    asking anyone; glibc still sends such names to DNS, which can take seconds (or be traffic a
//    sandbox forbids), so looplab keeps that promise itself.
// 3. Anything else goes to getaddrinfo(3) with type SOCK_STREAM, the port as a numeric service
//    (AI_NUMERICSERV: no /etc/services lookup) and ai_flags = flags. AI_ADDRCONFIG is not added
//    (Python's socket.create_connection does not add it either): it makes glibc drop address
//    families for which the machine has no non-loopback address, so on a machine with only a
//    loopback interface, "localhost" could resolve to nothing at all. Pass AI_NUMERICHOST in
//    flags to forbid any lookup (such a call never blocks).
//
// family is AF_UNSPEC (both), AF_INET or AF_INET6; anything else throws std::invalid_argument.
// A numeric host of the other family throws NameResolutionError (EAI_ADDRFAMILY), as getaddrinfo
// would. Throws NameResolutionError when the name cannot be resolved (also for an empty host);
// never returns an empty vector. Blocks for as long as getaddrinfo does: call it off the loop.
std::vector<SocketAddress> resolve_blocking(std::string_view host, std::uint16_t port,
                                            int family = AF_UNSPEC, int flags = 0);

namespace detail {

// How many times resolve_blocking has called getaddrinfo in this process (thread-safe). It
// lets tests show that the fast paths really skip the resolver, and debug tooling report
// resolver traffic.
[[nodiscard]] std::uint64_t getaddrinfo_calls() noexcept;

}  // namespace detail

}  // namespace looplab::net
