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
//   - an HTTP/1.1 request must carry exactly one Host header, with a valid value (3.2);
//   - strict by default (http/proto/strictness.hpp): CRLF only, one Content-Length, no
//     whitespace in chunk lines, because a server must read framing the one way every proxy
//     in front of it does;
//   - ProtocolError::status() is the answer to send: 400, 413, 414, 431, 501 or 505.
//
// Pipelining: bytes after one request are kept for the next. After EndOfMessage the parser
// returns Paused, however many bytes are buffered, until start_next_message(): a server
// answers requests in order, and waiting here is what stops it reading request two while
// request one is still being answered (h11's PAUSED).
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "http/proto/detail/parser_shell.hpp"
#include "http/proto/events.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/protocol_error.hpp"
#include "http/proto/strictness.hpp"

namespace looplab::http {

class RequestParser {
public:
    // Server defaults: ParserLimits::for_requests() caps a body at 1 MiB, and the framing is
    // read strictly. (Kept as a parameter so tests can show what leniency would let through.)
    explicit RequestParser(ParserLimits limits = ParserLimits::for_requests(),
                           Strictness strictness = Strictness::strict);

    // As ResponseParser: feed() copies, prepare()/commit() receive in place, feed_eof() says
    // the client closed its side. No parsing happens until next_event().
    void feed(std::string_view data) { shell_.feed(data); }
    std::span<char> prepare(std::size_t size) { return shell_.prepare(size); }
    void commit(std::size_t n) { shell_.commit(n); }
    void feed_eof() noexcept { shell_.feed_eof(); }

    // The next event. Data's bytes are valid until the next call on this parser. Throws
    // ProtocolError (sticky: later calls throw it again).
    RequestEvent next_event();

    // Ready for the next request. Call it once the response to this one is under way, after
    // EndOfMessage; std::logic_error if the request is not finished or keep_alive() is false.
    void start_next_message();

    // Whether the client lets the connection carry another request after this one (RFC 9112
    // 9.3), known once RequestHead has been returned. False before that and after an error.
    bool keep_alive() const noexcept { return keep_alive_ && !shell_.failed(); }

    // Whether the current request has a body (a Content-Length above 0, or chunked), known once
    // its RequestHead has been returned. A server that answers before reading the body (a 417,
    // or a final status instead of 100 Continue) needs to know whether bytes will follow.
    bool has_body() const noexcept {
        return shell_.body_framing().kind != detail::BodyFraming::Kind::none;
    }

    // Bytes received but not parsed (a pipelined next request, or what followed an error).
    std::string_view unconsumed() const noexcept { return shell_.unconsumed(); }

private:
    enum class State {
        head,    // reading a request line and header fields
        body,    // reading the body
        done,    // EndOfMessage returned; waiting for start_next_message()
        closed,  // EOF between requests: ConnectionClosed returned
    };           // (after a ProtocolError the shell rethrows it, whatever the state)

    RequestEvent step();
    RequestEvent read_head();
    RequestEvent read_body();

    ParserLimits limits_;
    Strictness strictness_;
    State state_ = State::head;
    bool keep_alive_ = false;
    detail::ParserShell shell_;
};

}  // namespace looplab::http
