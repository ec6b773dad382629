// http/server/body_stream.hpp: a request body handed to its handler piece by piece, as it
// arrives.
//
// aiohttp: web.Request.content, a StreamReader (read_chunk, read, at_eof); the flow control
//          of its StreamReader's feed_data / pause_reading at a high water mark.
//
// For a route added with stream_body (router.hpp), the handler starts as soon as the head is
// read, and the connection feeds the body's pieces here while the handler runs. So a handler
// can store a 1 GB upload to disk, or hash it, in constant memory, and refuse it early. (The
// server's body size limit, HttpServerOptions::limits.max_body_size, still applies: raise it
// for such a server.)
//
// Flow control: once more than `limit` bytes wait unread, the connection pauses reading the
// socket (on_backlog(true)); TCP flow control then holds the client back. When the handler
// has read them down to the limit, reading resumes (on_backlog(false)). At most `limit` bytes,
// plus one socket read, are ever buffered here.
//
// States (one reader, the handler's task):
//   open --feed_eof--> ended   read_chunk returns "" once the buffer is empty
//     \--set_exception--> failed   read_chunk throws at once, buffered bytes or not: a body
//                                  that broke the protocol is not worth reading to its end
// Loop-thread only.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <string>
#include <string_view>

#include "runtime/coro.hpp"
#include "runtime/future.hpp"

namespace looplab::http {

class BodyStream {
public:
    static constexpr std::size_t kDefaultLimit = 64 * 1024;

    explicit BodyStream(std::size_t limit = kDefaultLimit) : limit_(limit) {}
    BodyStream(const BodyStream&) = delete;
    BodyStream& operator=(const BodyStream&) = delete;
    ~BodyStream();

    // ---- The handler's side ------------------------------------------------------------------
    // The next bytes of the body, at most `max` (at least 1 unless the body has ended); waits
    // for them. "" once the whole body has been read. Throws what set_exception was given: a
    // ProtocolError (a malformed or cut-off body, 400; too large, 413; too slow, 408).
    Coro<std::string> read_chunk(std::size_t max = kDefaultLimit);
    // The rest of the body, whole (aiohttp: await request.read()).
    Coro<std::string> read();
    // True once the body has ended and every byte was read.
    bool at_eof() const noexcept { return ended_ && buffer_.empty(); }
    // Bytes read by the handler so far.
    std::uint64_t bytes_read() const noexcept { return read_; }

    // ---- The connection's side ---------------------------------------------------------------
    void feed(std::string_view bytes);
    void feed_eof();
    void set_exception(std::exception_ptr error);
    // Called with true when more than the limit waits unread, false when it fell back to it.
    std::function<void(bool)> on_backlog;

private:
    void wake();

    std::size_t limit_;
    std::string buffer_;
    std::uint64_t read_ = 0;
    bool ended_ = false;
    bool backlogged_ = false;
    std::exception_ptr error_;
    Future<void> waiter_;  // the handler waits here for bytes, the end or an error
};

}  // namespace looplab::http
