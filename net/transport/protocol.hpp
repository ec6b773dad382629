// net/transport/protocol.hpp: Protocol, the callbacks a transport calls as a connection lives and
// dies.
//
// asyncio: asyncio.BaseProtocol + asyncio.Protocol (protocols.py).
// libuv:   the callbacks of a uv_stream_t: uv_connection_cb, uv_read_cb (nread > 0 is data,
//          UV_EOF is end of stream, other negatives are errors), uv_close_cb.
//
// A protocol is the application's half of a connection; the transport (transport.hpp) is the
// loop's half. The transport owns the socket and calls these methods; the protocol decides what
// the bytes mean and answers through the Transport& it was given. Nothing here blocks or
// awaits: each method is a plain callback that must return quickly (a protocol that needs to
// wait starts a task, or uses streams, which are built on exactly this).
//
// Call order, as a state machine (asyncio's docstring, spelled out):
//
//     start -> connection_made [-> data_received*] [-> eof_received?] -> connection_lost -> end
//
//   - connection_made: exactly once, first; the transport is ready to write to.
//   - data_received: zero or more times, only while reading is not paused.
//   - eof_received: at most once, after the last data_received, when the peer shuts down its
//     writing side. Return true to keep the connection open (this side can still write: the
//     half-close of write_eof), false to let the transport close itself.
//   - connection_lost: exactly once, last, always from a loop callback of its own (never from
//     inside a Transport method you called). error is null for a normal close (close(), abort(),
//     end of stream) and the reason otherwise (ConnectionResetError, BrokenPipeError, ...).
//   - pause_writing / resume_writing: strictly alternating, pause first, any time between
//     connection_made and connection_lost, when the transport's write buffer crosses its high
//     / low water marks. pause_writing may run inside a write() call (asyncio does the same).
//
// Every method has an empty default (eof_received returns false), as asyncio's do: a protocol
// overrides only what it uses.
//
// Lifetime: the transport owns its protocol (a shared_ptr) until connection_lost has returned.
// The Transport& passed to connection_made stays valid until connection_lost has returned too;
// keep it as a plain pointer, and stop using it in connection_lost (asyncio: set
// self.transport = None there). An exception escaping data_received, eof_received or
// connection_made is reported to the loop's exception handler and aborts the connection (its
// connection_lost receives that exception).
#pragma once

#include <cstddef>
#include <exception>
#include <span>
#include <string_view>

namespace looplab::net {

class Transport;

class Protocol {
public:
    virtual ~Protocol() = default;

    // The connection is up; transport is how this protocol writes, closes and pauses reading.
    virtual void connection_made(Transport& transport) { (void)transport; }

    // Bytes arrived. data is valid only during the call (it points into the transport's read
    // buffer): copy what you keep. How the bytes are split into calls is arbitrary.
    virtual void data_received(std::string_view data) { (void)data; }

    // The peer will send nothing more. true keeps the transport open for writing; false (the
    // default) closes it once everything written has been sent.
    virtual bool eof_received() { return false; }

    // The connection is closed; error says why (null: closed normally). The last call.
    virtual void connection_lost(std::exception_ptr error) { (void)error; }

    // The transport's write buffer went above its high water mark: stop writing until
    // resume_writing (writes still work, they just pile up in memory).
    virtual void pause_writing() {}

    // The write buffer drained to its low water mark: writing may go on.
    virtual void resume_writing() {}
};

// A protocol that lends the transport its own memory to read into (asyncio.BufferedProtocol,
// 3.7; libuv's alloc_cb). Instead of data_received(bytes), which borrows the transport's read
// buffer and must copy whatever it keeps, the transport asks for a buffer, reads the socket
// straight into it, and says how much it read:
//
//     start -> connection_made [-> (get_buffer -> buffer_updated)*] [-> eof_received?]
//           -> connection_lost -> end
//
//   - get_buffer(sizehint): a non-empty buffer to read into; sizehint is how much the transport
//     would read at most (it may be ignored: smaller or larger is fine). An empty buffer is an
//     error that aborts the connection. The buffer must stay valid until buffer_updated.
//   - buffer_updated(nbytes): the first nbytes of that buffer now hold data (nbytes > 0).
// data_received is never called for a BufferedProtocol. Exceptions from either method are
// reported and abort the connection, as from data_received. The stream reader is one
// (StreamReaderProtocol: the bytes go from the socket into StreamReader's buffer, one copy).
class BufferedProtocol : public Protocol {
public:
    virtual std::span<char> get_buffer(std::size_t sizehint) = 0;
    virtual void buffer_updated(std::size_t nbytes) = 0;
};

}  // namespace looplab::net
