// http/proto/request_parser.cpp: the server-side event loop of http/proto/request_parser.hpp; heads
// are read by detail::HeadReader, bodies by detail::BodyReader.
#include "http/proto/request_parser.hpp"

#include <stdexcept>
#include <utility>

#include "http/proto/detail/body_framing.hpp"
#include "http/proto/detail/start_line.hpp"

namespace looplab::http {

namespace {
constexpr int kBadRequest = 400;

// RFC 9112 3.2: "A server MUST respond with a 400 to any HTTP/1.1 request message that lacks a
// Host header field and to any request message that contains more than one Host header field".
void check_host(const RequestHead& head) {
    const std::size_t hosts = head.headers.count("Host");
    if (hosts > 1) throw ProtocolError("more than one Host header in the request", kBadRequest);
    if (hosts == 0 && head.version != HttpVersion{1, 0})
        throw ProtocolError("missing Host header (required in HTTP/1.1 requests)", kBadRequest);
}
}  // namespace

RequestParser::RequestParser(ParserLimits limits)
    : limits_(limits),
      head_(MessageKind::kRequest, detail::HeadReader::Section::kHead, limits),
      body_(MessageKind::kRequest, limits) {}

void RequestParser::feed(std::string_view data) {
    if (eof_) throw std::logic_error("RequestParser::feed() after feed_eof()");
    buffer_.append(data);
}

std::span<char> RequestParser::prepare(std::size_t size) {
    if (eof_) throw std::logic_error("RequestParser::prepare() after feed_eof()");
    return buffer_.prepare(size);
}

void RequestParser::commit(std::size_t n) {
    buffer_.commit(n);
}

void RequestParser::feed_eof() {
    eof_ = true;
}

RequestEvent RequestParser::next_event() {
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

void RequestParser::start_next_message() {
    if (state_ != State::kDone)
        throw std::logic_error("RequestParser::start_next_message() before EndOfMessage");
    if (!keep_alive_)
        throw std::logic_error(
            "RequestParser::start_next_message(): the client asked to close the connection "
            "(keep_alive() is false)");
    keep_alive_ = false;
    state_ = State::kHead;
}

RequestEvent RequestParser::step() {
    switch (state_) {
        case State::kHead:
            return read_head();
        case State::kBody:
            return read_body();
        case State::kDone:
            return Paused{};
        case State::kClosed:
            return ConnectionClosed{};
        case State::kError:
            break;  // handled by next_event()
    }
    throw *error_;
}

RequestEvent RequestParser::read_head() {
    buffer_.consume(head_.read(buffer_.view()));
    if (!head_.done()) {
        if (!eof_) return NeedData{};
        if (buffer_.empty() && !head_.started()) {
            state_ = State::kClosed;
            return ConnectionClosed{};
        }
        throw ProtocolError("connection closed in the middle of the request head");
    }
    RequestHead head = detail::parse_request_line(head_.start_line());
    head.headers = head_.take_fields();
    head_.reset();
    check_host(head);
    body_.start(detail::request_body_framing(head, limits_));
    keep_alive_ = head.keep_alive();
    state_ = State::kBody;
    return head;
}

RequestEvent RequestParser::read_body() {
    const ChunkedDecoder::Step step = body_.read(buffer_.view(), eof_);
    buffer_.consume(step.consumed);  // step.data stays valid: consume() moves no bytes
    if (!step.data.empty()) return Data{step.data};
    if (!step.done) return NeedData{};
    state_ = State::kDone;
    return EndOfMessage{body_.take_trailers()};
}

}  // namespace looplab::http
