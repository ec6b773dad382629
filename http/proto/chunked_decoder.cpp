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
}  // namespace

ChunkedDecoder::ChunkedDecoder(MessageKind kind, ParserLimits limits)
    : kind_(kind),
      limits_(limits),
      trailers_(kind, detail::HeadReader::Section::kTrailers, limits) {}

void ChunkedDecoder::reset() noexcept {
    state_ = State::kSizeLine;
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
            case State::kSizeLine:
                if (!read_size_line(rest, step)) return step;
                state_ = remaining_ == 0 ? State::kTrailers : State::kData;
                break;
            case State::kData: {
                if (rest.empty()) return step;
                const auto n =
                    static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, rest.size()));
                step.data = rest.substr(0, n);
                step.consumed += n;
                remaining_ -= n;
                body_size_ += n;
                if (remaining_ == 0) state_ = State::kDataEnd;
                return step;
            }
            case State::kDataEnd: {
                // The chunk's data must be followed by CRLF (or a lone LF, as lines may be).
                if (rest.empty()) return step;
                std::size_t ending = 0;
                if (rest[0] == '\n') {
                    ending = 1;
                } else if (rest[0] == '\r') {
                    if (rest.size() < 2) return step;
                    if (rest[1] == '\n') ending = 2;
                }
                if (ending == 0)
                    throw ProtocolError(
                        "chunk data not followed by CRLF (the chunk is longer than its size "
                        "line says)",
                        kBadRequest);
                step.consumed += ending;
                state_ = State::kSizeLine;
                break;
            }
            case State::kTrailers:
                step.consumed += trailers_.read(rest);
                if (!trailers_.done()) return step;
                state_ = State::kDone;
                step.done = true;
                return step;
            case State::kDone:
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
            throw ProtocolError("chunk size line too long (limit " +
                                    std::to_string(limits_.max_line_size) + " bytes)",
                                kBadRequest);
        return false;
    }
    std::string_view line = rest.substr(0, length);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > limits_.max_line_size)
        throw ProtocolError(
            "chunk size line too long (limit " + std::to_string(limits_.max_line_size) + " bytes)",
            kBadRequest);
    scanned_ = 0;
    step.consumed += length + 1;
    parse_size_line(line);
    return true;
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
    const std::string_view after = skip_ows(line.substr(i));
    if (!after.empty() && after.front() != ';') {
        const char bad = after.front();
        throw ProtocolError("invalid chunk size line " + quote(line) + " (unexpected " +
                                (bad == '\r' ? std::string("bare CR") : quote(after.substr(0, 1))) +
                                " after the hex digits)",
                            kBadRequest);
    }
    check_extensions(after, line);
    // Refuse a chunk that would take the body over the limit now, from its declared size,
    // rather than after part of it was handed out: the outcome then does not depend on how the
    // bytes were split.
    if (size > limits_.max_body_size - body_size_)
        throw ProtocolError(std::string(kind_ == MessageKind::kRequest ? "request" : "response") +
                                " body too large (over " + std::to_string(limits_.max_body_size) +
                                " bytes)",
                            kContentTooLarge);
    remaining_ = size;
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
        ext = skip_ows(ext.substr(1));
        const std::size_t name = token_length(ext);
        if (name == 0) fail();
        ext = skip_ows(ext.substr(name));
        if (!ext.empty() && ext.front() == '=') {
            ext = skip_ows(ext.substr(1));
            const std::size_t value =
                !ext.empty() && ext.front() == '"' ? quoted_string_length(ext) : token_length(ext);
            if (value == 0) fail();
            ext = skip_ows(ext.substr(value));
        }
    }
}

}  // namespace looplab::http
