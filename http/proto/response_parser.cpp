// http/proto/response_parser.cpp: the client-side state machine of
// http/proto/response_parser.hpp; the bytes, heads and bodies underneath are detail::ParserShell's.
#include "http/proto/response_parser.hpp"

#include <stdexcept>
#include <utility>

#include "http/proto/detail/body_framing.hpp"
#include "http/proto/detail/start_line.hpp"

namespace looplab::http {

using Kind = detail::BodyFraming::Kind;

ResponseParser::ResponseParser(std::string_view request_method, ParserLimits limits,
                               Strictness strictness)
    : limits_(limits),
      strictness_(strictness),
      request_method_(request_method),
      shell_(MessageKind::response, limits, strictness) {}

ResponseEvent ResponseParser::next_event() {
    return shell_.next_event([this] { return step(); });
}

void ResponseParser::start_next_message(std::string_view request_method) {
    if (state_ != State::done)
        throw std::logic_error("ResponseParser::start_next_message() before EndOfMessage");
    if (!keep_alive_)
        throw std::logic_error(
            "ResponseParser::start_next_message(): the connection cannot carry another "
            "response (keep_alive() is false)");
    request_method_.assign(request_method);
    keep_alive_ = false;
    state_ = State::head;
}

ResponseEvent ResponseParser::step() {
    switch (state_) {
        case State::head:
            return read_head();
        case State::body:
            return read_body();
        case State::done:
        case State::switched:
            return Paused{};
        case State::closed:
            return ConnectionClosed{};
    }
    return Paused{};  // unreachable: every State is handled above
}

ResponseEvent ResponseParser::read_head() {
    switch (shell_.read_head()) {
        case detail::ParserShell::HeadProgress::need_data:
            return NeedData{};
        case detail::ParserShell::HeadProgress::peer_closed:
            if (informational_seen_)
                throw ProtocolError(
                    "connection closed after an informational (1xx) response, before the final "
                    "one");
            state_ = State::closed;
            return ConnectionClosed{};
        case detail::ParserShell::HeadProgress::complete:
            break;
    }
    ResponseHead head = shell_.take_head(&detail::parse_status_line);

    // 100 Continue, 103 Early Hints...: report it and read on to the final response, which
    // answers the same request (RFC 9110 15.2).
    if (head.status < 200 && head.status != 101) {
        informational_seen_ = true;
        return InformationalResponse{std::move(head)};
    }
    informational_seen_ = false;

    const detail::BodyFraming framing =
        detail::response_body_framing(head, request_method_, limits_, strictness_);
    shell_.start_body(framing);
    switching_ = framing.kind == Kind::switched;
    keep_alive_ = head.keep_alive() && framing.kind != Kind::until_close && !switching_;
    state_ = State::body;
    return head;
}

ResponseEvent ResponseParser::read_body() {
    ResponseEvent event = shell_.read_body<ResponseEvent>();
    if (std::holds_alternative<EndOfMessage>(event))
        state_ = switching_ ? State::switched : State::done;
    return event;
}

}  // namespace looplab::http
