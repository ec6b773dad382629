// net/sendfile.hpp: sock_sendfile(), a file sent to a socket by the kernel, or read and sent
// when the kernel cannot.
//
// asyncio: loop.sock_sendfile(sock, file, offset=0, count=None, *, fallback=True)
//          (base_events.py, with _sock_sendfile_native in unix_events.py) and
//          asyncio.SendfileNotAvailableError.
// libuv:   uv_fs_sendfile (on the threadpool).
//
//     const std::size_t sent = co_await sock_sendfile(loop, sock.get(), file.get());
//
// sendfile(2) copies from a file to a socket inside the kernel: no read into user memory, no
// write back out, no thread. It is what a static file server wants. It needs a regular file on
// the input side (its pages are what gets sent) and is only tried on a stream socket. So:
//   - native: sendfile(2) in a loop, waiting for writability on EAGAIN, until count bytes (or
//     the end of the file) are sent;
//   - fallback, when the native path cannot be used (not a regular file, or sendfile(2)
//     refuses before the first byte: EINVAL, ENOSYS, ...): blocks of up to 256 KiB read with
//     pread(2) on the default executor (a file read blocks: it must not run on the loop thread)
//     and sent with sock_sendall; with fallback = false, SendfileNotAvailableError instead.
//     A pipe has no offsets: it is read from where it stands (offset is then ignored), which
//     asyncio's fallback, seeking the file first, refuses.
// Either way the file's offset is moved past what was sent at the end (asyncio: file.seek), so
// a caller can go on reading the file where the socket stopped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// The native path cannot be used, and the caller asked for no fallback
// (asyncio.SendfileNotAvailableError, a RuntimeError).
class SendfileNotAvailableError : public std::runtime_error {
public:
    explicit SendfileNotAvailableError(const std::string& why)
        : std::runtime_error("sendfile not available: " + why) {}
};

// Sends count bytes of file (nullopt: up to its end) from offset to sock, a connected
// non-blocking SOCK_STREAM socket, and returns how many were sent (fewer than count only if the
// file ended first). Throws std::invalid_argument if sock is not a stream socket,
// SendfileNotAvailableError (see above), or the NetError of the send (BrokenPipeError,
// ConnectionResetError, ...). Cancelling leaves an unknown prefix sent, as sock_sendall.
Coro<std::size_t> sock_sendfile(EventLoop& loop, int sock, int file, std::uint64_t offset = 0,
                                std::optional<std::size_t> count = std::nullopt,
                                bool fallback = true);

namespace detail {

// The pieces transport_sendfile.hpp shares: the native loop (throws SendfileNotAvailableError
// when it cannot start) and one fallback block read on the executor ("" at the end of file).
Coro<std::size_t> sendfile_native(EventLoop& loop, int sock, int file, std::uint64_t offset,
                                  std::optional<std::size_t> count);
Coro<std::string> read_file_block(EventLoop& loop, int file, std::uint64_t offset,
                                  std::size_t size);
// The size of the next fallback block: 256 KiB, or what is left of count.
std::size_t fallback_block_size(std::optional<std::size_t> count, std::size_t sent);
// Moves file's offset to `to` (asyncio: file.seek(offset + total_sent)).
void seek_file(int file, std::uint64_t to);

}  // namespace detail

}  // namespace looplab::net
