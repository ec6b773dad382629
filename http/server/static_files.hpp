// http/server/static_files.hpp: files from a directory, sent with sendfile, with validators
// and ranges.
//
// aiohttp: web.static / StaticResource and FileResponse (sendfile, ETag, If-None-Match,
//          Range, If-Range)
// nginx:   the static module with sendfile on, etag on, and ranges (ngx_http_range_filter)
//
//     router.add_static("/static/", "/srv/www");   // GET /static/css/a.css -> /srv/www/css/a.css
//
// What a GET (or HEAD) of prefix + relative path gets:
//   - 200 with the file, Content-Length, a Content-Type from the extension, Last-Modified,
//     Accept-Ranges: bytes, and ETag "<mtime hex>-<size hex>" (nginx's form: it changes when
//     the file does, and costs one fstat, no hashing). A directory serves its index.html.
//   - 304 (no body) when If-None-Match lists that ETag or "*" (RFC 9110 13.1.2; weak
//     comparison, as for GET).
//   - 206 with Content-Range for one satisfiable "Range: bytes=a-b" ("a-", "-n" too),
//     unless If-Range names another ETag (then 200, the whole file). Several ranges get the
//     whole file (200), which RFC 9110 14.2 allows, and spares multipart bodies; 416 with
//     "Content-Range: bytes */size" when the range starts past the end.
//   - 404 for anything that is not a regular file under the directory: "..", "." and empty
//     segments are refused before the file system is asked, and the resolved path (symbolic
//     links followed) must still be under the directory. 403 for a file it may not read; 503
//     when the process is out of descriptors.
// The body goes by sendfile(2) (response_channel.hpp): page cache to socket, no copy through
// the process, and the transport's flow control and send watchdog apply as to any response.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http/server/server_request.hpp"

namespace looplab::http {

// The handler add_static installs: serves request.param("path") under `directory`. Throws
// std::invalid_argument if `directory` is not a directory.
Handler static_files(std::filesystem::path directory);

// One byte range of a representation of `size` bytes.
struct ByteRange {
    std::uint64_t first = 0;
    std::uint64_t length = 0;
};
// What a Range header asks of `size` bytes: nullopt for "the whole thing" (no header, a unit
// other than bytes, several ranges, a malformed one: RFC 9110 14.2 says ignore it); a range
// with length 0 for "unsatisfiable" (416).
std::optional<ByteRange> parse_range(std::string_view header, std::uint64_t size);

// The ETag the static files get for a file of `size` bytes modified at `mtime` seconds.
std::string file_etag(std::int64_t mtime, std::uint64_t size);

// Whether an If-None-Match value lists `etag` (or is "*"), by weak comparison.
bool none_match(std::string_view if_none_match, std::string_view etag);

}  // namespace looplab::http
