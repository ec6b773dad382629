// http/client/request_body.hpp: what a request sends after its head: bytes, a form, a file or
// a pipe streamed piece by piece, or a multipart upload; its Content-Type and its framing.
//
// requests: data= (bytes, a dict as a form, a file object streamed), files= (multipart),
//           json= (http/json/json_body.hpp here, so the core client needs no JSON library)
// aiohttp:  data= / FormData / a file object as a streamed payload (aiohttp/payload.py)
// curl:     -d / --data-binary (@file, @- for stdin), -F (multipart), -T (upload a file)
//
// A body is a list of segments, each bytes in memory, a file named by path (opened when the
// request is sent, read 64 KiB at a time: a 4 GB upload never sits in memory) or a descriptor
// such as stdin (read until its end). Its length is known when every segment's is (a file's is
// its size when the request is built), and then the head says Content-Length; otherwise the
// body goes chunked (RFC 9112 7.1), as curl does for `-T -`.
//
// Replaying: a redirect that keeps the body (307 / 308) or a retry after a stale connection
// sends the body again. Bytes and files can be read again from the start; a descriptor cannot
// (stdin is gone once read), so such a body is not replayable() and the client says so instead
// of sending a short body.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/proto/url.hpp"

namespace looplab::http {

// One field of a multipart/form-data body (curl -F name=value, -F name=@file).
struct FormPart {
    std::string name;
    std::string value;         // the content, unless `path` is set
    std::string path;          // a file to upload (streamed), or empty
    std::string filename;      // for a file: defaults to the path's last component
    std::string content_type;  // for a file: defaults to application/octet-stream
};

// Reads a body's bytes in order; one per send (open() again to replay).
class BodyReader {
public:
    virtual ~BodyReader() = default;
    // Up to `max` next bytes; empty at the end. Throws std::runtime_error if a file cannot be
    // read (the message names it).
    virtual std::string read(std::size_t max) = 0;
};

class RequestBody {
public:
    // No body.
    RequestBody() = default;
    // Bytes, with no Content-Type of its own (the request's headers may give one).
    RequestBody(std::string bytes);  // NOLINT: a string is a body, as in every client's API
    RequestBody(const char* bytes) : RequestBody(std::string(bytes)) {}

    static RequestBody bytes(std::string data, std::string content_type = {});
    // application/x-www-form-urlencoded: "a=1&b=x+y" (requests: data={...}).
    static RequestBody form(const Params& fields);
    // A file's contents, streamed; Content-Length is its size now. Throws std::runtime_error if
    // it cannot be opened (curl: "Failed to open/read local data").
    static RequestBody file(std::string path, std::string content_type = {});
    // A descriptor read to its end (stdin: 0), streamed and chunked. Not replayable; the
    // descriptor stays the caller's.
    static RequestBody stream(int fd, std::string content_type = {});
    // multipart/form-data with a fresh boundary; file parts are streamed.
    static RequestBody multipart(const std::vector<FormPart>& parts);

    bool empty() const noexcept { return segments_.empty(); }
    // Total bytes, or nullopt when a segment's length is unknown (then it goes chunked).
    std::optional<std::uint64_t> length() const noexcept { return length_; }
    // The Content-Type this body implies, or empty.
    const std::string& content_type() const noexcept { return content_type_; }
    bool replayable() const noexcept;
    // The whole body when it is one piece of memory (most requests): sent with the head in one
    // write, without a reader. Null otherwise.
    const std::string* in_memory() const noexcept;
    // A reader from the start of the body.
    std::unique_ptr<BodyReader> open() const;

    struct Segment {
        std::string bytes;  // in memory, when path is empty and fd < 0
        std::string path;   // a file
        int fd = -1;        // a descriptor read to its end
    };

private:
    void add(Segment segment, std::optional<std::uint64_t> length);

    std::vector<Segment> segments_;
    std::optional<std::uint64_t> length_ = 0;
    std::string content_type_;
};

}  // namespace looplab::http
