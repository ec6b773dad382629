// http/proto/limits.hpp: how much a parser accepts before it refuses a message.
//
// h11:     Connection(max_incomplete_event_size=16 KiB)
// aiohttp: HttpParser(max_line_size=8190, max_field_size=8190, max_headers=32768) and the
//          server's client_max_size
//
// A parser that buffers a head until it sees the blank line must cap that buffer, or one peer
// that never sends "\r\n\r\n" holds memory without bound. The defaults are what servers
// commonly accept (8 KiB lines as in nginx's large_client_header_buffers, 64 KiB heads, 100
// fields); a message that exceeds them is answered 414 / 431 / 413 on the server side.
// Responses get more room (for_responses): real sites send 8 KiB Set-Cookie lines and over a
// hundred fields, which curl and browsers accept; 16 KiB lines, 256 fields and a 256 KiB head
// still bound what one connection can make a client hold.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace looplab::http {

struct ParserLimits {
    static constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

    // Longest single line, without its CRLF: a start line, a header field line, a chunk-size
    // line (with its extensions) or a trailer field line.
    std::size_t max_line_size = 8 * 1024;
    // Longest head: start line, header fields and their line endings. A trailer section is
    // held to the same limit on its own.
    std::size_t max_head_size = 64 * 1024;
    // Most header fields in one head (and, separately, in one trailer section).
    std::size_t max_header_count = 100;
    // Most body bytes in one message, after chunked decoding. Checked against Content-Length
    // before the body is read, against each chunk's declared size before its data, and for a
    // close-delimited body at the first byte past the limit (the bytes up to it are handed
    // out), so the outcome never depends on how the bytes were split into reads.
    std::uint64_t max_body_size = kUnlimited;

    // The defaults a server uses: as above, but a request body is capped at 1 MiB (aiohttp's
    // client_max_size), because an unbounded upload from any client is a server's problem,
    // whereas a client asked for the response it gets.
    static constexpr ParserLimits for_requests() {
        ParserLimits limits;
        limits.max_body_size = 1024 * 1024;
        return limits;
    }

    // The defaults a client reads responses with (ClientSessionOptions::limits; lab-get's
    // --max-header-size / --max-headers start from them): 16 KiB lines, 256 fields, 256 KiB
    // heads, bodies unlimited (max_body_size caps them when a caller wants).
    static constexpr ParserLimits for_responses() {
        ParserLimits limits;
        limits.max_line_size = 16 * 1024;
        limits.max_head_size = 256 * 1024;
        limits.max_header_count = 256;
        return limits;
    }
};

}  // namespace looplab::http
