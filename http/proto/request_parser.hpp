// http/proto/request_parser.hpp: the server side's sans-I/O HTTP/1.1 reader: bytes in, request
// events out.
//
// h11:     h11.Connection(our_role=h11.SERVER): receive_data() / next_event()
// aiohttp: HttpRequestParser (aiohttp/http_parser.py), used by web_protocol.RequestHandler
//
// The mirror of ResponseParser (see its header for the sans-I/O argument and the blocking /
// data_received usage, which are the same). Events, per request:
//   RequestHead -> Data* -> EndOfMessage -> Paused
// Differences from the response side, all from RFC 9112:
//   - a request without Content-Length or Transfer-Encoding has no body (never "until close");
//   - obs-fold is rejected, not unfolded (5.2);
//   - an HTTP/1.1 request must carry exactly one Host header (3.2);
//   - ProtocolError::status() is the answer to send: 400, 413, 414, 431, 501 or 505.
//
// Pipelining: bytes after one request are kept for the next. After EndOfMessage the parser
// returns Paused, however many bytes are buffered, until start_next_message(): a server
// answers requests in order, and waiting here is what stops it reading request two while
// request one is still being answered (h11's PAUSED).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "http/proto/detail/body_reader.hpp"
#include "http/proto/detail/head_reader.hpp"
#include "http/proto/detail/receive_buffer.hpp"
#include "http/proto/events.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/protocol_error.hpp"

namespace looplab::http {

class RequestParser {
public:
    // Server defaults: ParserLimits::for_requests() caps a body at 1 MiB.
    explicit RequestParser(ParserLimits limits = ParserLimits::for_requests());

    // As ResponseParser: feed() copies, prepare()/commit() receive in place, feed_eof() says
    // the client closed its side. No parsing happens until next_event().
    void feed(std::string_view data);
    std::span<char> prepare(std::size_t size);
    void commit(std::size_t n);
    void feed_eof();

    // The next event. Data's bytes are valid until the next call on this parser. Throws
    // ProtocolError (sticky: later calls throw it again).
    RequestEvent next_event();

    // Ready for the next request. Call it once the response to this one is under way, after
    // EndOfMessage; std::logic_error if the request is not finished or keep_alive() is false.
    void start_next_message();

    // Whether the client lets the connection carry another request after this one (RFC 9112
    // 9.3), known once RequestHead has been returned. False before that and after an error.
    bool keep_alive() const noexcept { return keep_alive_; }

    // Bytes received but not parsed (a pipelined next request, or what followed an error).
    std::string_view unconsumed() const noexcept { return buffer_.view(); }

private:
    enum class State {
        kHead,    // reading a request line and header fields
        kBody,    // reading the body
        kDone,    // EndOfMessage returned; waiting for start_next_message()
        kClosed,  // EOF between requests: ConnectionClosed returned
        kError,   // a ProtocolError was thrown; it is rethrown
    };

    RequestEvent step();
    RequestEvent read_head();
    RequestEvent read_body();

    ParserLimits limits_;
    detail::ReceiveBuffer buffer_;
    bool eof_ = false;
    State state_ = State::kHead;
    bool keep_alive_ = false;
    detail::HeadReader head_;
    detail::BodyReader body_;
    std::optional<ProtocolError> error_;
};

}  // namespace looplab::http
