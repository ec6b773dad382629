// http/proto/response_parser.cpp: the client-side event loop of http/proto/response_parser.hpp;
// heads are read by detail::HeadReader, bodies by detail::BodyReader.
#include "http/proto/response_parser.hpp"

#include <stdexcept>
#include <utility>

#include "http/proto/detail/body_framing.hpp"
#include "http/proto/detail/start_line.hpp"

namespace looplab::http {

using Kind = detail::BodyFraming::Kind;

ResponseParser::ResponseParser(std::string_view request_method, ParserLimits limits)
    : limits_(limits),
      request_method_(request_method),
      head_(MessageKind::kResponse, detail::HeadReader::Section::kHead, limits),
      body_(MessageKind::kResponse, limits) {}

void ResponseParser::feed(std::string_view data) {
    if (eof_) throw std::logic_error("ResponseParser::feed() after feed_eof()");
    buffer_.append(data);
}

std::span<char> ResponseParser::prepare(std::size_t size) {
    if (eof_) throw std::logic_error("ResponseParser::prepare() after feed_eof()");
    return buffer_.prepare(size);
}

void ResponseParser::commit(std::size_t n) {
    buffer_.commit(n);
}

void ResponseParser::feed_eof() {
    eof_ = true;
}

ResponseEvent ResponseParser::next_event() {
    if (state_ == State::kError) throw *error_;
    try {
        return step();
    } catch (const ProtocolError& error) {
        state_ = State::kError;
        keep_alive_ = false;
        error_ = error;
        throw;
    }
}

void ResponseParser::start_next_message(std::string_view request_method) {
    if (state_ != State::kDone)
        throw std::logic_error("ResponseParser::start_next_message() before EndOfMessage");
    if (!keep_alive_)
        throw std::logic_error(
            "ResponseParser::start_next_message(): the connection cannot carry another "
            "response (keep_alive() is false)");
    request_method_.assign(request_method);
    keep_alive_ = false;
    state_ = State::kHead;
}

ResponseEvent ResponseParser::step() {
    switch (state_) {
        case State::kHead:
            return read_head();
        case State::kBody:
            return read_body();
        case State::kDone:
        case State::kSwitched:
            return Paused{};
        case State::kClosed:
            return ConnectionClosed{};
        case State::kError:
            break;  // handled by next_event()
    }
    throw *error_;
}

ResponseEvent ResponseParser::read_head() {
    buffer_.consume(head_.read(buffer_.view()));
    if (!head_.done()) {
        if (!eof_) return NeedData{};
        if (informational_seen_)
            throw ProtocolError(
                "connection closed after an informational (1xx) response, before the final one");
        if (buffer_.empty() && !head_.started()) {
            state_ = State::kClosed;
            return ConnectionClosed{};
        }
        throw ProtocolError("connection closed in the middle of the response head");
    }
    ResponseHead head = detail::parse_status_line(head_.start_line());
    head.headers = head_.take_fields();
    head_.reset();

    // 100 Continue, 103 Early Hints...: report it and read on to the final response, which
    // answers the same request (RFC 9110 15.2).
    if (head.status < 200 && head.status != 101) {
        informational_seen_ = true;
        return InformationalResponse{std::move(head)};
    }
    informational_seen_ = false;

    const detail::BodyFraming framing =
        detail::response_body_framing(head, request_method_, limits_);
    body_.start(framing);
    switching_ = framing.kind == Kind::kSwitched;
    keep_alive_ = head.keep_alive() && framing.kind != Kind::kUntilClose && !switching_;
    state_ = State::kBody;
    return head;
}

ResponseEvent ResponseParser::read_body() {
    const ChunkedDecoder::Step step = body_.read(buffer_.view(), eof_);
    // consume() only moves the read offset, so step.data stays valid (see ReceiveBuffer).
    buffer_.consume(step.consumed);
    if (!step.data.empty()) return Data{step.data};
    if (!step.done) return NeedData{};
    state_ = switching_ ? State::kSwitched : State::kDone;
    return EndOfMessage{body_.take_trailers()};
}

}  // namespace looplab::http
