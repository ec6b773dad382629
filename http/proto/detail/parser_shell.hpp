// http/proto/detail/parser_shell.hpp: what RequestParser and ResponseParser have in common: the
// receive buffer, the peer's end of stream, the sticky error, and reading one head and one body
// out of the buffer.
//
// h11:     the half of h11.Connection that does not depend on the role: _receive_buffer,
//          receive_data(b"") for EOF, next_event()'s "once an error, always that error", and
//          the readers it hands the bytes to
// aiohttp: HttpParser, the base class of HttpRequestParser and HttpResponseParser
//
// The two parsers differ in what a head means (a request line and a Host to check; or a status
// line, informational responses before the final one and a body framed by the request's
// method) and in their states after it. That stays in each parser, as a short switch over its
// own states. Everything beneath, the bytes and the errors, is the same for both and is here
// once. The parsers hold a shell rather than derive from one: their public API stays theirs
// (each forwards the buffer calls in one line), and a reader of either parser finds its whole
// state machine in its own file.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

#include "http/proto/detail/body_framing.hpp"
#include "http/proto/detail/body_reader.hpp"
#include "http/proto/detail/head_reader.hpp"
#include "http/proto/detail/receive_buffer.hpp"
#include "http/proto/events.hpp"
#include "http/proto/limits.hpp"
#include "http/proto/message.hpp"
#include "http/proto/protocol_error.hpp"
#include "http/proto/strictness.hpp"

namespace looplab::http::detail {

class ParserShell {
public:
    ParserShell(MessageKind kind, const ParserLimits& limits, Strictness strictness);

    // ---- Bytes in: the parsers' feed / prepare / commit / feed_eof / unconsumed ----------------
    // feed() and prepare() throw std::logic_error after feed_eof(), naming the parser.
    void feed(std::string_view data);
    std::span<char> prepare(std::size_t size);
    void commit(std::size_t n) { buffer_.commit(n); }
    void feed_eof() noexcept { eof_ = true; }
    std::string_view unconsumed() const noexcept { return buffer_.view(); }

    // ---- The sticky error ------------------------------------------------------------------
    // Returns step(), the parser's next event, unless a ProtocolError was thrown before: then
    // that error is thrown again and step is not called, since the stream has no trustworthy
    // message boundary left. A ProtocolError from step is kept for that, and rethrown.
    template <class Step>
    auto next_event(Step&& step) -> decltype(step()) {
        if (error_) throw *error_;
        try {
            return step();
        } catch (const ProtocolError& error) {
            error_ = error;
            throw;
        }
    }
    bool failed() const noexcept { return error_.has_value(); }

    // ---- One head --------------------------------------------------------------------------
    enum class HeadProgress {
        need_data,    // not complete, and the peer may still send the rest
        complete,     // read: take_head() it
        peer_closed,  // end of stream, and nothing of a head had arrived: a clean close
    };
    // Consumes complete head lines from the buffer. Throws ProtocolError for a malformed head,
    // and for an end of stream in the middle of one.
    HeadProgress read_head();

    // The head read_head() completed: its start line parsed by `parse_start_line`
    // (parse_request_line or parse_status_line), with its fields. The head reader is then
    // ready for the next head.
    template <class Head>
    Head take_head(Head (*parse_start_line)(std::string_view)) {
        Head head = parse_start_line(head_.start_line());
        head.headers = head_.take_fields();
        head_.reset();
        return head;
    }

    // ---- One body --------------------------------------------------------------------------
    void start_body(BodyFraming framing) noexcept {
        framing_ = framing;
        body_.start(framing);
    }
    // How the current body is framed, from start_body().
    const BodyFraming& body_framing() const noexcept { return framing_; }

    // The next piece of the body, as an alternative of the parser's own event variant: Data
    // (a view into the buffer, valid until the next call), NeedData, or EndOfMessage with the
    // trailers once the body is complete. Throws ProtocolError (see BodyReader::read).
    template <class Event>
    Event read_body() {
        const BodyReader::Step step = body_.read(buffer_.view(), eof_);
        buffer_.consume(step.consumed);  // step.data stays valid: consume() moves no bytes
        if (!step.data.empty()) return Data{step.data};
        if (!step.done) return NeedData{};
        return EndOfMessage{body_.take_trailers()};
    }

private:
    const char* parser_name() const noexcept;

    MessageKind kind_;
    ReceiveBuffer buffer_;
    bool eof_ = false;
    HeadReader head_;
    BodyReader body_;
    BodyFraming framing_;
    std::optional<ProtocolError> error_;
};

}  // namespace looplab::http::detail
