// http/server/demo_routes.cpp: see demo_routes.hpp.
#include "http/server/demo_routes.hpp"

#include <charconv>
#include <chrono>
#include <optional>

#include "http/server/body_stream.hpp"
#include "http/server/stream_response.hpp"
#include "runtime/sleep.hpp"

namespace looplab::http {

namespace {

constexpr std::size_t kMaxDemoBytes = 64 * 1024 * 1024;
// How much of the pattern one write makes: the pattern repeats every 26 bytes, so a block
// that is a multiple of 26 can be written again and again from one string.
constexpr std::size_t kBlock = 26 * 630;  // 16,380 bytes, under one ResponseChannel piece

std::optional<std::uint64_t> parse_number(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

ServerResponse bad_request(std::string why) {
    return ServerResponse::text(400, why + "\n");
}

Coro<ServerResponse> hello(ServerRequest&) {
    co_return ServerResponse::text(200, "Hello World!");
}

Coro<ServerResponse> delay(ServerRequest& request) {
    auto ms = parse_number(request.param("ms"));
    if (!ms || *ms > 600'000) co_return bad_request("usage: /delay/<milliseconds up to 600000>");
    co_await sleep(std::chrono::milliseconds(*ms));
    co_return ServerResponse::text(200, "Hello World!");
}

// n pattern bytes, made as they are written: one block in memory, whatever n is.
Coro<ServerResponse> stream_pattern(ServerRequest& request, std::uint64_t n, bool chunked) {
    static const std::string block = demo_bytes(kBlock);
    StreamResponse response;
    response.headers.set("Content-Type", "application/octet-stream");
    if (!chunked) response.content_length = n;
    co_await response.prepare(request);
    for (std::uint64_t left = n; left > 0;) {
        const std::size_t piece = static_cast<std::size_t>(std::min<std::uint64_t>(left, kBlock));
        co_await response.write(std::string_view(block).substr(0, piece));
        left -= piece;
    }
    co_await response.write_eof();
    co_return response.finished();
}

Coro<ServerResponse> bytes(ServerRequest& request) {
    auto n = parse_number(request.param("n"));
    if (!n || *n > kMaxDemoBytes) co_return bad_request("usage: /bytes/<n up to 64 MiB>");
    co_return co_await stream_pattern(request, *n, false);
}

Coro<ServerResponse> chunked(ServerRequest& request) {
    auto n = parse_number(request.param("n"));
    if (!n || *n > kMaxDemoBytes) co_return bad_request("usage: /chunked/<n up to 64 MiB>");
    co_return co_await stream_pattern(request, *n, true);
}

Coro<ServerResponse> status(ServerRequest& request) {
    auto code = parse_number(request.param("code"));
    if (!code || *code < 200 || *code > 599) co_return bad_request("usage: /status/<200..599>");
    ServerResponse r;
    r.status = static_cast<int>(*code);
    co_return r;
}

Coro<ServerResponse> redirect(ServerRequest& request) {
    auto n = parse_number(request.param("n"));
    if (!n || *n > 1000) co_return bad_request("usage: /redirect/<n up to 1000>");
    if (*n == 0) co_return ServerResponse::text(200, "redirected");
    ServerResponse r;
    r.status = 302;
    r.headers.set("Location", "/redirect/" + std::to_string(*n - 1));
    co_return r;
}

// The body piece by piece as it arrives (a stream_body route): counted, never held whole.
Coro<ServerResponse> upload(ServerRequest& request) {
    std::uint64_t total = 0;
    for (;;) {
        const std::string piece = co_await request.content->read_chunk();
        if (piece.empty()) break;
        total += piece.size();
    }
    co_return ServerResponse::text(200, "received " + std::to_string(total) + " bytes\n");
}

Coro<ServerResponse> echo(ServerRequest& request) {
    ServerResponse r;
    r.headers.set("Content-Type", "application/octet-stream");
    r.body = std::move(request.body);
    co_return r;
}

}  // namespace

std::string demo_bytes(std::size_t n) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>('a' + i % 26);
    return out;
}

Router demo_routes() {
    Router router;
    router.get("/", hello)
        .get("/delay/{ms}", delay)
        .get("/bytes/{n}", bytes)
        .get("/chunked/{n}", chunked)
        .get("/status/{code}", status)
        .get("/redirect/{n}", redirect)
        .post("/echo", echo)
        .post("/upload", upload, RouteOptions{.stream_body = true});
    return router;
}

}  // namespace looplab::http
