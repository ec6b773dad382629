// net/transport/write_pipe_transport.hpp: WritePipeTransport, the writing end of a pipe as a
// Transport.
//
// asyncio: _UnixWritePipeTransport (unix_events.py), made by loop.connect_write_pipe
//          (connect_pipe.hpp).
// libuv:   uv_pipe_t opened on an fd, with uv_write and its queue.
//
// Writing works as SocketTransport's (transport.hpp's contract): write() writes at once while
// nothing is buffered, buffers what the pipe did not take, registers a writer only while the
// buffer is not empty, and calls pause_writing / resume_writing at the water marks. Two things
// are particular to pipes:
//   - Noticing that the reader went away. Nothing is read from a write pipe, yet a reader is
//     registered on it (for pipes and sockets): when the other end closes, the kernel reports
//     the write end as "error" (EPOLLERR), which the selector passes on as readable, and the
//     transport closes itself at once (with BrokenPipeError if data was still buffered) instead
//     of only finding out at its next write. asyncio uses the same trick.
//   - SIGPIPE. A write to a pipe with no reader raises SIGPIPE, which kills by default, and
//     pipes have no MSG_NOSIGNAL: every write goes through write_nosignal (pipe_ops.hpp), which
//     keeps the signal away from the process without touching its disposition.
//
// States (asyncio's flags in brackets):
//
//   open ---write_eof() / close()---> flushing ---buffer empty---> lost scheduled ---> closed
//    |                                [closing_]                   [lost_scheduled_]
//    |                                    |                             ^   ^
//    |                                    +--abort() / error / reader gone--+   |
//    +---abort() / write error / the reader went away (the buffer is dropped)---+
//
// A pipe has no half-close: write_eof() is "close once flushed", and close() is write_eof()
// (asyncio: the same). DIFFERENCE: write() once closing throws TransportClosedError
// (transport.hpp); the reading half does nothing (is_reading() is false, pause_reading and
// resume_reading have nothing to pause: asyncio's WriteTransport has no such methods at all).
// Write errors (EPIPE: BrokenPipeError) reach connection_lost only; exceptions from the
// protocol's callbacks are also reported to the loop's exception handler.
//
// Lifetime: as ReadPipeTransport's (owns itself while open, owns and closes the pipe).
#pragma once

#include <any>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "net/unique_fd.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net {

class WritePipeTransport final : public Transport {
public:
    static constexpr std::size_t kDefaultHighWater = 64 * 1024;

    // Wraps pipe (made non-blocking here) and schedules connection_made; waiter, if given,
    // completes after connection_made returns. Throws std::invalid_argument unless pipe is a
    // pipe / FIFO, a socket or a character device (pipe is closed then, as its owner).
    static std::shared_ptr<WritePipeTransport> make(EventLoop& loop, UniqueFd pipe,
                                                    std::shared_ptr<Protocol> protocol,
                                                    Future<void> waiter = {});
    ~WritePipeTransport() override;

    void close() override;
    [[nodiscard]] bool is_closing() const override { return closing_; }
    // "pipe": the descriptor as an int (still owned by the transport).
    [[nodiscard]] std::any get_extra_info(std::string_view name) const override;

    [[nodiscard]] bool is_reading() const override { return false; }
    void pause_reading() override {}
    void resume_reading() override {}

    void write(std::string_view data) override;
    void write_eof() override;
    [[nodiscard]] bool can_write_eof() const override { return true; }
    void abort() override;
    [[nodiscard]] std::size_t get_write_buffer_size() const override {
        return buffer_.size() - offset_;
    }
    void set_write_buffer_limits(std::optional<std::size_t> high = std::nullopt,
                                 std::optional<std::size_t> low = std::nullopt) override;
    [[nodiscard]] std::pair<std::size_t, std::size_t> get_write_buffer_limits() const override {
        return {low_water_, high_water_};
    }

    [[nodiscard]] Protocol* get_protocol() const noexcept { return protocol_.get(); }

private:
    WritePipeTransport(EventLoop& loop, UniqueFd pipe, std::shared_ptr<Protocol> protocol,
                       bool watch_reader_gone);

    void start(Future<void> waiter);
    void on_writable();                         // asyncio: _write_ready
    void on_reader_gone();                      // asyncio: _read_ready (the other end closed)
    void close_with(std::exception_ptr error);  // asyncio: _close
    void call_connection_lost(std::exception_ptr error);
    void maybe_pause_protocol();
    void maybe_resume_protocol();

    EventLoop& loop_;
    UniqueFd pipe_;
    std::shared_ptr<Protocol> protocol_;
    std::shared_ptr<WritePipeTransport> self_;
    std::string buffer_;      // unsent bytes start at offset_
    std::size_t offset_ = 0;  // sent prefix, dropped in bulk
    std::size_t high_water_ = kDefaultHighWater;
    std::size_t low_water_ = kDefaultHighWater / 4;
    bool watch_reader_gone_;  // a pipe or socket: the reader trick above works
    bool protocol_connected_ = false;
    bool protocol_paused_ = false;
    bool closing_ = false;
    bool lost_scheduled_ = false;
};

}  // namespace looplab::net
