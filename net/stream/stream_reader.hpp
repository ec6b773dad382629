// net/stream/stream_reader.hpp: StreamReader, a byte buffer that coroutines read from.
//
// asyncio: asyncio.StreamReader (streams.py).
// libuv:   none; this is the layer that turns data_received callbacks into awaitable reads.
//
//     std::string line = co_await reader->readline();
//     std::string header = co_await reader->readexactly(16);
//     std::string rest = co_await reader->read();         // everything up to end of stream
//
// Two sides, one buffer:
//   - the producer (StreamReaderProtocol, from the transport's callbacks) calls feed_data,
//     feed_eof or set_exception, or (as a BufferedProtocol) lends the transport free space
//     with get_buffer and says how much it filled with buffer_updated: the bytes then go from
//     the socket straight into this buffer (stream_reader_buffer.hpp says what that saves);
//   - the consumer (a coroutine) awaits read / readline / readexactly / readuntil, which take
//     from the buffer and, when it does not hold enough, await one Future (the waiter) that the
//     next feed_* completes.
//
// Backpressure (asyncio's numbers): when the buffer grows past 2 * limit, the transport's
// reading is paused, so the kernel's buffer fills and TCP slows the sender; once reads bring it
// down to limit or below, reading resumes. A read that must wait resumes reading first (waiting
// on a paused transport would wait forever).
//
// limit also bounds readuntil / readline: a separator not found within limit bytes raises
// LimitOverrunError rather than buffering without end (a client sending one endless line must
// not exhaust the server's memory).
//
// Contract:
// - At most one coroutine waits at a time; a second one throws InvalidStateError (asyncio:
//   RuntimeError "... called while another coroutine is already waiting for incoming data").
// - Once set_exception() has been called, every read throws that exception.
// - Owned by std::shared_ptr (a read in progress keeps the reader alive); loop-thread only.
// - The reader does not keep the transport alive: it only pauses and resumes it while it exists.
#pragma once

#include <cstddef>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "net/stream/stream_reader_buffer.hpp"
#include "net/transport/transport.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net {

class StreamReader : public std::enable_shared_from_this<StreamReader> {
public:
    static constexpr std::size_t kDefaultLimit = 64 * 1024;  // asyncio's _DEFAULT_LIMIT

    explicit StreamReader(EventLoop& loop, std::size_t limit = kDefaultLimit);
    StreamReader(const StreamReader&) = delete;
    StreamReader& operator=(const StreamReader&) = delete;

    // ---- Reading (the consumer) ------------------------------------------------------------
    // n < 0: everything until end of stream. n == 0: "". n > 0: up to n bytes, at least one
    // unless at end of stream (then ""), as soon as any are buffered.
    Coro<std::string> read(std::ptrdiff_t n = -1);
    // Up to and including the next "\n". At end of stream, the partial last line (maybe "").
    // A line longer than limit: the buffered part of it is discarded (through the "\n" if it was
    // seen) and LimitOverrunError is thrown (asyncio raises ValueError here).
    Coro<std::string> readline();
    // Exactly n bytes; IncompleteReadError (with what was read) if the stream ends first.
    Coro<std::string> readexactly(std::size_t n);
    // Up to and including separator (non-empty, else std::invalid_argument). End of stream
    // first: IncompleteReadError with everything buffered. Separator not within limit:
    // LimitOverrunError, and the data stays buffered.
    Coro<std::string> readuntil(std::string separator = "\n");
    // True once end of stream was fed and the buffer is empty.
    [[nodiscard]] bool at_eof() const noexcept { return eof_ && buffer_.empty(); }
    [[nodiscard]] std::exception_ptr exception() const noexcept { return exception_; }
    [[nodiscard]] std::size_t limit() const noexcept { return limit_; }
    [[nodiscard]] std::size_t buffered() const noexcept { return buffer_.size(); }

    // ---- Feeding (the protocol) ------------------------------------------------------------
    // The transport to pause and resume (held weakly).
    void set_transport(std::shared_ptr<Transport> transport);
    void feed_data(std::string_view data);
    // BufferedProtocol's two halves (net/transport/protocol.hpp): free space at the end of the
    // buffer to read into (at least limit() bytes, whatever sizehint says), and how many bytes
    // the read put there, which then count as fed (feed_data's rules: wake the reader, pause
    // past 2 * limit).
    std::span<char> get_buffer(std::size_t sizehint);
    void buffer_updated(std::size_t nbytes);
    void feed_eof();
    void set_exception(std::exception_ptr error);

private:
    Coro<void> wait_for_data(const char* what);
    void wake_up_waiter();
    void maybe_resume_transport();
    void after_feed();
    std::string take_front(std::size_t n);

    EventLoop& loop_;
    std::size_t limit_;
    detail::StreamReaderBuffer buffer_;  // received, not yet read
    bool eof_ = false;                   // feed_eof was called
    bool paused_ = false;                // we paused the transport's reading
    std::exception_ptr exception_;       // set_exception's error, thrown by every read
    std::weak_ptr<Transport> transport_;
    Future<void> waiter_;  // the waiting reader's future (empty: none waits)
};

}  // namespace looplab::net
