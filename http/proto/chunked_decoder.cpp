// http/proto/chunked_decoder.cpp: the chunked transfer-coding state machine of
// http/proto/chunked_decoder.hpp.
#include "http/proto/chunked_decoder.hpp"

#include <algorithm>
#include <string>

#include "http/proto/detail/grammar.hpp"
#include "http/proto/protocol_error.hpp"

namespace looplab::http {

namespace {
constexpr int kBadRequest = 400;
constexpr int kContentTooLarge = 413;

using detail::is_ows;
using detail::quote;

// quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 5.6.4). `s` starts at the
// opening quote; returns the length of the quoted string, or 0 if it is malformed.
std::size_t quoted_string_length(std::string_view s) {
    for (std::size_t i = 1; i < s.size(); ++i) {
        const auto u = static_cast<unsigned char>(s[i]);
        if (u == '"') return i + 1;
        if (u == '\\') {
            if (++i == s.size()) return 0;
            const auto escaped = static_cast<unsigned char>(s[i]);
            if (escaped != '\t' && (escaped < 0x20 || escaped == 0x7f)) return 0;
        } else if (u != '\t' && (u < 0x20 || u == 0x7f)) {
            return 0;
        }
    }
    return 0;  // no closing quote
}

std::size_t token_length(std::string_view s) {
    std::size_t n = 0;
    while (n < s.size() && detail::is_tchar(s[n])) ++n;
    return n;
}

std::string_view skip_ows(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    return s;
}

// RFC 9112 7.1.1 allows "bad whitespace" (BWS) in a chunk-size line only in front of ';' and
// '=', and after them. RFC 9110 5.6.3 forbids senders to generate it and asks recipients to
// accept it; a lenient decoder does, a strict one (a server's) takes none: parsers that
// disagree on whitespace in chunk lines are how chunked bodies are smuggled (a proxy that reads
// "5 ;x" as size 5 and a server that stops at the space).

// BWS in front of `next`: skipped when lenient and `next` follows it, otherwise left in place,
// for the caller to reject as a byte it did not expect. Whitespace at the end of the line is
// therefore never skipped, in either mode: the grammar has none there.
std::string_view skip_bws_before(std::string_view s, char next, Strictness strictness) {
    if (strictness == Strictness::strict) return s;
    const std::string_view after = skip_ows(s);
    return !after.empty() && after.front() == next ? after : s;
}

// BWS after ';' or '=': skipped when lenient. What must follow (a name, a value) is checked by
// the caller, so trailing whitespace still fails there.
std::string_view skip_bws_after(std::string_view s, Strictness strictness) {
    return strictness == Strictness::strict ? s : skip_ows(s);
}
}  // namespace

ChunkedDecoder::ChunkedDecoder(MessageKind kind, ParserLimits limits, Strictness strictness)
    : kind_(kind),
      limits_(limits),
      strictness_(strictness),
      trailers_(kind, detail::HeadReader::Section::trailers, limits, strictness) {}

void ChunkedDecoder::reset() noexcept {
    state_ = State::size_line;
    scanned_ = 0;
    remaining_ = 0;
    body_size_ = 0;
    trailers_.reset();
}

ChunkedDecoder::Step ChunkedDecoder::decode(std::string_view input) {
    Step step;
    // Each pass handles one state; the loop ends when data is found, the body is done, or the
    // input runs out.
    while (true) {
        const std::string_view rest = input.substr(step.consumed);
        switch (state_) {
            case State::size_line:
                if (!read_size_line(rest, step)) return step;
                state_ = remaining_ == 0 ? State::trailers : State::data;
                break;
            case State::data: {
                if (rest.empty()) return step;
                const auto n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
                step.data = rest.substr(0, n);
                step.consumed += n;
                remaining_ -= n;
                body_size_ += n;
                if (remaining_ == 0) state_ = State::data_end;
                return step;
            }
            case State::data_end:
                if (!read_data_end(rest, step)) return step;
                state_ = State::size_line;
                break;
            case State::trailers:
                step.consumed += trailers_.read(rest);
                if (!trailers_.done()) return step;
                state_ = State::done;
                step.done = true;
                return step;
            case State::done:
                step.done = true;
                return step;
        }
    }
}

bool ChunkedDecoder::read_size_line(std::string_view rest, Step& step) {
    const std::size_t length = rest.find('\n', scanned_);
    if (length == std::string_view::npos) {
        scanned_ = rest.size();
        if (!rest.empty() && rest.size() - 1 > limits_.max_line_size)  // -1: a trailing CR
            fail_line_too_long();
        return false;
    }
    // The same length test as for the unfinished line above, before anything else, so the
    // error does not depend on whether the LF came in the same read.
    if (length > 0 && length - 1 > limits_.max_line_size) fail_line_too_long();
    if (length == 0 || rest[length - 1] != '\r')
        throw ProtocolError("chunk size line " + quote(rest.substr(0, length)) +
                                " ends in a bare LF (chunk lines end in CRLF)",
                            kBadRequest);
    scanned_ = 0;
    step.consumed += length + 1;
    parse_size_line(rest.substr(0, length - 1));
    return true;
}

bool ChunkedDecoder::read_data_end(std::string_view rest, Step& step) {
    // CRLF, and nothing else, follows the data: any other byte means the chunk is longer than
    // its size line says (or a bare LF, which only a head's lines may have when lenient).
    const auto fail = [] {
        throw ProtocolError(
            "chunk data not followed by CRLF (the chunk is longer than its size line says)",
            kBadRequest);
    };
    if (rest.empty()) return false;
    if (rest[0] != '\r') fail();
    if (rest.size() < 2) return false;
    if (rest[1] != '\n') fail();
    step.consumed += 2;
    return true;
}

void ChunkedDecoder::fail_line_too_long() const {
    throw ProtocolError(
        "chunk size line too long (limit " + std::to_string(limits_.max_line_size) + " bytes)",
        kBadRequest);
}

void ChunkedDecoder::parse_size_line(std::string_view line) {
    // chunk-size = 1*HEXDIG. No sign, no "0x", no leading whitespace: every one of those has
    // been read differently by some parser, which is all a smuggler needs.
    std::size_t i = 0;
    std::uint64_t size = 0;
    for (; i < line.size(); ++i) {
        const int digit = detail::hex_value(line[i]);
        if (digit < 0) break;
        if (size > (UINT64_MAX >> 4))
            throw ProtocolError("chunk size " + quote(line.substr(0, i + 1)) +
                                    "... is too large (overflows 64 bits)",
                                kBadRequest);
        size = (size << 4) | static_cast<std::uint64_t>(digit);
    }
    if (i == 0)
        throw ProtocolError(
            "invalid chunk size line " + quote(line) + " (expected hexadecimal digits)",
            kBadRequest);
    const std::string_view after = skip_bws_before(line.substr(i), ';', strictness_);
    if (!after.empty() && after.front() != ';') fail_after_size(line, i);
    check_extensions(after, line);
    // Refuse a chunk that would take the body over the limit now, from its declared size,
    // rather than after part of it was handed out: the outcome then does not depend on how the
    // bytes were split.
    if (size > limits_.max_body_size - body_size_)
        throw ProtocolError(std::string(kind_ == MessageKind::request ? "request" : "response") +
                                " body too large (over " + std::to_string(limits_.max_body_size) +
                                " bytes)",
                            kContentTooLarge);
    remaining_ = size;
}

void ChunkedDecoder::fail_after_size(std::string_view line, std::size_t at) const {
    const char bad = line[at];
    std::string what = bad == '\r' ? std::string("bare CR") : quote(line.substr(at, 1));
    what += " after the hex digits";
    if (is_ows(bad) && strictness_ == Strictness::strict) what += ": no whitespace in chunk lines";
    throw ProtocolError("invalid chunk size line " + quote(line) + " (unexpected " + what + ")",
                        kBadRequest);
}

void ChunkedDecoder::check_extensions(std::string_view ext, std::string_view line) const {
    // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
    // chunk-ext-name = token; chunk-ext-val = token / quoted-string          (RFC 9112 7.1.1)
    const auto fail = [&] {
        throw ProtocolError("invalid chunk extension in chunk size line " + quote(line),
                            kBadRequest);
    };
    while (!ext.empty()) {
        if (ext.front() != ';') fail();
        ext = skip_bws_after(ext.substr(1), strictness_);
        const std::size_t name = token_length(ext);
        if (name == 0) fail();
        ext = skip_bws_before(ext.substr(name), '=', strictness_);
        if (!ext.empty() && ext.front() == '=') {
            ext = skip_bws_after(ext.substr(1), strictness_);
            const std::size_t value =
                !ext.empty() && ext.front() == '"' ? quoted_string_length(ext) : token_length(ext);
            if (value == 0) fail();
            ext = ext.substr(value);
        }
        ext = skip_bws_before(ext, ';', strictness_);
    }
}

}  // namespace looplab::http
