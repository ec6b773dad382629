// http/server/stream_response.hpp: a response whose body the handler writes as it makes it.
//
// aiohttp: web.StreamResponse (prepare, write, drain, write_eof, content_length,
//          enable_chunked_encoding); Node's http.ServerResponse.write() returning false
//
//     Coro<ServerResponse> download(ServerRequest& request) {
//         StreamResponse response;
//         response.content_length = size;                // or leave it: chunked
//         co_await response.prepare(request);            // the head goes out
//         while (more) co_await response.write(piece);   // waits while the client lags
//         co_await response.write_eof();
//         co_return response.finished();
//     }
//
// write() hands the bytes to the connection's ResponseChannel, which waits (drain) whenever
// the client is not taking them fast enough: a handler that writes 60 MB to a client that
// reads nothing holds one write mark of it in memory, not 60 MB, and a client that stops
// reading for send_timeout is cut off (response_channel.hpp). That is aiohttp's
// `await resp.write(data)` (which drains), in one call.
//
// States: created --prepare--> prepared --write*--> --write_eof--> done. Before prepare the
// status and headers may change; after it they are on the wire. For a HEAD request the
// writes are counted and dropped (the client gets the head a GET would get). Loop-thread
// only; the request (and so the connection) must outlive the response.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "http/proto/headers.hpp"
#include "http/server/server_request.hpp"
#include "runtime/coro.hpp"

namespace looplab::http {

class StreamResponse {
public:
    explicit StreamResponse(int status = 200) : status(status) {}

    int status;
    Headers headers;
    // Set before prepare(): Content-Length framing (write exactly this many bytes). Unset:
    // chunked for HTTP/1.1, the connection's close for HTTP/1.0.
    std::optional<std::uint64_t> content_length;

    // Sends the head. Throws std::logic_error outside a server (no request.channel) or if
    // prepared twice; TransportClosedError if the client is gone.
    Coro<void> prepare(ServerRequest& request);
    // Sends body bytes, waiting while the client lags behind. Throws std::logic_error before
    // prepare or past content_length; TransportClosedError if the client is gone.
    Coro<void> write(std::string_view data);
    // `count` bytes of an open file from `offset`, by sendfile(2) where the connection allows.
    Coro<void> write_file(int fd, std::uint64_t offset, std::uint64_t count);
    // Ends the body (the last chunk). With content_length not reached, the connection is
    // aborted rather than let the client take a short body for a whole one. Idempotent.
    Coro<void> write_eof();

    [[nodiscard]] bool prepared() const noexcept { return channel_ != nullptr; }
    // What the handler returns once done: tells the server the response was sent.
    ServerResponse finished() const;

private:
    ResponseChannel* channel_ = nullptr;  // from prepare on
};

}  // namespace looplab::http
