// http/proto/chunked_decoder.hpp: undoes the chunked transfer-coding, incrementally.
//
// h11:     ChunkedReader in h11/_readers.py
// aiohttp: HttpPayloadParser's chunked states (http_parser.py)
// RFC:     9112 section 7.1
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   last-chunk   = 1*("0") [ chunk-ext ] CRLF
//
// A state machine over the bytes given, returning at most one run of body bytes per call: the
// data of a chunk is never copied, the returned view points into `input`. Chunk extensions are
// parsed and validated (a malformed one is a framing error, the kind request smuggling hides
// in) and then ignored, as RFC 9112 7.1.1 allows. Trailer fields are read by the same
// HeadReader as a head, so they get the same checks and limits, and are kept for the caller.
//
// Chunk lines and the line end after chunk data are CRLF, whatever the strictness: RFC 9112
// 2.2's leave to accept a bare LF covers the start line and fields only. Strict (a server's
// reading, http/proto/strictness.hpp) also takes a chunk-size line in its one canonical
// spelling: hex digits, then `;` extensions without whitespace, then CRLF.
//
// It is a class of its own, not a part of the message parser, so it can be fuzzed and tested on
// its own: a decoder fed arbitrary bytes must never read out of bounds, and must never report
// more data than the chunk sizes declared.
//
// Contract of decode(): `input` must begin with the bytes the previous call did not consume.
// Throws ProtocolError naming the fault; the decoder is unusable after that until reset().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/proto/detail/head_reader.hpp"
#include "http/proto/headers.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/message.hpp"
#include "http/proto/strictness.hpp"

namespace looplab::http {

class ChunkedDecoder {
public:
    // What one decode() call did. Exactly one of these holds:
    //   - data is non-empty: body bytes (a view into `input`);
    //   - done is true: the last chunk and the trailer section were read;
    //   - neither: everything useful in `input` was consumed; call again with more bytes.
    struct Step {
        std::size_t consumed = 0;  // bytes of `input` used, including `data`; drop them
        std::string_view data;     // decoded body bytes
        bool done = false;
    };

    // `kind` decides whether obs-fold in the trailers is folded (response) or rejected
    // (request). max_line_size bounds a chunk-size line; the head limits bound the trailers;
    // max_body_size is checked against each chunk's declared size, before any of its data.
    // Without a strictness, the kind's default (strict for requests, lenient for responses).
    explicit ChunkedDecoder(MessageKind kind = MessageKind::response, ParserLimits limits = {})
        : ChunkedDecoder(kind, limits, default_strictness(kind)) {}
    ChunkedDecoder(MessageKind kind, ParserLimits limits, Strictness strictness);

    Step decode(std::string_view input);

    bool done() const noexcept { return state_ == State::done; }
    // Decoded body bytes reported so far.
    std::uint64_t body_size() const noexcept { return body_size_; }
    // The trailer fields, once done(). Moves them out.
    Headers take_trailers() { return trailers_.take_fields(); }

    // Ready for another chunked body.
    void reset() noexcept;

private:
    enum class State {
        size_line,  // reading "1a;ext=v\r\n"
        data,       // remaining_ bytes of chunk data to go
        data_end,   // the CRLF after the chunk data
        trailers,   // after the last-chunk: trailer fields up to an empty line
        done,
    };

    // Returns false if the line is not complete yet.
    bool read_size_line(std::string_view rest, Step& step);
    // Returns false if the CRLF after the chunk data has not fully arrived yet.
    bool read_data_end(std::string_view rest, Step& step);
    void parse_size_line(std::string_view line);
    void check_extensions(std::string_view extensions, std::string_view line) const;
    [[noreturn]] void fail_line_too_long() const;
    // What follows the size's hex digits (at `at`) is neither ';' nor the end of the line.
    [[noreturn]] void fail_after_size(std::string_view line, std::size_t at) const;

    MessageKind kind_;
    ParserLimits limits_;
    Strictness strictness_;
    State state_ = State::size_line;
    std::size_t scanned_ = 0;      // bytes of the unfinished size line searched for '\n'
    std::uint64_t remaining_ = 0;  // chunk-data bytes still to come in this chunk
    std::uint64_t body_size_ = 0;  // total decoded bytes
    detail::HeadReader trailers_;
};

}  // namespace looplab::http
