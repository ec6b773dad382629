// net/stream/stream_reader_protocol.hpp: the Protocol that connects a transport to a StreamReader.
//
// asyncio: StreamReaderProtocol and FlowControlMixin (streams.py).
//
// It adapts the callback world to the coroutine world, in both directions:
//   - reading: get_buffer / buffer_updated (it is a BufferedProtocol: the transport reads into
//     the reader's buffer) or data_received -> reader.feed_data, eof_received ->
//     reader.feed_eof, connection_lost(error) -> reader.feed_eof() or reader.set_exception(error);
//   - writing (FlowControlMixin): pause_writing / resume_writing are remembered, and
//     StreamWriter::drain() awaits drain_helper(), which waits while writing is paused.
//
// On the server side asyncio's StreamReaderProtocol also makes the StreamWriter in
// connection_made and runs client_connected_cb(reader, writer) as a task. Here start_server
// gives the protocol that work as a hook (streams.cpp: start_client): the protocol calls it from
// connection_made and knows nothing of StreamWriter, which includes this file (so the two do not
// include each other). If the client task fails or is cancelled, the exception goes to the
// loop's exception handler and the transport is closed (asyncio 3.12).
//
// Call order is the Protocol's: connection_made [-> data_received*] [-> eof_received?] ->
// connection_lost. eof_received returns true: end of stream from the peer only ends reading,
// and this side may still write (a reply after a half-close).
//
// Ownership: transport -> this protocol -> reader (shared_ptr); the reader holds the transport
// only weakly, so there is no cycle. The user's StreamWriter holds transport and protocol.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/stream/stream_reader.hpp"
#include "net/transport/protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net {

class StreamReaderProtocol;

// What connection_made hands on, on the server side: the new connection's transport and its
// protocol (start_server makes the StreamWriter and the client's task from them).
using ConnectionMadeHook = std::function<void(const std::shared_ptr<Transport>&,
                                              const std::shared_ptr<StreamReaderProtocol>&)>;

class StreamReaderProtocol final : public BufferedProtocol,
                                   public std::enable_shared_from_this<StreamReaderProtocol> {
public:
    StreamReaderProtocol(EventLoop& loop, std::shared_ptr<StreamReader> reader,
                         ConnectionMadeHook on_connection_made = nullptr);

    void connection_made(Transport& transport) override;
    void data_received(std::string_view data) override;
    // BufferedProtocol: the transport reads into the reader's own buffer (a scratch buffer,
    // discarded, when there is no reader).
    std::span<char> get_buffer(std::size_t sizehint) override;
    void buffer_updated(std::size_t nbytes) override;
    bool eof_received() override;
    void connection_lost(std::exception_ptr error) override;
    void pause_writing() override;
    void resume_writing() override;

    // StreamWriter::drain's wait (asyncio: FlowControlMixin._drain_helper): returns at once
    // unless writing is paused; throws ConnectionResetError once the connection is lost, or
    // the error it was lost with if it was lost while we waited.
    Coro<void> drain_helper();
    // Completed by connection_lost (with its error, if any): StreamWriter::wait_closed awaits it.
    Future<void> closed() const { return closed_; }
    const std::shared_ptr<StreamReader>& reader() const noexcept { return reader_; }
    // The peer's address as text, once connected ("" if the transport has none).
    const std::string& peer() const noexcept { return peer_; }

private:
    EventLoop& loop_;
    std::shared_ptr<StreamReader> reader_;
    ConnectionMadeHook on_connection_made_;
    Future<void> closed_;
    std::vector<Future<void>> drain_waiters_;  // drain() calls waiting for resume_writing
    std::string peer_;                         // the peer address, for error messages
    std::unique_ptr<char[]> discard_;          // get_buffer's answer without a reader
    bool paused_ = false;                      // between pause_writing and resume_writing
    bool connection_lost_ = false;
};

}  // namespace looplab::net
