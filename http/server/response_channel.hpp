// http/server/response_channel.hpp: the response half of a server connection: framing, flow
// control, memory budgets, slow-reader limits and sendfile.
//
// aiohttp: web_protocol.RequestHandler's writer (http_writer.StreamWriter: write, drain,
//          write_eof) under web.StreamResponse
// asyncio: WriteTransport's water marks and a protocol's pause_writing / resume_writing,
//          as StreamWriter.drain() waits on them; loop.sendfile's native path
// nginx:   ngx_http_write_filter (postpone writing at the buffer's limit), send_timeout,
//          sendfile on
//
// ServerConnection (server_connection.hpp) reads and parses requests; everything it answers
// goes through this channel, one exchange (one response) at a time:
//
//   begin --send_now---------------------------------------------> finished   (small, at once)
//     |----send: head, body pieces (drain between), end --------> finished
//     +----send_head --> send_body* / send_file* --> send_end --> finished   (StreamResponse)
//
// Memory: bytes go to the transport in pieces of at most kPiece, and before each piece the
// writer waits (drain) while the transport is above its high water mark. The mark is the
// server's per-connection share of its memory budget (ServerShared::write_mark), so one
// connection holds at most mark + kPiece, and the whole server about memory_budget plus a
// piece per connection, however large the responses and however slowly they are read. A body
// made as it is written (StreamResponse, /bytes/<n>) is never whole in memory.
//
// Slow readers: while the connection owes bytes the client is not taking (writing paused, a
// file being sent, or the connection closing with bytes left), a watchdog ticks: no progress
// for send_timeout, or less than min_send_rate over a rate_window, aborts the connection
// (server_options.hpp). Progress is what the kernel took: bytes written minus bytes buffered.
//
// sendfile: a file's bytes go from the page cache to the socket without passing through this
// process (nginx's sendfile on; asyncio's loop.sendfile), on a plain socket transport once its
// buffer is empty: then the transport has no writer registered, and the channel may wait for
// writability on the socket itself, as asyncio's sock_sendfile does. Over any other transport
// (TLS) the file is read and written in pieces instead.
//
// Loop-thread only. The connection owns the channel; a handler task reaches it through
// ServerRequest::channel while the task holds the connection alive.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/server/response_writer.hpp"
#include "http/server/server_request.hpp"
#include "net/transport/transport.hpp"
#include "runtime/clock.hpp"
#include "runtime/coro.hpp"
#include "runtime/future.hpp"
#include "runtime/handle.hpp"

namespace looplab::http {

struct ServerShared;

class ResponseChannel {
public:
    // The largest piece handed to the transport at once.
    static constexpr std::size_t kPiece = 16 * 1024;

    explicit ResponseChannel(ServerShared& shared) : shared_(shared) {}
    ~ResponseChannel();
    ResponseChannel(const ResponseChannel&) = delete;
    ResponseChannel& operator=(const ResponseChannel&) = delete;

    // ---- The connection's side ---------------------------------------------------------------
    void attach(net::Transport& transport);
    // connection_lost: a waiting writer wakes up and throws TransportClosedError.
    void detach();
    // A new response begins. keep_alive is asked when the head is written (the client may
    // half-close while the handler runs).
    void begin(std::string_view method, HttpVersion version, std::function<bool()> keep_alive);
    void pause_writing();
    void resume_writing();
    [[nodiscard]] bool writing_paused() const noexcept { return writing_paused_; }
    // Bytes outside any response (100 Continue).
    void write_raw(std::string_view bytes);
    // The connection is closing with bytes still buffered: the watchdog bounds how long.
    void watch_closing();

    // ---- What the current response was --------------------------------------------------------
    [[nodiscard]] bool head_sent() const noexcept { return head_sent_; }
    [[nodiscard]] bool finished() const noexcept { return finished_; }
    [[nodiscard]] int status() const noexcept { return status_; }
    [[nodiscard]] std::uint64_t body_bytes() const noexcept { return body_bytes_; }
    // The connection may stay open after it (the head said so, and it was sent whole).
    [[nodiscard]] bool keep_alive() const noexcept { return framing_.keep_alive && !broken_; }

    // ---- Whole responses
    // ------------------------------------------------------------------------- Written at once,
    // never waits: router answers, errors, small bodies. A response the serialiser refuses (a CR in
    // a field) is replaced by a 500.
    void send_now(ServerResponse& response);
    // The head at once, the body in pieces with flow control.
    Coro<void> send(ServerResponse& response);

    // ---- Streaming (StreamResponse) ----------------------------------------------------------
    // The head: Content-Length when `length` is known, else chunked (HTTP/1.1) or until the
    // close (HTTP/1.0). Throws std::logic_error if a head was sent already.
    void send_head(int status, Headers& headers, std::optional<std::uint64_t> length);
    // Body bytes, in pieces, waiting whenever the client falls behind. For HEAD (and 204, 304)
    // they are counted and not sent. Throws std::logic_error past the announced length,
    // TransportClosedError once the connection is gone.
    Coro<void> send_body(std::string_view bytes);
    // `count` bytes of the open file `fd` from `offset`, by sendfile(2) where it can.
    Coro<void> send_file(int fd, std::uint64_t offset, std::uint64_t count);
    // The body's end: the last chunk; for a length not reached, the connection is aborted (the
    // client must not take a short body for a whole one).
    void send_end();
    // Waits until the connection's write buffer is at or below its mark.
    Coro<void> drain();

private:
    bool open() const;           // attached, and neither closing nor aborted
    std::uint64_t sent() const;  // bytes the kernel has taken so far
    bool owes() const;           // the watchdog has something to watch
    void apply_mark();
    void write_piece(std::string_view piece);
    Coro<void> empty_buffer();
    Coro<void> wait_writable(int fd);
    Coro<void> send_file_by_reading(int fd, std::uint64_t offset, std::uint64_t count);
    void arm_watchdog();
    void watchdog_tick();
    void wake_writer();
    ResponseContext context() const;

    ServerShared& shared_;
    net::Transport* transport_ = nullptr;  // attach .. detach
    std::size_t mark_ = 0;                 // the high water mark last set on the transport
    std::uint64_t written_ = 0;            // bytes handed to the transport (or sendfile'd)
    bool writing_paused_ = false;          // pause_writing .. resume_writing
    bool closing_ = false;                 // watch_closing was called
    bool sending_file_ = false;            // inside send_file's sendfile loop
    Future<void> drain_waiter_;            // the writer waits here for resume_writing

    // The current exchange.
    std::string method_;
    HttpVersion version_;
    std::function<bool()> keep_alive_query_;
    BodyFraming framing_;
    std::optional<std::uint64_t> length_;  // announced Content-Length
    bool head_sent_ = false;
    bool finished_ = false;
    bool broken_ = false;  // aborted mid-body
    int status_ = 0;
    std::uint64_t body_bytes_ = 0;

    // The send watchdog (see the header).
    TimerHandle watchdog_;
    bool watchdog_armed_ = false;
    std::uint64_t last_sent_ = 0;
    TimePoint last_progress_{};
    TimePoint window_start_{};
    std::uint64_t window_sent_ = 0;
};

}  // namespace looplab::http
