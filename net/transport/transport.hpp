// net/transport/transport.hpp: Transport, what a protocol can do to its connection.
//
// asyncio: asyncio.BaseTransport, ReadTransport, WriteTransport and Transport (transports.py).
// libuv:   uv_stream_t's operations: uv_write, uv_shutdown, uv_read_start / uv_read_stop,
//          uv_close, uv_stream_get_write_queue_size.
//
// The interface only; socket_transport.hpp implements it for a TCP socket (asyncio's
// _SelectorSocketTransport). Protocols and streams see only this, so a test or another kind
// of byte stream (a pipe, TLS) can stand behind it.
//
// Contract (asyncio's, with the one deliberate difference marked):
//   - write() never blocks and never waits: it sends what the kernel takes at once and buffers
//     the rest, which goes out as the socket becomes writable. Order is preserved.
//   - Once the buffer grows past the high water mark the protocol's pause_writing() is called;
//     when it drains to the low water mark, resume_writing(). Defaults: 64 KiB high, low =
//     high / 4 (asyncio's).
//   - close() stops reading at once, sends what is buffered, then closes the socket. abort()
//     closes at once and drops the buffer. Either way connection_lost follows exactly once,
//     from a callback of its own.
//   - DIFFERENCE: write() and writelines() on a transport that is closing or closed (close(),
//     abort(), or the connection was lost), or after write_eof(), throw TransportClosedError.
//     asyncio ignores such writes (logging a warning after five), which hides the bug that the data
//     never arrives; looplab makes it an exception at the call.
//   - Loop-thread only.
//
// Lifetime: transports are always owned by std::shared_ptr (hence enable_shared_from_this: any
// Transport& can be turned into a shared_ptr). An open transport keeps itself alive: it is freed
// after its connection_lost has run, not when the last user pointer goes away (socket_transport.hpp
// says why).
#pragma once

#include <any>
#include <cstddef>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace looplab::net {

class Protocol;

class Transport : public std::enable_shared_from_this<Transport> {
public:
    virtual ~Transport() = default;

    // ---- BaseTransport ---------------------------------------------------------------------
    // Closes the transport after the buffered data has been sent (see the contract above).
    // Idempotent.
    virtual void close() = 0;
    // True from close() / abort() / the connection's loss onwards.
    [[nodiscard]] virtual bool is_closing() const = 0;
    // Optional information, as asyncio's get_extra_info(name): "peername" and "sockname" give a
    // SocketAddress, "socket" gives the descriptor as an int (still owned by the transport; do
    // not close it). An unknown name gives an empty std::any.
    [[nodiscard]] virtual std::any get_extra_info(std::string_view name) const = 0;
    // From now on, calls `protocol` instead of the protocol it had, without calling its
    // connection_made (asyncio: BaseTransport.set_protocol). start_tls (net/tls/) uses it to
    // put a TLS layer between a transport and its protocol; the caller keeps the old protocol
    // alive (it may be inside one of its callbacks). The default throws std::logic_error, as
    // asyncio's raises NotImplementedError.
    virtual void set_protocol(std::shared_ptr<Protocol> protocol) {
        (void)protocol;
        throw std::logic_error("this transport cannot change its protocol");
    }

    // ---- ReadTransport ---------------------------------------------------------------------
    // True while the transport reads (not paused, not closing, end of stream not reached).
    [[nodiscard]] virtual bool is_reading() const = 0;
    // Stops calling data_received until resume_reading. The kernel's buffer fills, and TCP flow
    // control then slows the sender down. Idempotent.
    virtual void pause_reading() = 0;
    virtual void resume_reading() = 0;

    // ---- WriteTransport --------------------------------------------------------------------
    // Queues data for sending (see the contract above). Empty data does nothing. Throws
    // TransportClosedError if closing or closed, or after write_eof().
    virtual void write(std::string_view data) = 0;
    // Writes every piece, in order, as one write (asyncio: b''.join(list_of_data)).
    template <class Range>
    void writelines(const Range& pieces) {
        std::string joined;
        for (const auto& piece : pieces) joined.append(std::string_view(piece));
        write(joined);
    }
    void writelines(std::initializer_list<std::string_view> pieces) {
        writelines<std::initializer_list<std::string_view>>(pieces);
    }
    // Shuts down the sending side once the buffer is flushed (TCP FIN): the peer reads end of
    // stream, while this side can still receive. Idempotent; nothing to do when closing.
    virtual void write_eof() = 0;
    [[nodiscard]] virtual bool can_write_eof() const = 0;
    // Closes at once, dropping buffered data; connection_lost(nullptr) follows. Idempotent.
    virtual void abort() = 0;
    // Bytes buffered, not yet handed to the kernel.
    [[nodiscard]] virtual std::size_t get_write_buffer_size() const = 0;
    // Sets the water marks. Without arguments: 64 KiB and 16 KiB. With high only: low = high / 4;
    // with low only: high = 4 * low. Throws std::invalid_argument unless high >= low. May call
    // pause_writing at once if the buffer is already above the new high mark.
    virtual void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                                         std::optional<std::size_t> low = std::nullopt) = 0;
    // The current (low, high) marks, asyncio's order.
    [[nodiscard]] virtual std::pair<std::size_t, std::size_t> get_write_buffer_limits() const = 0;
};

}  // namespace looplab::net
