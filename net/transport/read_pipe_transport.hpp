// net/transport/read_pipe_transport.hpp: ReadPipeTransport, the reading end of a pipe as a
// Transport.
//
// asyncio: _UnixReadPipeTransport (unix_events.py), made by loop.connect_read_pipe
//          (connect_pipe.hpp).
// libuv:   uv_pipe_t opened on an fd (uv_pipe_open) with uv_read_start.
//
// A pipe (or a FIFO, a terminal, one end of a socketpair) read the way SocketTransport reads a
// socket: a reader while reading is on, ONE read(2) of up to 256 KiB per readiness event handed
// to data_received, end of file as eof_received followed by connection_lost. It is how a child
// process's stdout reaches the loop (net/subprocess/), and how a program reads its own stdin
// without blocking.
//
// States (asyncio's flags in brackets):
//
//   open (reading <-> paused) ---end of file / close() / read error---> lost scheduled ---> closed
//                                        [closing_]                      [lost_scheduled_]
//
// A read pipe has nothing buffered to flush, so close() goes straight to "lost scheduled".
// Call order for the protocol: connection_made [-> data_received*] [-> eof_received] ->
// connection_lost (eof_received's answer is ignored: a read pipe cannot stay half-open, it has
// no other half; asyncio ignores it too).
//
// DIFFERENCE: looplab has one Transport interface where asyncio has a ReadTransport without
// write(); so the writing half throws std::logic_error ("a read pipe cannot be written"), and
// abort() is close() (nothing to drop). Read errors are the peer's doing (EIO from a terminal
// that hung up, ...): they reach connection_lost only; an exception from the protocol's own
// callbacks is also reported to the loop's exception handler (SocketTransport's rule).
//
// Lifetime: an open pipe transport owns itself until its connection_lost has run, and it owns
// the pipe (closed right after connection_lost), as SocketTransport does (socket_transport.hpp).
#pragma once

#include <any>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "net/unique_fd.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net {

class ReadPipeTransport final : public Transport {
public:
    // Wraps pipe (made non-blocking here) and schedules connection_made, then reading; waiter,
    // if given, completes after connection_made returns. Throws std::invalid_argument unless
    // pipe is a pipe / FIFO, a socket or a character device (a regular file is always
    // "readable" and would spin the loop); pipe is closed then, as its owner.
    static std::shared_ptr<ReadPipeTransport> make(EventLoop& loop, UniqueFd pipe,
                                                   std::shared_ptr<Protocol> protocol,
                                                   Future<void> waiter = {});
    ~ReadPipeTransport() override;

    void close() override;
    [[nodiscard]] bool is_closing() const override { return closing_; }
    // "pipe": the descriptor as an int (still owned by the transport).
    [[nodiscard]] std::any get_extra_info(std::string_view name) const override;

    [[nodiscard]] bool is_reading() const override { return !paused_ && !closing_; }
    void pause_reading() override;
    void resume_reading() override;

    // The writing half (see the DIFFERENCE above).
    void write(std::string_view data) override;
    void write_eof() override;
    [[nodiscard]] bool can_write_eof() const override { return false; }
    void abort() override { close(); }
    [[nodiscard]] std::size_t get_write_buffer_size() const override { return 0; }
    void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                                 std::optional<std::size_t> low = std::nullopt) override;
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const override {
        return {0, 0};
    }

    [[nodiscard]] Protocol* get_protocol() const noexcept { return protocol_.get(); }

private:
    ReadPipeTransport(EventLoop& loop, UniqueFd pipe, std::shared_ptr<Protocol> protocol);

    void start(Future<void> waiter);
    void on_readable();  // asyncio: _read_ready
    void close_with(std::exception_ptr error);
    void call_connection_lost(std::exception_ptr error);

    EventLoop& loop_;
    UniqueFd pipe_;
    std::shared_ptr<Protocol> protocol_;
    std::shared_ptr<ReadPipeTransport> self_;
    bool protocol_connected_ = false;
    bool paused_ = false;
    bool closing_ = false;
    bool lost_scheduled_ = false;
};

}  // namespace looplab::net
