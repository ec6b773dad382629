// http/proto/request_parser.cpp: the server-side state machine of http/proto/request_parser.hpp;
// the bytes, heads and bodies underneath are detail::ParserShell's.
#include "http/proto/request_parser.hpp"

#include <stdexcept>
#include <utility>

#include "http/proto/detail/body_framing.hpp"
#include "http/proto/detail/grammar.hpp"
#include "http/proto/detail/start_line.hpp"

namespace looplab::http {

namespace {
constexpr int kBadRequest = 400;

// Host = uri-host [ ":" port ] (RFC 9110 7.2): reg-name bytes (unreserved, pct-encoded,
// sub-delims) or an IP literal in brackets, then digits. An empty value is allowed (a target
// without an authority).
bool is_host_value_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return false;
    return std::string_view("\"<>\\^`{|}/?#@").find(c) == std::string_view::npos;
}

// RFC 9112 3.2: "A server MUST respond with a 400 to any HTTP/1.1 request message that lacks a
// Host header field and to any request message that contains more than one Host header field
// line or a Host header field with an invalid field value."
void check_host(const RequestHead& head) {
    const std::size_t hosts = head.headers.count("Host");
    if (hosts > 1) throw ProtocolError("more than one Host header in the request", kBadRequest);
    if (hosts == 0) {
        if (head.version != HttpVersion{1, 0})
            throw ProtocolError("missing Host header (required in HTTP/1.1 requests)", kBadRequest);
        return;
    }
    const std::string_view host = *head.headers.get("Host");
    for (char c : host)
        if (!is_host_value_char(c))
            throw ProtocolError(
                "invalid Host header " + detail::quote(host) + " (expected host[:port])",
                kBadRequest);
}
}  // namespace

RequestParser::RequestParser(ParserLimits limits, Strictness strictness)
    : limits_(limits), strictness_(strictness), shell_(MessageKind::request, limits, strictness) {}

RequestEvent RequestParser::next_event() {
    return shell_.next_event([this] { return step(); });
}

void RequestParser::start_next_message() {
    if (state_ != State::done)
        throw std::logic_error("RequestParser::start_next_message() before EndOfMessage");
    if (!keep_alive_)
        throw std::logic_error(
            "RequestParser::start_next_message(): the client asked to close the connection "
            "(keep_alive() is false)");
    keep_alive_ = false;
    state_ = State::head;
}

RequestEvent RequestParser::step() {
    switch (state_) {
        case State::head:
            return read_head();
        case State::body:
            return read_body();
        case State::done:
            return Paused{};
        case State::closed:
            return ConnectionClosed{};
    }
    return Paused{};  // unreachable: every State is handled above
}

RequestEvent RequestParser::read_head() {
    switch (shell_.read_head()) {
        case detail::ParserShell::HeadProgress::need_data:
            return NeedData{};
        case detail::ParserShell::HeadProgress::peer_closed:
            state_ = State::closed;
            return ConnectionClosed{};
        case detail::ParserShell::HeadProgress::complete:
            break;
    }
    RequestHead head = shell_.take_head(&detail::parse_request_line);
    check_host(head);
    shell_.start_body(detail::request_body_framing(head, limits_, strictness_));
    keep_alive_ = head.keep_alive();
    state_ = State::body;
    return head;
}

RequestEvent RequestParser::read_body() {
    RequestEvent event = shell_.read_body<RequestEvent>();
    if (std::holds_alternative<EndOfMessage>(event)) state_ = State::done;
    return event;
}

}  // namespace looplab::http
