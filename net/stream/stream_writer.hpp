// net/stream/stream_writer.hpp: StreamWriter, the writing half of a stream connection.
//
// asyncio: asyncio.StreamWriter (streams.py).
// libuv:   none; uv_write's callback is the nearest thing to drain().
//
//     writer->write("hello\n");
//     co_await writer->drain();     // wait here if the peer reads slower than we write
//     writer->close();
//     co_await writer->wait_closed();
//
// write() is the transport's: it never waits, it buffers. drain() is where a coroutine waits
// for the buffer to go down: it returns at once while the transport is below its high water
// mark, and otherwise waits for resume_writing. So `write; co_await drain()` in a loop can
// never grow the buffer without bound, whatever the peer does. drain() is also where the loss
// of the connection surfaces: it throws the reader's error (ConnectionResetError, ...), or,
// once the connection is gone without one (this side closed it), ConnectionResetError as
// asyncio does ("Connection lost"), so one catch clause covers both.
//
// Ownership: shared_ptr handles, for both StreamReader and StreamWriter: the task using them,
// start_server's machinery and the user may all hold them, and none has to outlive another.
// The writer holds the transport (strongly: it is the user's handle to the connection), the
// protocol (for drain) and the reader (for its error). Loop-thread only.
#pragma once

#include <any>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "net/stream/stream_reader.hpp"
#include "net/stream/stream_reader_protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

class StreamWriter : public std::enable_shared_from_this<StreamWriter> {
public:
    StreamWriter(EventLoop& loop, std::shared_ptr<Transport> transport,
                 std::shared_ptr<StreamReaderProtocol> protocol,
                 std::shared_ptr<StreamReader> reader);

    // Buffers data on the transport (throws TransportClosedError once closing).
    void write(std::string_view data) { transport_->write(data); }
    template <class Range>
    void writelines(const Range& pieces) {
        transport_->writelines(pieces);
    }
    void writelines(std::initializer_list<std::string_view> pieces) {
        transport_->writelines(pieces);
    }
    // Half-close: the peer reads end of stream; this side can still read.
    void write_eof() { transport_->write_eof(); }
    [[nodiscard]] bool can_write_eof() const { return transport_->can_write_eof(); }

    // Waits until the transport's buffer is below its low water mark, if it is paused.
    // Throws the connection's error if it was lost (see above).
    Coro<void> drain();

    // Closes the transport (after the buffered data is sent). Idempotent.
    void close() { transport_->close(); }
    [[nodiscard]] bool is_closing() const { return transport_->is_closing(); }
    // Waits until the connection is closed (connection_lost has run); throws the error it was
    // lost with, if any.
    Coro<void> wait_closed();

    [[nodiscard]] std::any get_extra_info(std::string_view name) const {
        return transport_->get_extra_info(name);
    }
    [[nodiscard]] Transport& transport() const noexcept { return *transport_; }
    EventLoop& get_loop() const noexcept { return loop_; }

    // ---- For start_tls (net/tls/streams.hpp), which upgrades a stream in place --------------
    // The protocol between the transport and this writer's reader.
    [[nodiscard]] const std::shared_ptr<StreamReaderProtocol>& protocol() const noexcept {
        return protocol_;
    }
    // The connection now runs over `transport` (the TLS transport start_tls made): writes,
    // closing and the reader's pause / resume go to it. asyncio's StreamWriter.start_tls
    // assigns self._transport the same way.
    void replace_transport(std::shared_ptr<Transport> transport);

private:
    EventLoop& loop_;
    std::shared_ptr<Transport> transport_;
    std::shared_ptr<StreamReaderProtocol> protocol_;
    std::shared_ptr<StreamReader> reader_;  // may be null (a write-only stream)
};

}  // namespace looplab::net
