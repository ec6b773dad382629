// http/proto/events.hpp: what the parsers hand back, one event per next_event() call.
//
// h11: h11.Request, InformationalResponse, Response, Data, EndOfMessage, ConnectionClosed and
//      the NEED_DATA / PAUSED sentinels
//
// A message arrives as a fixed sequence, so a caller can write it as a state machine:
//
//   request side:   RequestHead -> Data* -> EndOfMessage -> Paused
//   response side:  InformationalResponse* -> ResponseHead -> Data* -> EndOfMessage -> Paused
//
// with NeedData wherever the parser has run out of bytes, ConnectionClosed when the peer closed
// cleanly between messages, and a thrown ProtocolError when the bytes break the protocol. The
// events are alternatives of a std::variant so a caller cannot read a field of the wrong one,
// and a switch over them (std::visit) is checked for exhaustiveness by the compiler.
#pragma once

#include <string_view>
#include <variant>

#include "http/proto/headers.hpp"
#include "http/proto/message.hpp"

namespace looplab::http {

// The parser has used every byte it was given: feed() more, or feed_eof() if the peer closed.
struct NeedData {};

// The message is complete and the parser will not look at further bytes until
// start_next_message() (or ever, if keep_alive() is false or the protocol was switched).
// Waiting here is what keeps a pipelining peer's next request from being read before the
// current one is answered.
struct Paused {};

// The peer closed the connection between messages (feed_eof() with no partial message). Not an
// error for a server; a client that was waiting for a response treats it as "server
// disconnected".
struct ConnectionClosed {};

// A 1xx response other than 101 (100 Continue, 103 Early Hints): it has no body, and the final
// response to the same request follows.
struct InformationalResponse : ResponseHead {};

// Some bytes of the body, after chunked decoding. `bytes` points into the parser's receive
// buffer: it is valid until the next call to feed(), prepare(), feed_eof() or next_event() on
// that parser. Copy it (or process it) before then. Never empty.
struct Data {
    std::string_view bytes;
};

// The body is complete, with exactly as many bytes as it was framed to have (a body cut short
// by the connection closing is a ProtocolError, never an EndOfMessage). `trailers` holds the
// trailer section of a chunked body, empty otherwise.
struct EndOfMessage {
    Headers trailers;
};

using RequestEvent =
    std::variant<NeedData, RequestHead, Data, EndOfMessage, Paused, ConnectionClosed>;
using ResponseEvent = std::variant<NeedData, InformationalResponse, ResponseHead, Data,
                                   EndOfMessage, Paused, ConnectionClosed>;

}  // namespace looplab::http
