// net/transport/socket_transport.hpp: SocketTransport, a Transport over a connected non-blocking
// socket.
//
// asyncio: _SelectorSocketTransport (selector_events.py).
// libuv:   uv_tcp_t with uv__read / uv__write in src/unix/stream.c.
//
// How it moves bytes:
//   - Reading: a reader is registered while reading is on. Each readiness event does ONE recv()
//     into a per-thread 256 KiB buffer and hands those bytes to data_received (a
//     BufferedProtocol lends its own buffer instead: get_buffer / buffer_updated). One recv, not
//     "until EAGAIN": on loopback a fast sender refills the socket as quickly as we drain it,
//     and draining to EAGAIN could keep the loop inside one connection's callback forever while
//     every other connection and timer waits. One recv bounds the work per callback; the
//     selector is level-triggered, so leftover data brings us back on the next iteration.
//     (asyncio also reads max_size = 256 KiB once per event.) The buffer is shared by all the
//     transports of a thread because data_received borrows it only for the duration of the
//     call: 1,000 idle connections cost no read memory at all.
//   - Writing: write() sends directly while nothing is buffered, and buffers only what the
//     kernel did not take. A writer is registered only while the buffer is non-empty, so an
//     idle connection costs the selector nothing and a typical small reply costs one send().
//   - Flow control: pause_writing / resume_writing at the water marks (transport.hpp).
//
// Lifetime, and why: an open SocketTransport owns itself (self_, a shared_ptr to itself) from
// make() until its connection_lost callback has run. So:
//   - dropping every user pointer never frees a live connection (it might be paused, with no
//     reader registered, and still owe its protocol a connection_lost): like a libuv handle, it
//     lives until it is closed, and close() / abort() / the peer ending it is what frees it;
//   - the loop's reader and writer callbacks can use `this`: they are unregistered before self_
//     is released, and self_ is released only inside the connection_lost callback, which holds
//     it while it runs;
//   - close() or abort() from inside data_received (or any callback) is safe: they only set
//     flags, unregister, and schedule connection_lost with call_soon.
// The protocol is owned by the transport (a shared_ptr) and released right after
// connection_lost returns, which also breaks any cycle a protocol creates by holding a
// shared_ptr to its transport. An open transport still alive when its loop closes is leaked
// (with its socket): close transports before the loop, as asyncio warns about unclosed ones.
//
// States (asyncio's flags in brackets):
//
//   open ---close()---> flushing ---buffer empty---> lost scheduled ---its callback ran---> closed
//    |                  [closing_]                   [lost_scheduled_]
//    |                      |                            ^   ^
//    |                      +---abort() / fatal error----+   |
//    +---abort() / fatal error (the buffer is dropped)-------+
//
// "closed": connection_lost has run, the socket is closed and the protocol released. From "lost
// scheduled" on, nothing is registered with the loop. Within "open", reading (reading <-> paused,
// then ended at end of stream) and the write side (open, then eof after write_eof, shut down once
// flushed) are independent.
#pragma once

#include <any>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "net/socket_address.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "net/unique_fd.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net {

class ServerAttachment;

class SocketTransport final : public Transport {
public:
    static constexpr std::size_t kDefaultHighWater = 64 * 1024;  // asyncio's default
    static constexpr std::size_t kMaxReadSize = 256 * 1024;      // asyncio's max_size

    // Wraps sock, a connected non-blocking socket, and schedules (call_soon) connection_made
    // followed by the start of reading. If waiter is given it is completed after
    // connection_made returns (with its exception if it threw); create_connection awaits it.
    // server, if given, is told when the connection is gone (ServerAttachment::detach).
    static std::shared_ptr<SocketTransport> make(
        EventLoop& loop, UniqueFd sock, std::shared_ptr<Protocol> protocol,
        Future<void> waiter = {}, std::shared_ptr<ServerAttachment> server = nullptr);
    ~SocketTransport() override;
    SocketTransport(const SocketTransport&) = delete;
    SocketTransport& operator=(const SocketTransport&) = delete;

    void close() override;
    [[nodiscard]] bool is_closing() const override { return closing_; }
    [[nodiscard]] std::any get_extra_info(std::string_view name) const override;
    // Throws std::invalid_argument for null, InvalidStateError once connection_lost has run.
    void set_protocol(std::shared_ptr<Protocol> protocol) override;

    [[nodiscard]] bool is_reading() const override;
    void pause_reading() override;
    void resume_reading() override;

    void write(std::string_view data) override;
    void write_eof() override;
    [[nodiscard]] bool can_write_eof() const override { return true; }
    void abort() override;
    [[nodiscard]] std::size_t get_write_buffer_size() const override {
        return write_buffer_.size() - write_offset_;
    }
    void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                                 std::optional<std::size_t> low = std::nullopt) override;
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const override {
        return {low_water_, high_water_};
    }

    // The protocol, until connection_lost has returned (then null).
    [[nodiscard]] Protocol* get_protocol() const noexcept { return protocol_.get(); }
    EventLoop& get_loop() const noexcept { return loop_; }

private:
    SocketTransport(EventLoop& loop, UniqueFd sock, std::shared_ptr<Protocol> protocol,
                    std::shared_ptr<ServerAttachment> server);

    // The loop's callbacks.
    void start(Future<void> waiter);  // connection_made, then reading
    void on_readable();               // one recv -> data_received / eof_received / error
    void read_into_protocol();        // the same for a BufferedProtocol (protocol.hpp)
    void on_writable();               // flush some of the buffer
    void on_end_of_stream();

    // Closing paths (asyncio: _fatal_error, _force_close, _call_connection_lost).
    void fatal_error(std::exception_ptr error, const char* what);
    void force_close(std::exception_ptr error);
    void schedule_connection_lost(std::exception_ptr error);
    void call_connection_lost(std::exception_ptr error);

    void start_reading();
    void consume_written(std::size_t n);
    void shutdown_write();
    void maybe_pause_protocol();
    void maybe_resume_protocol();
    std::string peer_text() const;

    EventLoop& loop_;
    UniqueFd sock_;                             // the connection; closed by call_connection_lost
    std::shared_ptr<Protocol> protocol_;        // owned until connection_lost has returned
    BufferedProtocol* buffered_ = nullptr;      // protocol_ if it is a BufferedProtocol
    std::shared_ptr<ServerAttachment> server_;  // the server that accepted us, if any
    std::shared_ptr<SocketTransport> self_;     // keeps an open transport alive (see above)
    std::optional<SocketAddress> peername_;     // cached at creation: getpeername fails after RST
    std::optional<SocketAddress> sockname_;

    std::string write_buffer_;      // bytes not yet sent start at write_offset_
    std::size_t write_offset_ = 0;  // sent prefix, dropped in bulk (see consume_written)
    std::size_t high_water_ = kDefaultHighWater;
    std::size_t low_water_ = kDefaultHighWater / 4;

    bool protocol_connected_ = false;  // connection_made has been called
    bool protocol_paused_ = false;     // pause_writing called, resume_writing not yet
    bool reading_paused_ = false;      // pause_reading called
    bool read_eof_ = false;            // the peer's end of stream has been seen
    bool eof_ = false;                 // write_eof called: shut down once flushed
    bool closing_ = false;             // close() / abort() / fatal error
    bool lost_scheduled_ = false;      // connection_lost is scheduled or done (asyncio: _conn_lost)
};

}  // namespace looplab::net
