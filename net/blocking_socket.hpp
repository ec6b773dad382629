// net/blocking_socket.hpp: BlockingSocket, a TCP client connection that blocks the thread.
//
// Python: socket.create_connection() plus sock.settimeout(), sendall() and recv(): what
//         `requests` (through urllib3) does underneath, and stage one of the 500 Lines crawler.
// libuv:  none; libuv only does non-blocking I/O. This is the "before" picture.
//
// looplab's blocking HTTP client runs on this, so the demos can show the same GET done both
// ways: here one connection holds one thread for as long as it waits; the event loop waits on
// many sockets with one thread. The waits here are deliberately the same mechanism the loop
// uses, poll() on a descriptor, just for one descriptor at a time: a reader who understands the
// timeouts in this file has understood the selector's job.
//
// Why timeouts via poll() and not SO_RCVTIMEO: connect has no socket-option timeout at all on
// Linux (only the kernel's ~2 minute SYN retries), so connect needs a non-blocking connect plus
// poll anyway; using poll for reads too keeps one mechanism, and a timeout per call instead of a
// setsockopt per change.
#pragma once

#include <chrono>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "net/socket_address.hpp"
#include "net/unique_fd.hpp"

namespace looplab::net {

// Contract:
// - Obtained only from connect(), connected; close() (or the destructor, or being moved from)
//   makes it closed, and a closed socket throws TransportClosedError from every I/O call.
// - Every call blocks the calling thread; none may be called on an event-loop thread.
// - Not thread-safe: one thread at a time (like a Python socket used without locks).
// - Errors are typed (errors.hpp) and carry the peer's address.
class BlockingSocket {
public:
    // Passed as a timeout: wait as long as it takes (poll's own convention for "forever").
    static constexpr std::chrono::milliseconds no_timeout{-1};

    // Connects to the first address in addresses that accepts, trying them in order (which is
    // resolve_blocking()'s preference order), each for up to connect_timeout. TCP_NODELAY is set
    // on the result: a client that writes a request and then waits for the reply must not have
    // its last small segment held back by Nagle's algorithm.
    //
    // Each attempt: a non-blocking socket, connect() -> EINPROGRESS, poll() for writability up
    // to the timeout, SO_ERROR for the outcome, then back to blocking mode.
    //
    // Throws std::invalid_argument for an empty list or a negative timeout other than
    // no_timeout. If every address fails, rethrows the first address's error (Python 3.11's
    // create_connection does the same: the first address is the preferred one):
    // ConnectionRefusedError, ConnectTimeoutError, NetworkUnreachableError, or another NetError.
    static BlockingSocket connect(const std::vector<SocketAddress>& addresses,
                                  std::chrono::milliseconds connect_timeout);

    // Sends every byte of data, blocking while the kernel's send buffer is full. There is no
    // write timeout: a request that fits the socket's send buffer (hundreds of kilobytes) never
    // waits for the peer, and that covers the blocking client's requests. Add one when a caller
    // sends large bodies to peers that may stall.
    // Uses send_nosignal, so a vanished peer throws BrokenPipeError / ConnectionResetError
    // instead of killing the process with SIGPIPE.
    void send_all(std::span<const std::byte> data);
    void send_all(std::string_view data);

    // Waits up to read_timeout for data, then returns what one recv() gives: at least 1 byte
    // and at most buffer.size(), or 0 when the peer has closed its side (end of stream).
    // Throws ReadTimeoutError if nothing arrived in time (the socket stays usable),
    // ConnectionResetError if the peer aborted, std::invalid_argument for an empty buffer (a
    // 0-byte read could not be told from end of stream) or a bad timeout.
    std::size_t recv_some(std::span<std::byte> buffer, std::chrono::milliseconds read_timeout);
    std::size_t recv_some(std::span<char> buffer, std::chrono::milliseconds read_timeout);

    // Sends FIN: the peer reads end of stream, while this side can still receive (the
    // half-close of asyncio's write_eof()). Later sends throw BrokenPipeError.
    void shutdown_write();

    // Closes the connection now; idempotent. The destructor does the same.
    void close() noexcept { fd_.reset(); }

    [[nodiscard]] bool is_open() const noexcept { return static_cast<bool>(fd_); }

    // The address connect() reached. Still valid after close(), for messages.
    [[nodiscard]] const SocketAddress& peer_address() const noexcept { return peer_; }

    // The local address the kernel picked for this connection. Throws NetError if closed.
    [[nodiscard]] SocketAddress local_address() const;

    // The descriptor, still owned by this object (-1 when closed).
    [[nodiscard]] int fd() const noexcept { return fd_.get(); }

private:
    BlockingSocket(UniqueFd fd, SocketAddress peer) noexcept;

    static BlockingSocket connect_one(const SocketAddress& address,
                                      std::chrono::milliseconds timeout);

    UniqueFd fd_;         // the connected socket, in blocking mode; empty once closed
    SocketAddress peer_;  // where it is connected to
};

}  // namespace looplab::net
