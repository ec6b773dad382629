// http/proto/head_reader.cpp: the line-at-a-time head reader of http/proto/detail/head_reader.hpp.
//
// Everything RFC 9112 section 2 and 5 asks a recipient to reject is rejected here, once per
// line, as the line completes: NUL and bare CR anywhere, a bare LF when strict, whitespace
// before the first field, field names that are not tokens, whitespace between a name and its
// colon, control bytes in a value, and obs-fold in a request.
#include "http/proto/detail/head_reader.hpp"

#include <string>

#include "http/proto/detail/grammar.hpp"
#include "http/proto/protocol_error.hpp"

namespace looplab::http::detail {

namespace {
constexpr int kBadRequest = 400;
constexpr int kUriTooLong = 414;
constexpr int kHeaderFieldsTooLarge = 431;
}  // namespace

std::size_t HeadReader::read(std::string_view input) {
    std::size_t pos = 0;
    while (!done_) {
        const std::string_view rest = input.substr(pos);
        // Search only the bytes not searched by an earlier call.
        const std::size_t length = rest.find('\n', scanned_);
        if (length == std::string_view::npos) {
            scanned_ = rest.size();
            check_line_so_far(rest.size());
            break;
        }
        check_line_so_far(length);
        std::string_view line = rest.substr(0, length);
        // CRLF ends a line. A CR anywhere else is "bare" and rejected in on_line().
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        } else if (strictness_ == Strictness::strict) {
            // RFC 9112 2.2: a recipient MAY take a lone LF for a line end. A client may (it is
            // the last reader of a response, nothing after it can read the bytes another way);
            // a server may not: "Dummy: x\nContent-Length: 23" is one field to a proxy that
            // splits on CRLF and two to a server that splits on LF, and the 23 bytes become a
            // request smuggled past the proxy.
            fail_bare_lf();
        }
        scanned_ = 0;
        head_bytes_ += length + 1;
        if (head_bytes_ > limits_.max_head_size) fail_head_too_large();
        if (line.size() > limits_.max_line_size) fail_line_too_long();
        pos += length + 1;
        on_line(line);
    }
    return pos;
}

void HeadReader::reset() noexcept {
    scanned_ = 0;
    head_bytes_ = 0;
    done_ = false;
    has_start_line_ = false;
    start_line_.clear();
    fields_.clear();
    has_pending_ = false;
}

void HeadReader::on_line(std::string_view line) {
    // NUL and bare CR are rejected before anything else looks at the line: both are classic
    // request-smuggling tools, because implementations disagree on where they end a line or a
    // value (RFC 9112 2.2).
    if (line.find('\0') != std::string_view::npos)
        throw ProtocolError("NUL byte in " + what(), kBadRequest);
    if (line.find('\r') != std::string_view::npos)
        throw ProtocolError("bare CR (not followed by LF) in " + what(), kBadRequest);

    if (section_ == Section::head && !has_start_line_) {
        // Empty lines before the start line are skipped (RFC 9112 2.2 asks servers to; some
        // servers also send a stray CRLF after a body). They still count toward the head limit.
        if (line.empty()) return;
        start_line_.assign(line);
        has_start_line_ = true;
        return;
    }
    if (line.empty()) {
        commit_pending();
        done_ = true;
        return;
    }
    if (is_ows(line.front())) {
        on_obs_fold(line);
        return;
    }
    on_field_line(line);
}

void HeadReader::on_field_line(std::string_view line) {
    commit_pending();
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
        throw ProtocolError("header line without a colon in " + what() + ": " + quote(line),
                            kBadRequest);
    const std::string_view name = line.substr(0, colon);
    if (name.empty())
        throw ProtocolError("empty header field name in " + what() + ": " + quote(line),
                            kBadRequest);
    // RFC 9112 5.1: "No whitespace is allowed between the field name and colon ... a server
    // MUST reject". Accepting "Content-Length :" would let two parsers disagree on framing.
    if (is_ows(name.back()))
        throw ProtocolError(
            "whitespace between header field name " + quote(trim_ows(name)) + " and the colon",
            kBadRequest);
    if (!is_token(name))
        throw ProtocolError("invalid header field name " + quote(name) +
                                " (field names are tokens: letters, digits and !#$%&'*+-.^_`|~)",
                            kBadRequest);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    for (char c : value)
        if (!is_field_value_char(c))
            throw ProtocolError(
                "invalid byte " + byte_name(c) + " in value of header " + quote(name), kBadRequest);
    if (fields_.size() + 1 > limits_.max_header_count)
        throw ProtocolError("too many header fields in " + what() + " (limit " +
                                std::to_string(limits_.max_header_count) + ")",
                            kHeaderFieldsTooLarge);
    has_pending_ = true;
    pending_name_.assign(name);
    pending_value_.assign(value);
}

