// net/transport/transport_sendfile.hpp: sendfile(), a file sent through a Transport.
//
// asyncio: loop.sendfile(transport, file, offset=0, count=None, *, fallback=True)
//          (base_events.py: _sendfile_native and _sendfile_fallback).
//
//     co_await sendfile(loop, *writer->transport().shared_from_this(), file.get());
//
// The transport-level twin of sock_sendfile (net/sendfile.hpp). Two paths, as asyncio's:
//   - native, when the transport stands on a socket ("socket" extra info) with nothing in its
//     write buffer: its reading is paused (a data_received that writes would interleave with
//     the file) and sock_sendfile's native loop runs on its descriptor, then reading resumes;
//   - fallback otherwise (a pipe, bytes still buffered, or sendfile(2) refusing): blocks read
//     on the executor and handed to transport.write(), waiting between blocks while the
//     transport's buffer is above its high water mark.
// Returns the bytes sent (or, for the fallback, handed to the transport). Throws
// TransportClosedError if the transport is closing, SendfileNotAvailableError if the native
// path cannot be used and fallback is false, or the transport's errors.
//
// DIFFERENCE: asyncio's native path waits for the write buffer to drain first, and makes
// write() raise while the file is being sent; its fallback hears the transport's
// pause_writing / resume_writing by swapping in a protocol of its own (set_protocol). looplab's
// pipe transports have no set_protocol, and no Transport a "sendfile in progress" state, so: the
// native path is only taken when the buffer is already empty, nothing may be written to the
// transport until sendfile() returns (the caller's job), and the fallback polls the buffer size
// every millisecond while it is above the high water mark.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "net/transport/transport.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

Coro<std::size_t> sendfile(EventLoop& loop, Transport& transport, int file,
                           std::uint64_t offset = 0,
                           std::optional<std::size_t> count = std::nullopt, bool fallback = true);

}  // namespace looplab::net
