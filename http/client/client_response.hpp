// http/client/client_response.hpp: ClientResponse, a response whose head has arrived and whose body
// is read on demand.
//
// aiohttp: aiohttp.ClientResponse: status, reason, version, headers, url; read() / text();
//          content.read(n) for streaming; raise_for_status(); release().
//
//     ClientResponse r = co_await session.get(url);   // the head has arrived
//     r.raise_for_status();
//     std::string body = co_await r.text();            // the body, all of it, or an exception
//
//     while (auto chunk = co_await r.read_chunk()) sink(*chunk);   // streaming
//
// The response holds its connection (a lease from the session's pool) until the body has been
// read to its end; then the connection goes back to the pool at once, before read() even
// returns, if it can carry another request. The rules that keep a connection honest:
//   - A body is never presented as complete unless the parser saw its end: a connection that
//     closes or breaks early makes read() / read_chunk() throw ClientPayloadError; a malformed
//     chunked body does too. Timeouts (sock_read, total) throw ClientTimeoutError.
//   - A response destroyed before its body was read to the end closes its connection: the
//     unread bytes would otherwise be taken for the next response on it. Same for any error or
//     cancellation while reading: the connection is closed, never reused.
//   - release() is the explicit "done with it": the bytes already received are drained, and
//     if that completes the body the connection is reused, else it is closed. It never waits.
//   - A response with an empty body (HEAD, 204, 304, Content-Length: 0) is complete as soon as
//     its head arrives; its connection is back in the pool before the user sees it.
//   - The body comes out decoded (aiohttp's auto_decompress): transfer-codings before chunked
//     always, Content-Encoding gzip / deflate / br unless the session turned that off, under
//     the session's DecodeLimits (http/codings/decoder_chain.hpp). Corrupt or truncated
//     compressed data, and a body past the limits (a decompression bomb), is a
//     ClientPayloadError. `headers` still say what was on the wire.
//
// Fields are public, plain data, as aiohttp's attributes are: changing them changes nothing
// on the wire. Methods are loop-thread only; read(), text() and read_chunk() must not overlap
// (one reader at a time, as with any stream).
#pragma once

#include <cstddef>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "http/client/client_timeout.hpp"
#include "http/client/connection_pool.hpp"
#include "http/client/request_trace.hpp"
#include "http/client/tls_info.hpp"
#include "http/codings/decoder_chain.hpp"
#include "http/proto/headers.hpp"
#include "http/proto/message.hpp"
#include "runtime/coro.hpp"

namespace looplab::http {

class ClientSession;

class ClientResponse {
public:
    static constexpr std::size_t kDefaultChunk = 64 * 1024;

    int status = 0;
    std::string reason;
    HttpVersion version;
    Headers headers;
    std::string url;     // the final URL, after redirects
    std::string method;  // of the request this answers (the last one, after redirects)
    // https: what its connection's TLS handshake negotiated (shared by every response on that
    // connection); null for http.
    std::shared_ptr<const TlsInfo> tls;

    ClientResponse() = default;
    ClientResponse(ClientResponse&&) noexcept = default;
    ClientResponse& operator=(ClientResponse&&) noexcept = default;
    // Closes the connection unless the body was read to its end (see the header comment).
    // A traced request still open ends here, as "not finished" (request_trace.hpp).
    ~ClientResponse() = default;

    bool ok() const noexcept { return status < 400; }
    // ClientResponseError if status >= 400 (aiohttp: the same).
    void raise_for_status() const;

    // The rest of the body (all of it, unless read_chunk() took some). Throws
    // ClientPayloadError (cut short or malformed), ClientTimeoutError (sock_read / total),
    // CancelledError; InvalidStateError if read() / text() already returned the body or the
    // response was released. DIFFERENCE: aiohttp caches the body and returns it again on a
    // second read(); here the string is moved out to the caller, and not copied to be kept.
    Coro<std::string> read();
    // The body as text: the same bytes as read() (looplab does no charset decoding; the body
    // of a std::string is already "text" for every consumer in this project).
    Coro<std::string> text() { return read(); }
    // Streaming: the next at most `max` bytes (max >= 1) as soon as any are available, or
    // nullopt once the body is complete (and on every call after that). Same errors as read().
    Coro<std::optional<std::string>> read_chunk(std::size_t max = kDefaultChunk);

    // Done with the response: drains the bytes already received and gives the connection
    // back if that completes the body; closes it otherwise. Never waits. Idempotent.
    void release();

    // The body has been received to its end (the connection is back in the pool or closed).
    bool is_complete() const noexcept { return complete_; }

private:
    friend class ClientSession;

    // Result of one non-blocking look at the parser.
    struct Step {
        enum Kind { data, end, need_data } kind;
        std::string_view bytes;  // for data: valid until the next call on the parser
    };

    // Called by ClientSession with the final response: its request's trace, whose "body" phase
    // and request slice end with the body (at once if the body is complete already).
    void adopt_trace(detail::RequestTrace trace);
    // Called by ClientSession once the head has arrived.
    void attach(detail::ConnectionLease lease, bool reusable, std::optional<detail::Deadline> total,
                std::optional<Duration> sock_read, codings::DecoderChain decoder);
    Step poll();         // next parser event, decoded, mapped to errors
    Step poll_parser();  // next parser event, mapped to errors
    std::optional<detail::Deadline> read_deadline() const;
    Coro<void> wait_for_body_data();
    [[noreturn]] void throw_read_timeout(const detail::Deadline& d) const;
    void check_readable() const;
    void finish_body();                            // the body ended: the connection goes back
    void fail(std::exception_ptr error) noexcept;  // closes the connection, remembers why
    // Reads and drops the body, up to `limit` bytes, so that the connection can be reused (a
    // redirect's body); closes the connection instead if there is more.
    Coro<void> discard_body(std::size_t limit);

    detail::ConnectionLease lease_;  // the connection, until the body is complete or abandoned
    std::optional<detail::Deadline> total_;  // the request's total deadline, if any
    std::optional<Duration> sock_read_;
    // Bytes of a Data event that a read_chunk(max) did not take (the event's view dies with the
    // next call on the parser, and data_received makes such calls between our reads), from
    // leftover_at_ on.
    std::string leftover_;
    std::size_t leftover_at_ = 0;
    codings::DecoderChain decoder_;  // the body's codings, undone (identity: nothing to undo)
    std::string decoded_;            // the last Data event, decoded; poll()'s view points here
    std::exception_ptr failure_;     // why reading stopped; rethrown by later reads
    detail::RequestTrace trace_;     // the request's, until the body ends (inert if untraced)
    bool reusable_ = true;           // our request did not say "Connection: close"
    bool complete_ = false;          // the parser reached EndOfMessage
    bool consumed_ = false;          // read() returned the body
    bool released_ = false;          // release() was called
};

}  // namespace looplab::http
