// http/proto/serializer.hpp: writes request and response heads as HTTP/1.1 bytes.
//
// h11:     h11._writers (write_request / write_headers) via Connection.send()
// aiohttp: StreamWriter.write_headers and ClientRequest.send (aiohttp/http_writer.py)
//
// The other half of sans-I/O: functions that append wire bytes to a std::string the caller
// then sends however it likes (a blocking send(), a Transport's write()). They append, rather
// than return a new string, so a caller can build head and first body bytes in one buffer and
// reuse that buffer's capacity for the next message.
//
// Every name and value is checked before it is written (std::invalid_argument otherwise): a
// value carrying CR or LF would let whoever chose it add headers or a whole second message.
// The framing headers (Content-Length / Transfer-Encoding) are written from an OutgoingBody
// and refused in `headers`, so a head can never announce two different body lengths. The
// chunked body itself is written by ChunkedEncoder (http/proto/chunked_encoder.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/proto/headers.hpp"

namespace looplab::http {

// How the body after a head is delimited.
struct OutgoingBody {
    enum class Kind {
        none,     // no framing header. A request: no body. A response other than 1xx / 204 /
                  // 304: the body runs until the server closes the connection.
        length,   // "Content-Length: length"
        chunked,  // "Transfer-Encoding: chunked"; write the body with ChunkedEncoder
    };
    Kind kind = Kind::none;
    std::uint64_t length = 0;

    static constexpr OutgoingBody none() { return {}; }
    static constexpr OutgoingBody of_length(std::uint64_t n) { return {Kind::length, n}; }
    static constexpr OutgoingBody chunked() { return {Kind::chunked, 0}; }
};

// Appends "METHOD target HTTP/1.1", then "Host: host" (unless `headers` has a Host field of
// its own, which then wins), then `headers` in order, then the framing header, then the blank
// line. `host` is what Url::host_header() returns. Throws std::invalid_argument for a method
// that is not a token, an empty target or one with whitespace / control bytes, an invalid
// field, or Content-Length / Transfer-Encoding in `headers`.
void write_request_head(std::string& out, std::string_view method, std::string_view target,
                        std::string_view host, const Headers& headers,
                        OutgoingBody body = OutgoingBody::none());

// Appends "HTTP/1.1 status reason", `headers`, the framing header and the blank line. An empty
// `reason` means reason_phrase(status). Throws std::invalid_argument for a status outside
// 100..999, a body framing on a 1xx or 204 (which have no body; a 304 may carry the
// Content-Length of the representation but not chunked), or any field check as above.
void write_response_head(std::string& out, int status, const Headers& headers,
                         OutgoingBody body = OutgoingBody::none(), std::string_view reason = {});

// "OK" for 200, "Not Found" for 404...; empty for a code it does not know.
std::string_view reason_phrase(int status);

}  // namespace looplab::http
