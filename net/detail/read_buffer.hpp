// net/detail/read_buffer.hpp: the per-thread buffer a transport reads into for one callback.
//
// asyncio: max_size = 256 KiB, read once per readiness event (selector_events.py, unix_events.py).
//
// A transport reads once per readiness event and hands the bytes to its protocol, which may
// only borrow them for the duration of the call (data_received, datagram_received). So one
// buffer per thread serves every transport of that thread, and a thousand idle pipes or
// endpoints cost no read memory at all (socket_transport.hpp explains the same choice).
// Used by the pipe and datagram transports.
#pragma once

#include <cstddef>
#include <memory>
#include <span>

namespace looplab::net::detail {

inline constexpr std::size_t kTransportReadSize = 256 * 1024;

inline std::span<char> transport_read_buffer() {
    thread_local std::unique_ptr<char[]> buffer;
    if (!buffer) buffer = std::make_unique<char[]>(kTransportReadSize);
    return {buffer.get(), kTransportReadSize};
}

}  // namespace looplab::net::detail
