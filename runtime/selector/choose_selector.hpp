// runtime/selector/choose_selector.hpp: which selector backends this build has, and which one
// a new loop gets (by platform, or by LOOPLAB_SELECTOR).
//
// asyncio: selectors.DefaultSelector (the best class the platform has, picked at import).
// libuv:   none; libuv picks its backend when it is compiled and offers no choice.
//
// Apart from selector.hpp (the interface every backend implements) because this is the one
// place that knows every backend: the backends include selector.hpp, this includes them, and
// so nothing includes itself back.
#pragma once

#include <memory>

#include "runtime/selector/selector.hpp"

namespace looplab {

// The best backend this platform has: epoll on Linux, kqueue on BSD/macOS, else poll.
SelectorKind default_selector_kind();

// LOOPLAB_SELECTOR=poll|epoll|kqueue|select if set (std::invalid_argument naming the value if it is
// unknown or not available here), else default_selector_kind().
SelectorKind selector_kind_from_env();

// Whether `kind` was compiled into this build.
bool selector_available(SelectorKind kind);

// Creates a selector of the given kind; std::invalid_argument if it is not available here,
// std::system_error if the kernel refuses (e.g. epoll_create1 hits EMFILE).
std::unique_ptr<Selector> make_selector(SelectorKind kind);

}  // namespace looplab