void HeadReader::on_obs_fold(std::string_view line) {
    if (!has_pending_) {
        // RFC 9112 2.2: whitespace between the start line and the first field is an attack on
        // parsers that would attach the line to the start line; reject it.
        throw ProtocolError("line starting with whitespace before the first header field in " +
                                what() + ": " + quote(line),
                            kBadRequest);
    }
    if (kind_ == MessageKind::request) {
        throw ProtocolError("obs-fold (a header line starting with whitespace, continuing " +
                                quote(pending_name_) +
                                ") is not allowed in a request (RFC 9112 5.2)",
                            kBadRequest);
    }
    // RFC 9112 5.2: a user agent replaces each obs-fold with SP before interpreting the value.
    const std::string_view more = trim_ows(line);
    for (char c : more)
        if (!is_field_value_char(c))
            throw ProtocolError(
                "invalid byte " + byte_name(c) + " in value of header " + quote(pending_name_),
                kBadRequest);
    if (more.empty()) return;
    if (!pending_value_.empty()) pending_value_ += ' ';
    pending_value_ += more;
}

void HeadReader::commit_pending() {
    if (!has_pending_) return;
    fields_.add(pending_name_, pending_value_);
    has_pending_ = false;
}

void HeadReader::check_line_so_far(std::size_t line_bytes) const {
    // head_bytes_ <= max_head_size always holds here (a complete line past it has thrown), so
    // the subtraction cannot wrap.
    const std::size_t head_room = limits_.max_head_size - head_bytes_;
    const bool head_over = line_bytes > head_room;
    // -1: the line may end in the CR of its CRLF, which is not part of the line.
    // (Subtracting rather than adding keeps max_line_size = SIZE_MAX meaning "no limit".)
    const bool line_over = line_bytes > 0 && line_bytes - 1 > limits_.max_line_size;
    if (!head_over && !line_over) return;
    if (head_over && line_over) {
        // Both limits are passed: report the one a reader fed a byte at a time would have met
        // first. The head limit is passed at byte head_room + 1 of the line, the line limit at
        // byte max_line_size + 2; on a tie the head limit is reported.
        if (head_room == 0 || head_room - 1 <= limits_.max_line_size) fail_head_too_large();
        fail_line_too_long();
    }
    if (head_over) fail_head_too_large();
    fail_line_too_long();
}

void HeadReader::fail_line_too_long() const {
    // The message does not say how long the line was: fed in pieces, the reader notices an
    // overlong line before it ends, and the same bytes must give the same error however they
    // were split.
    const std::string limit = std::to_string(limits_.max_line_size);
    if (section_ == Section::head && !has_start_line_) {
        const bool request = kind_ == MessageKind::request;
        throw ProtocolError(std::string(request ? "request line" : "status line") +
                                " too long (limit " + limit + " bytes)",
                            request ? kUriTooLong : kBadRequest);
    }
    throw ProtocolError("header line too long in " + what() + " (limit " + limit + " bytes)",
                        kHeaderFieldsTooLarge);
}

void HeadReader::fail_bare_lf() const {
    throw ProtocolError("bare LF (a line ending without CR) in " + what() + ": lines end in CRLF",
                        kBadRequest);
}

void HeadReader::fail_head_too_large() const {
    throw ProtocolError(
        what() + " too large (limit " + std::to_string(limits_.max_head_size) + " bytes)",
        kHeaderFieldsTooLarge);
}

std::string HeadReader::what() const {
    if (section_ == Section::trailers) return "trailer section";
    return kind_ == MessageKind::request ? "request head" : "response head";
}

}  // namespace looplab::http::detail
