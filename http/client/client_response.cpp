// http/client/client_response.cpp: reading a response body off its connection
// (client_response.hpp).
#include "http/client/client_response.hpp"

#include <charconv>
#include <variant>

#include "http/client/client_errors.hpp"
#include "http/proto/protocol_error.hpp"
#include "runtime/errors.hpp"

namespace looplab::http {

void ClientResponse::raise_for_status() const {
    if (status >= 400) throw ClientResponseError(status, reason, url);
}

void ClientResponse::attach(detail::ConnectionLease lease, bool reusable,
                            std::optional<detail::Deadline> total,
                            std::optional<Duration> sock_read, codings::DecoderChain decoder) {
    lease_ = std::move(lease);
    decoder_ = std::move(decoder);
    reusable_ = reusable;
    total_ = total;
    sock_read_ = sock_read;
    // An empty body is complete already: take its EndOfMessage now, so the connection is
    // back in the pool before the caller even looks (HEAD, 204, 304, Content-Length: 0).
    const std::optional<std::string_view> length = headers.get("Content-Length");
    if (method == "HEAD" || status == 204 || status == 304 || (length && *length == "0")) {
        const Step step = poll();
        if (step.kind != Step::end) throw std::logic_error("ClientResponse: empty body expected");
    }
}

void ClientResponse::adopt_trace(detail::RequestTrace trace) {
    trace_ = std::move(trace);
    if (complete_) trace_.finish(status);
    if (failure_) trace_.fail(failure_);
}

// ---- The parser, one event at a time ----------------------------------------------------------

ClientResponse::Step ClientResponse::poll() {
    for (;;) {
        Step step = poll_parser();
        if (decoder_.is_identity()) return step;
        try {
            if (step.kind == Step::end) {
                decoder_.finish();
                return step;
            }
            if (step.kind != Step::data) return step;
            decoded_.clear();
            decoder_.decode(step.bytes, decoded_);
        } catch (const codings::DecodingError& e) {
            throw ClientPayloadError(
                "response body from " + url + " cannot be decoded: " + e.what(),
                std::current_exception());
        }
        // A piece of compressed data may decode to nothing yet (a gzip header, say).
        if (!decoded_.empty()) return {Step::data, decoded_};
    }
}

ClientResponse::Step ClientResponse::poll_parser() {
    detail::ClientConnection& conn = lease_.connection();
    ResponseEvent event;
    try {
        event = conn.parser().next_event();
    } catch (const ProtocolError& e) {
        throw ClientPayloadError(
            "response body from " + url + " is incomplete or malformed: " + e.what(),
            std::current_exception());
    }
    if (auto* data = std::get_if<Data>(&event)) return {Step::data, data->bytes};
    if (std::holds_alternative<EndOfMessage>(event)) {
        finish_body();
        return {Step::end, {}};
    }
    if (!std::holds_alternative<NeedData>(event)) {
        throw std::logic_error("ClientResponse: unexpected parser event in the body");
    }
    // NeedData. End of stream would have made the parser finish or throw, so if the
    // connection is gone it was lost without one: reset, or closed by us (session.close()).
    if (conn.is_lost()) {
        if (conn.error()) {
            throw ClientPayloadError("connection to " + conn.peer() + " broke during the body of " +
                                         url + ": " + describe(conn.error()),
                                     conn.error());
        }
        throw ClientPayloadError("connection to " + conn.peer() +
                                 " was closed before the body of " + url + " was complete");
    }
    return {Step::need_data, {}};
}

// How long the next wait for bytes may last: sock_read from now, or the total deadline, if
// earlier (a tie is reported as sock_read, the more specific one).
// Waits until more of the body has arrived, or throws the sock_read / total timeout. The
// awaited result is named before it is tested: a co_await inside an `if` condition is the
// pattern GCC 12 is known to miscompile (CONTRIBUTING.md, "Compiler bugs").
Coro<void> ClientResponse::wait_for_body_data() {
    const std::optional<detail::Deadline> d = read_deadline();
    const bool arrived = co_await lease_.connection().wait_for_data(
        d ? std::optional<TimePoint>(d->when) : std::nullopt);
    if (!arrived) throw_read_timeout(*d);
}

std::optional<detail::Deadline> ClientResponse::read_deadline() const {
    const TimePoint now = lease_.connection().loop().time();
    return detail::earliest(
        detail::Deadline::after(now, sock_read_, ClientTimeoutError::Phase::sock_read), total_);
}

void ClientResponse::throw_read_timeout(const detail::Deadline& d) const {
    throw d.error("reading the body of " + url);
}

void ClientResponse::check_readable() const {
    if (failure_) std::rethrow_exception(failure_);
    if (released_) throw InvalidStateError("ClientResponse: the response was released");
    if (consumed_) throw InvalidStateError("ClientResponse: the body was already read");
}

void ClientResponse::finish_body() {
    complete_ = true;
    trace_.finish(status);
    detail::ClientConnection& conn = lease_.connection();
    const bool reusable =
        reusable_ && conn.parser().keep_alive() && conn.parser().unconsumed().empty();
    lease_.release(reusable);
}

void ClientResponse::fail(std::exception_ptr error) noexcept {
    lease_.discard();
    failure_ = std::move(error);
    try {
        trace_.fail(failure_);
    } catch (...) {
        // Tracing must not turn a failure into a crash; the event is lost.
    }
}

// ---- Reading --------------------------------------------------------------------------------

Coro<std::string> ClientResponse::read() {
    check_readable();
    std::string body;
    if (leftover_at_ == 0) {
        body = std::move(leftover_);
    } else {
        body.assign(leftover_, leftover_at_);
    }
    leftover_.clear();
    leftover_at_ = 0;
    if (!complete_) {
        // Content-Length known: one allocation for the whole body.
        if (std::optional<std::string_view> length = headers.get("Content-Length")) {
            std::size_t n = 0;
            auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), n);
            if (ec == std::errc() && n <= 64 * 1024 * 1024) body.reserve(body.size() + n);
        }
        try {
            while (!complete_) {
                const Step step = poll();
                if (step.kind == Step::data) {
                    body.append(step.bytes);
                } else if (step.kind == Step::need_data) {
                    co_await wait_for_body_data();
                }
            }
        } catch (const CancelledError&) {
            fail(std::make_exception_ptr(ClientPayloadError(
                "reading the body of " + url + " was cancelled; the connection was closed")));
            throw;
        } catch (...) {
            fail(std::current_exception());
            throw;
        }
    }
    consumed_ = true;
    co_return body;
}

