// http/server/static_files.cpp: see static_files.hpp.
#include "http/server/static_files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "http/proto/detail/grammar.hpp"
#include "http/server/date_cache.hpp"
#include "http/server/router.hpp"
#include "http/server/stream_response.hpp"
#include "net/unique_fd.hpp"

namespace looplab::http {

namespace {

std::string_view content_type(std::string_view path) {
    static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
        {".html", "text/html; charset=utf-8"},
        {".htm", "text/html; charset=utf-8"},
        {".css", "text/css"},
        {".js", "text/javascript"},
        {".json", "application/json"},
        {".txt", "text/plain; charset=utf-8"},
        {".md", "text/markdown; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".ico", "image/x-icon"},
        {".pdf", "application/pdf"},
        {".wasm", "application/wasm"},
        {".xml", "application/xml"}};
    for (const auto& [ext, type] : kTypes)
        if (path.ends_with(ext)) return type;
    return "application/octet-stream";
}

// No "..", "." or empty segment, no NUL, no backslash: the relative path names a file under
// the directory before the file system is consulted at all.
bool safe_relative_path(std::string_view path) {
    if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos)
        return false;
    if (path.empty()) return true;  // the directory itself (its index.html)
    for (;;) {
        const std::size_t slash = path.find('/');
        const std::string_view part = path.substr(0, slash);
        if (part == ".." || part == ".") return false;
        if (part.empty() && slash != std::string_view::npos) return false;
        if (slash == std::string_view::npos) return true;
        path.remove_prefix(slash + 1);
    }
}

bool under(const std::filesystem::path& path, const std::filesystem::path& root) {
    auto [r, p] = std::mismatch(root.begin(), root.end(), path.begin(), path.end());
    return r == root.end();
}

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

ServerResponse status_only(int status, std::string why) {
    return ServerResponse::text(status, std::move(why) + "\n");
}

struct OpenFile {
    net::UniqueFd fd;
    struct stat st {};
};

// The file for `relative` under `root`, or the status to answer instead.
std::variant<OpenFile, int> open_under(const std::filesystem::path& root,
                                       std::string_view relative) {
    if (!safe_relative_path(relative)) return 404;
    std::filesystem::path path = root / std::filesystem::path(relative);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) path /= "index.html";
    const std::filesystem::path real = std::filesystem::canonical(path, ec);
    if (ec || !under(real, root)) return 404;
    OpenFile file;
    file.fd = net::UniqueFd(::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
    if (!file.fd) {
        if (errno == EMFILE || errno == ENFILE) return 503;
        return errno == EACCES ? 403 : 404;
    }
    if (::fstat(file.fd.get(), &file.st) != 0 || !S_ISREG(file.st.st_mode)) return 404;
    return file;
}

Coro<ServerResponse> serve_file(const std::filesystem::path& root, ServerRequest& request) {
    auto opened = open_under(root, request.param("path"));
    if (const int* status = std::get_if<int>(&opened)) {
        if (*status == 503) co_return status_only(503, "Service Unavailable: out of descriptors");
        co_return status_only(*status, *status == 403 ? "Forbidden" : "Not Found");
    }
    OpenFile& file = std::get<OpenFile>(opened);
    const auto size = static_cast<std::uint64_t>(file.st.st_size);
    const std::string etag = file_etag(file.st.st_mtime, size);

    StreamResponse response;
    response.headers.set("ETag", etag);
    response.headers.set("Last-Modified", DateCache::format(file.st.st_mtime));
    response.headers.set("Accept-Ranges", "bytes");
    if (auto inm = request.headers.get("If-None-Match"); inm && none_match(*inm, etag)) {
        response.status = 304;
        co_await response.prepare(request);
        co_await response.write_eof();
        co_return response.finished();
    }
    std::optional<ByteRange> range;
    if (auto header = request.headers.get("Range")) {
        const auto if_range = request.headers.get("If-Range");
        if (!if_range || *if_range == etag) range = parse_range(*header, size);
    }
    response.headers.set("Content-Type", content_type(request.param("path")));
    std::uint64_t first = 0;
    std::uint64_t length = size;
    if (range && range->length == 0) {
        ServerResponse refused = status_only(416, "Range Not Satisfiable");
        refused.headers.set("Content-Range", "bytes */" + std::to_string(size));
        co_return refused;
    }
    if (range) {
        first = range->first;
        length = range->length;
        response.status = 206;
        response.headers.set("Content-Range", "bytes " + std::to_string(first) + "-" +
                                                  std::to_string(first + length - 1) + "/" +
                                                  std::to_string(size));
    }
    response.content_length = length;
    co_await response.prepare(request);
    co_await response.write_file(file.fd.get(), first, length);
    co_await response.write_eof();
    co_return response.finished();
}

}  // namespace

std::string file_etag(std::int64_t mtime, std::uint64_t size) {
    char text[48];
    std::snprintf(text, sizeof text, "\"%llx-%llx\"", static_cast<unsigned long long>(mtime),
                  static_cast<unsigned long long>(size));
    return text;
}

bool none_match(std::string_view if_none_match, std::string_view etag) {
    const std::string_view opaque = etag.starts_with("W/") ? etag.substr(2) : etag;
    bool found = false;
    detail::for_each_list_element(if_none_match, [&](std::string_view tag) {
        if (tag == "*") found = true;
        if (tag.starts_with("W/")) tag.remove_prefix(2);
        if (tag == opaque) found = true;
        return !found;
    });
    return found;
}

std::optional<ByteRange> parse_range(std::string_view header, std::uint64_t size) {
    if (!header.starts_with("bytes=")) return std::nullopt;
    std::string_view spec = header.substr(6);
    if (spec.find(',') != std::string_view::npos) return std::nullopt;  // several: the whole file
    const std::size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    const std::string_view first_text = spec.substr(0, dash);
    const std::string_view last_text = spec.substr(dash + 1);
    if (first_text.empty()) {  // "-n": the last n bytes
        const auto n = number(last_text);
        if (!n) return std::nullopt;
        if (*n == 0 || size == 0) return ByteRange{0, 0};
        const std::uint64_t length = std::min(*n, size);
        return ByteRange{size - length, length};
    }
    const auto first = number(first_text);
    if (!first) return std::nullopt;
    if (*first >= size) return ByteRange{0, 0};
    std::uint64_t last = size - 1;
    if (!last_text.empty()) {
        const auto given = number(last_text);
        if (!given || *given < *first) return std::nullopt;
        last = std::min(*given, size - 1);
    }
    return ByteRange{*first, last - *first + 1};
}

Handler static_files(std::filesystem::path directory) {
    std::error_code ec;
    std::filesystem::path root = std::filesystem::canonical(directory, ec);
    if (ec || !std::filesystem::is_directory(root))
        throw std::invalid_argument("static files: not a directory: " + directory.string());
    auto shared_root = std::make_shared<const std::filesystem::path>(std::move(root));
    return [shared_root](ServerRequest& request) { return serve_file(*shared_root, request); };
}

// Defined here rather than in router.cpp: the router's unit need not depend on the static
// files' (which reach the response channel, which reaches the router), so no include circle.
Router& Router::add_static(std::string prefix, std::filesystem::path directory) {
    if (!prefix.ends_with('/')) prefix += '/';
    return add("GET", prefix + "{path:.*}", static_files(std::move(directory)));
}

}  // namespace looplab::http
