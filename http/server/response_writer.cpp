// http/server/response_writer.cpp: see response_writer.hpp.
#include "http/server/response_writer.hpp"

#include <algorithm>

#include "http/proto/chunked_encoder.hpp"
#include "http/proto/serializer.hpp"

namespace looplab::http {

namespace {

void set_server_fields(Headers& headers, const ResponseContext& context, bool keep_alive) {
    if (!headers.contains("Date")) headers.set("Date", context.date);
    if (!headers.contains("Server")) headers.set("Server", "looplab");
    if (!keep_alive)
        headers.set("Connection", "close");
    else if (context.version == HttpVersion{1, 0})
        headers.set("Connection", "keep-alive");
    else
        headers.remove("Connection");  // persistence is HTTP/1.1's default
}

OutgoingBody outgoing(const BodyFraming& framing, std::optional<std::uint64_t> length) {
    switch (framing.kind) {
        case BodyFraming::Kind::length:
            return OutgoingBody::of_length(*length);
        case BodyFraming::Kind::chunked:
            return OutgoingBody::chunked();
        case BodyFraming::Kind::none:
        case BodyFraming::Kind::until_close:
            break;
    }
    return OutgoingBody::none();
}

}  // namespace

BodyFraming choose_framing(int status, std::optional<std::uint64_t> length,
                           const ResponseContext& context) {
    BodyFraming framing;
    framing.keep_alive = context.keep_alive;
    const bool framed = !(status < 200 || status == 204 || status == 304);
    framing.sends_body = framed && context.method != "HEAD";
    if (!framed) return framing;
    if (length) {
        framing.kind = BodyFraming::Kind::length;
    } else if (context.version != HttpVersion{1, 0}) {
        framing.kind = BodyFraming::Kind::chunked;
    } else {
        framing.kind = BodyFraming::Kind::until_close;
        framing.keep_alive = false;  // the close is the body's end
    }
    return framing;
}

void write_server_head(std::string& out, int status, Headers& headers,
                       std::optional<std::uint64_t> length, const BodyFraming& framing,
                       const ResponseContext& context) {
    set_server_fields(headers, context, framing.keep_alive);
    write_response_head(out, status, headers, outgoing(framing, length));
}

BodyFraming write_server_response(std::string& out, ServerResponse& response,
                                  const ResponseContext& context) {
    // chunked asks for chunked framing where the client can take it; HTTP/1.0 gets a length.
    const bool chunked = response.chunked && context.version != HttpVersion{1, 0};
    const std::optional<std::uint64_t> length =
        chunked ? std::nullopt : std::optional<std::uint64_t>(response.body.size());
    const BodyFraming framing = choose_framing(response.status, length, context);
    write_server_head(out, response.status, response.headers, length, framing, context);
    if (!framing.sends_body) return framing;
    if (framing.kind != BodyFraming::Kind::chunked) {
        out.append(response.body);
        return framing;
    }
    ChunkedEncoder encoder;
    std::string_view rest = response.body;
    const std::size_t piece = std::max<std::size_t>(1, response.chunk_size);
    while (!rest.empty()) {
        encoder.write_chunk(out, rest.substr(0, piece));
        rest.remove_prefix(std::min(piece, rest.size()));
    }
    encoder.write_last_chunk(out);
    return framing;
}

std::string_view continue_response() {
    return "HTTP/1.1 100 Continue\r\n\r\n";
}

}  // namespace looplab::http
