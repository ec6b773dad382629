// http/proto/response_parser.hpp: the client side's sans-I/O HTTP/1.1 reader: bytes in, response
// events out.
//
// h11:     h11.Connection(our_role=h11.CLIENT): receive_data() / next_event()
// aiohttp: HttpResponseParser (aiohttp/http_parser.py)
//
// Sans-I/O: the parser never reads a socket, never blocks and never calls back. Whoever owns
// the connection gives it bytes and then asks for events until it hears NeedData, so the same
// class serves a blocking client (recv() in a loop), a Protocol's data_received() callback, a
// fuzzer and a test that feeds one byte at a time. This is h11's design, and the reason the
// blocking client, the async ClientSession and the tests all share one parser.
//
// Events (http/proto/events.hpp), per response:
//   InformationalResponse* -> ResponseHead -> Data* -> EndOfMessage -> Paused
// and NeedData wherever the bytes run out. A 1xx other than 101 is reported and then the parser
// reads on to the final response. After EndOfMessage the parser waits (Paused) until
// start_next_message(), because only the caller knows which request the next response answers
// (a response to HEAD has no body, whatever its headers say).
//
// From a blocking recv() loop:
//
//   ResponseParser parser("GET");
//   for (;;) {
//       ResponseEvent event = parser.next_event();
//       if (std::holds_alternative<NeedData>(event)) {
//           std::span<char> space = parser.prepare(64 * 1024);
//           ssize_t n = ::recv(fd, space.data(), space.size(), 0);  // no copy: straight in
//           if (n == 0) parser.feed_eof(); else parser.commit(n);
//       } else if (auto* head = std::get_if<ResponseHead>(&event)) { ... head->status ...
//       } else if (auto* data = std::get_if<Data>(&event)) { body.append(data->bytes);
//       } else if (std::holds_alternative<EndOfMessage>(event)) { break; }
//   }
//
// From a Protocol:
//
//   void data_received(std::string_view bytes) { parser_.feed(bytes); drain(); }
//   void eof_received() { parser_.feed_eof(); drain(); }
//   void drain() { for (;;) { auto e = parser_.next_event(); if (NeedData or Paused) break; ... } }
//
// Errors: next_event() throws ProtocolError naming what was wrong. The error is sticky: every
// later next_event() throws it again, since the stream has no trustworthy message boundary left.
//
// Lenient by default (http/proto/strictness.hpp): a client is the last reader of a response, so
// it takes the few things RFC 9112 lets a recipient accept (a bare LF ending a head line,
// "Content-Length: 5, 5"). The framing rules that protect the connection itself (no
// Transfer-Encoding with Content-Length, chunked last, CRLF in chunk lines) hold either way.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "http/proto/detail/parser_shell.hpp"
#include "http/proto/events.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/protocol_error.hpp"
#include "http/proto/strictness.hpp"

namespace looplab::http {

class ResponseParser {
public:
    // Ready to read the response to a request made with `request_method` ("HEAD" responses
    // have no body; a 2xx to "CONNECT" opens a tunnel).
    explicit ResponseParser(std::string_view request_method = "GET", ParserLimits limits = {},
                            Strictness strictness = Strictness::lenient);

    // Buffers a copy of `data`; does not parse (next_event() does). Any number of bytes,
    // including zero or several messages' worth. std::logic_error after feed_eof().
    void feed(std::string_view data) { shell_.feed(data); }
    // Zero-copy alternative to feed(): writable space for at least `size` bytes, to be filled
    // and then handed over with commit(n). The span is valid until the next call on the parser.
    std::span<char> prepare(std::size_t size) { return shell_.prepare(size); }
    void commit(std::size_t n) { shell_.commit(n); }
    // The server closed its side: no bytes will follow. A close-delimited body then ends; a
    // message cut short becomes a ProtocolError at the next next_event().
    void feed_eof() noexcept { shell_.feed_eof(); }

    // The next event; see the header comment for the sequence and for Data's lifetime (its
    // bytes are valid until the next call on this parser). Throws ProtocolError.
    ResponseEvent next_event();

    // Ready for the next response on this connection, to a request made with `request_method`.
    // Call it after EndOfMessage; std::logic_error if the current response is not finished or
    // the connection cannot carry another one (keep_alive() is false).
    void start_next_message(std::string_view request_method = "GET");

    // Whether the connection can carry another response after this one, known once the final
    // ResponseHead has been returned: the head allows it (RFC 9112 9.3, see
    // http::keep_alive()) and the body is not delimited by the close itself, nor the protocol
    // switched. (Whether the client's own request said "Connection: close" is the client's to
    // add.) False before the head and after an error.
    bool keep_alive() const noexcept { return keep_alive_ && !shell_.failed(); }

    // Bytes received but not parsed: after a 101 or a CONNECT tunnel these belong to the new
    // protocol; after an error they are what was left.
    std::string_view unconsumed() const noexcept { return shell_.unconsumed(); }

private:
    enum class State {
        head,      // reading a status line and header fields (informational or final)
        body,      // reading the body of the final response
        done,      // EndOfMessage returned; waiting for start_next_message()
        switched,  // 101 or CONNECT 2xx: the bytes now belong to another protocol
        closed,    // EOF between messages: ConnectionClosed returned
    };             // (after a ProtocolError the shell rethrows it, whatever the state)

    ResponseEvent step();
    ResponseEvent read_head();
    ResponseEvent read_body();

    ParserLimits limits_;
    Strictness strictness_;
    std::string request_method_;
    State state_ = State::head;
    bool keep_alive_ = false;
    bool informational_seen_ = false;  // a 1xx was returned; the final response is still due
    bool switching_ = false;  // the final response switches protocols once its EndOfMessage is out
    detail::ParserShell shell_;
};

}  // namespace looplab::http
