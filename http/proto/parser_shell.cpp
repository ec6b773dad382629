// http/proto/parser_shell.cpp: the buffer and head handling both parsers share
// (http/proto/detail/parser_shell.hpp).
#include "http/proto/detail/parser_shell.hpp"

#include <stdexcept>
#include <string>

namespace looplab::http::detail {

ParserShell::ParserShell(MessageKind kind, const ParserLimits& limits, Strictness strictness)
    : kind_(kind),
      head_(kind, HeadReader::Section::head, limits, strictness),
      body_(kind, limits, strictness) {}

void ParserShell::feed(std::string_view data) {
    if (eof_) throw std::logic_error(std::string(parser_name()) + "::feed() after feed_eof()");
    buffer_.append(data);
}

std::span<char> ParserShell::prepare(std::size_t size) {
    if (eof_) throw std::logic_error(std::string(parser_name()) + "::prepare() after feed_eof()");
    return buffer_.prepare(size);
}

ParserShell::HeadProgress ParserShell::read_head() {
    buffer_.consume(head_.read(buffer_.view()));
    if (head_.done()) return HeadProgress::complete;
    if (!eof_) return HeadProgress::need_data;
    // Only the leading empty lines a head may start with were read, and nothing is left over:
    // the peer closed between two messages, which is how a connection normally ends.
    if (buffer_.empty() && !head_.started()) return HeadProgress::peer_closed;
    throw ProtocolError(std::string("connection closed in the middle of the ") +
                        (kind_ == MessageKind::request ? "request" : "response") + " head");
}

const char* ParserShell::parser_name() const noexcept {
    return kind_ == MessageKind::request ? "RequestParser" : "ResponseParser";
}

}  // namespace looplab::http::detail
