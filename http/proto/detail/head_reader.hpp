// http/proto/detail/head_reader.hpp: reads a message head (start line + header fields, up to the
// blank line) or a chunked body's trailer section, line by line, as the bytes arrive.
//
// h11:     the "read until \r\n\r\n, then split" step in h11/_readers.py
// llhttp:  the header states of its byte-at-a-time state machine
//
// Built line-at-a-time rather than "wait for the blank line, then parse": each complete line is
// validated and stored as soon as it arrives and then consumed from the receive buffer, so a
// head that trickles in is never rescanned, and the only bytes ever held back are those of the
// one unfinished line. Within that line, `scanned_` remembers how far the search for '\n' got,
// so even a long line fed one byte at a time is searched once in total.
//
// An obs-fold line (one starting with SP / HTAB) continues the previous field; that needs no
// look-ahead because the field being read is held in pending_* and only moved into the Headers
// once the next field (or the blank line) starts.
//
// Lines end in CRLF. A bare LF ends a line only when the reader is lenient (a client's; see
// http/proto/strictness.hpp): RFC 9112 2.2 lets a recipient accept it, and a server must not,
// because the proxy in front of it may not have.
//
// Contract of read(): `input` must begin with the bytes the previous call did not consume (the
// receive buffer guarantees this). Throws ProtocolError, naming the fault, for anything RFC 9112
// asks a recipient to reject; the reader is then unusable until reset().
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "http/proto/headers.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/message.hpp"
#include "http/proto/strictness.hpp"

namespace looplab::http::detail {

class HeadReader {
public:
    // A head starts with a start line; a trailer section does not, and ends at its first empty
    // line.
    enum class Section { head, trailers };

    HeadReader(MessageKind kind, Section section, const ParserLimits& limits, Strictness strictness)
        : kind_(kind), section_(section), limits_(limits), strictness_(strictness) {}

    // Consumes complete lines from the front of `input` until the head is done or only an
    // unfinished line is left; returns how many bytes it consumed.
    std::size_t read(std::string_view input);

    // The blank line that ends the head has been read.
    bool done() const noexcept { return done_; }
    // Any byte of this head other than leading empty lines has been consumed (so EOF now would
    // cut a message short rather than end a connection between messages). Bytes held back as
    // an unfinished line are not counted: the caller sees those in its own buffer.
    bool started() const noexcept { return has_start_line_ || has_pending_ || !fields_.empty(); }

    // The start line, without its line ending. Valid once done().
    std::string_view start_line() const noexcept { return start_line_; }
    // Moves the header (or trailer) fields out. Valid once done().
    Headers take_fields() { return std::move(fields_); }

    // Ready for the next head. Keeps the start-line string's capacity.
    void reset() noexcept;

private:
    void on_line(std::string_view line);
    void on_field_line(std::string_view line);
    void on_obs_fold(std::string_view line);
    void commit_pending();
    // Checks the limits against the first `line_bytes` bytes of the current line (its LF not
    // among them), for a line still arriving and again for a complete one, so the same error
    // is thrown however the bytes were split (tests/fuzz found the split-dependent version).
    void check_line_so_far(std::size_t line_bytes) const;
    [[noreturn]] void fail_line_too_long() const;
    [[noreturn]] void fail_head_too_large() const;
    [[noreturn]] void fail_bare_lf() const;
    std::string what() const;  // "request head", "response head" or "trailer section"

    MessageKind kind_;
    Section section_;
    ParserLimits limits_;
    Strictness strictness_;

    std::size_t scanned_ = 0;     // bytes of the unfinished line already searched for '\n'
    std::size_t head_bytes_ = 0;  // bytes of complete lines consumed so far, line endings too
    bool done_ = false;
    bool has_start_line_ = false;
    std::string start_line_;
    Headers fields_;
    bool has_pending_ = false;   // a field line was read and may still be continued (obs-fold)
    std::string pending_name_;   // that field's name
    std::string pending_value_;  // and its value so far
};

}  // namespace looplab::http::detail
