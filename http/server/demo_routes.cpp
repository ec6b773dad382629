// http/server/demo_routes.cpp: see demo_routes.hpp.
#include "http/server/demo_routes.hpp"

#include <charconv>
#include <chrono>
#include <optional>

#include "runtime/sleep.hpp"

namespace looplab::http {

namespace {

constexpr std::size_t kMaxDemoBytes = 64 * 1024 * 1024;

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
    auto ms = parse_number(path_argument(request.path, "/delay/"));
    if (!ms || *ms > 600'000) co_return bad_request("usage: /delay/<milliseconds up to 600000>");
    co_await sleep(std::chrono::milliseconds(*ms));
    co_return ServerResponse::text(200, "Hello World!");
}

Coro<ServerResponse> bytes(ServerRequest& request) {
    auto n = parse_number(path_argument(request.path, "/bytes/"));
    if (!n || *n > kMaxDemoBytes) co_return bad_request("usage: /bytes/<n up to 64 MiB>");
    ServerResponse r;
    r.headers.set("Content-Type", "application/octet-stream");
    r.body = demo_bytes(*n);
    co_return r;
}

Coro<ServerResponse> chunked(ServerRequest& request) {
    auto n = parse_number(path_argument(request.path, "/chunked/"));
    if (!n || *n > kMaxDemoBytes) co_return bad_request("usage: /chunked/<n up to 64 MiB>");
    ServerResponse r;
    r.headers.set("Content-Type", "application/octet-stream");
    r.body = demo_bytes(*n);
    r.chunked = true;
    co_return r;
}

Coro<ServerResponse> status(ServerRequest& request) {
    auto code = parse_number(path_argument(request.path, "/status/"));
    if (!code || *code < 200 || *code > 599) co_return bad_request("usage: /status/<200..599>");
    ServerResponse r;
    r.status = static_cast<int>(*code);
    co_return r;
}

Coro<ServerResponse> redirect(ServerRequest& request) {
    auto n = parse_number(path_argument(request.path, "/redirect/"));
    if (!n || *n > 1000) co_return bad_request("usage: /redirect/<n up to 1000>");
    if (*n == 0) co_return ServerResponse::text(200, "redirected");
    ServerResponse r;
    r.status = 302;
    r.headers.set("Location", "/redirect/" + std::to_string(*n - 1));
    co_return r;
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
        .get("/delay/", delay)
        .get("/bytes/", bytes)
        .get("/chunked/", chunked)
        .get("/status/", status)
        .get("/redirect/", redirect)
        .post("/echo", echo);
    return router;
}

}  // namespace looplab::http
