// net/getaddrinfo.cpp: the numeric fast path, else resolve_blocking on the default executor.
#include "net/getaddrinfo.hpp"

#include <utility>

#include "net/resolver.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

Coro<std::vector<SocketAddress>> getaddrinfo(EventLoop& loop, std::string host, std::uint16_t port,
                                             int family, int flags) {
    // resolve_blocking() itself answers numeric hosts without calling getaddrinfo(3), so for
    // them it cannot block and is simply called here (it also checks the family for us).
    if (parse_numeric(host, port)) co_return resolve_blocking(host, port, family, flags);

    // The host travels to the worker by value, inside the callable: the worker must not read
    // this coroutine's frame, which the loop thread may destroy (cancellation) meanwhile.
    // The lambda is named rather than written inside the co_await expression: g++ 12
    // miscompiles lambda (and braced aggregate) temporaries with non-trivial members there,
    // destroying them twice.
    auto resolve = [host = std::move(host), port, family, flags] {
        return resolve_blocking(host, port, family, flags);
    };
    co_return co_await loop.run_in_executor(nullptr, std::move(resolve));
}

}  // namespace looplab::net