Coro<std::optional<std::string>> ClientResponse::read_chunk(std::size_t max) {
    if (failure_) std::rethrow_exception(failure_);
    if (released_) throw InvalidStateError("ClientResponse: the response was released");
    if (max == 0) throw std::invalid_argument("ClientResponse::read_chunk: max must be >= 1");
    if (leftover_at_ < leftover_.size()) {
        // An offset rather than erase(): each read_chunk would otherwise move the whole rest.
        std::string chunk = leftover_.substr(leftover_at_, max);
        leftover_at_ += chunk.size();
        if (leftover_at_ == leftover_.size()) {
            leftover_.clear();
            leftover_at_ = 0;
        }
        co_return chunk;
    }
    try {
        while (!complete_) {
            const Step step = poll();
            if (step.kind == Step::data) {
                if (step.bytes.size() <= max) co_return std::string(step.bytes);
                // Keep the rest: the view dies with the next call on the parser.
                leftover_.assign(step.bytes.substr(max));
                leftover_at_ = 0;
                co_return std::string(step.bytes.substr(0, max));
            }
            if (step.kind == Step::need_data) co_await wait_for_body_data();
        }
    } catch (const CancelledError&) {
        fail(std::make_exception_ptr(ClientPayloadError(
            "reading the body of " + url + " was cancelled; the connection was closed")));
        throw;
    } catch (...) {
        fail(std::current_exception());
        throw;
    }
    co_return std::nullopt;
}

void ClientResponse::release() {
    if (released_) return;
    released_ = true;
    leftover_.clear();
    leftover_at_ = 0;
    if (complete_ || !lease_) return;
    try {
        while (!complete_) {
            if (poll().kind == Step::need_data) break;  // more is coming: not worth waiting
        }
    } catch (...) {
        // A broken or malformed body: the connection is closed below.
    }
    if (!complete_) lease_.discard();
}

Coro<void> ClientResponse::discard_body(std::size_t limit) {
    std::size_t seen = 0;
    try {
        while (!complete_ && seen <= limit) {
            std::optional<std::string> chunk = co_await read_chunk(limit + 1 - seen);
            if (!chunk) break;
            seen += chunk->size();
        }
    } catch (const ClientError&) {
        // The connection is closed (fail() did it); the redirect goes on with another one.
    }
    if (!complete_) lease_.discard();
}

}  // namespace looplab::http
