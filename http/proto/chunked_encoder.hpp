// http/proto/chunked_encoder.hpp: writes a body in the chunked transfer-coding, for bodies whose
// length is not known when the head is sent (a stream, a generator, a proxied download).
//
// h11:     ChunkedWriter in h11/_writers.py
// aiohttp: StreamWriter with enable_chunking() (aiohttp/http_writer.py)
// RFC:     9112 section 7.1
//
// The counterpart of ChunkedDecoder, appending to the caller's std::string like the head
// serialisers. It keeps one bit of state, whether the last chunk was written, because the
// mistakes it exists to catch are ordering mistakes: a chunk after the last one, or an empty
// chunk, which the peer would read as the end of the body.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/proto/headers.hpp"

namespace looplab::http {

class ChunkedEncoder {
public:
    // Appends one chunk: hex size, CRLF, `data`, CRLF. Empty `data` appends nothing (a
    // zero-size chunk would end the body). std::logic_error after write_last_chunk().
    void write_chunk(std::string& out, std::string_view data);

    // Appends only the size line of a `size`-byte chunk ("1a\r\n"), for a caller that sends the
    // data itself without copying it here (a scatter/gather write); it must then send exactly
    // `size` bytes followed by "\r\n". `size` must not be 0.
    void write_chunk_header(std::string& out, std::size_t size);

    // Appends the last-chunk ("0\r\n"), the trailer fields and the final CRLF. Trailer fields
    // are checked like header fields (std::invalid_argument). std::logic_error if called twice.
    void write_last_chunk(std::string& out, const Headers& trailers = {});

    bool finished() const noexcept { return finished_; }

private:
    bool finished_ = false;  // the last-chunk has been written
};

}  // namespace looplab::http
