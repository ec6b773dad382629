// http/server/response_writer.cpp: see response_writer.hpp.
#include "http/server/response_writer.hpp"

#include <algorithm>

#include "http/proto/chunked_encoder.hpp"
#include "http/proto/serializer.hpp"

namespace looplab::http {

namespace {

void set_server_fields(ServerResponse& response, const ResponseContext& context) {
    if (!response.headers.contains("Date")) response.headers.set("Date", context.date);
    if (!response.headers.contains("Server")) response.headers.set("Server", "looplab");
    if (!context.keep_alive)
        response.headers.set("Connection", "close");
    else if (context.version == HttpVersion{1, 0})
        response.headers.set("Connection", "keep-alive");
    else
        response.headers.remove("Connection");  // persistence is HTTP/1.1's default
}

void write_chunked(std::string& out, const ServerResponse& response) {
    write_response_head(out, response.status, response.headers, OutgoingBody::chunked());
    ChunkedEncoder encoder;
    std::string_view rest = response.body;
    const std::size_t piece = std::max<std::size_t>(1, response.chunk_size);
    while (!rest.empty()) {
        encoder.write_chunk(out, rest.substr(0, piece));
        rest.remove_prefix(std::min(piece, rest.size()));
    }
    encoder.write_last_chunk(out);
}

}  // namespace

void write_server_response(std::string& out, ServerResponse& response,
                           const ResponseContext& context) {
    set_server_fields(response, context);
    const int status = response.status;
    const bool framed = !(status < 200 || status == 204 || status == 304);
    const bool sends_body = framed && context.method != "HEAD";
    if (response.chunked && sends_body && context.version != HttpVersion{1, 0}) {
        write_chunked(out, response);
        return;
    }
    write_response_head(
        out, status, response.headers,
        framed ? OutgoingBody::of_length(response.body.size()) : OutgoingBody::none());
    if (sends_body) out.append(response.body);
}

std::string_view continue_response() {
    return "HTTP/1.1 100 Continue\r\n\r\n";
}

}  // namespace looplab::http
