// http/proto/detail/body_reader.hpp: reads one message body, framed as body_framing decided, from
// the receive buffer, and knows what the connection closing early means for it.
//
// h11:     ContentLengthReader / ChunkedReader / Http10Reader in h11/_readers.py, and their
//          read_eof() methods
// aiohttp: HttpPayloadParser
//
// Shared by both parsers, because a body is read the same way whichever side sent it. The one
// rule worth its own place is EOF: a close-delimited body ends cleanly when the connection
// closes, but a Content-Length or chunked body that the connection cuts short is an error, so a
// caller never mistakes half a download for the whole of it.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/proto/chunked_decoder.hpp"
#include "http/proto/detail/body_framing.hpp"
#include "http/proto/headers.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/message.hpp"
#include "http/proto/strictness.hpp"

namespace looplab::http::detail {

class BodyReader {
public:
    using Step = ChunkedDecoder::Step;

    BodyReader(MessageKind kind, const ParserLimits& limits, Strictness strictness)
        : kind_(kind), limits_(limits), chunked_(kind, limits, strictness) {}

    // Starts a new body.
    void start(BodyFraming framing) noexcept;

    // Reads from `input` (which must begin with the bytes the previous call did not consume).
    // `eof`: nothing will ever follow `input`. Returns body bytes, or done, or neither (more
    // input is needed); see ChunkedDecoder::Step. Throws ProtocolError for a malformed chunked
    // body, a body over max_body_size (413), and a body cut short by EOF.
    Step read(std::string_view input, bool eof);

    // The trailer fields of a finished chunked body (empty for other framings). Moves them out.
    Headers take_trailers();

private:
    [[noreturn]] void fail_truncated() const;
    [[noreturn]] void fail_too_large() const;

    MessageKind kind_;
    ParserLimits limits_;
    BodyFraming framing_;
    std::uint64_t received_ = 0;  // body bytes reported so far
    ChunkedDecoder chunked_;
};

}  // namespace looplab::http::detail
