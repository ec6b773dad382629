// tests/http/support/request_reader.hpp: the server side of a scripted exchange: read one
// whole request (head and Content-Length body) from a ScriptedServer connection.
//
// asyncio's test suite: the request parsing of test_utils' TestHandler.
//
// ScriptedServer's read_request_head stops at the blank line; a test checking what a client
// POSTs, or serving several requests on one kept-alive connection, needs the body too, and
// needs to know where the next request starts.
#pragma once

#include <sys/socket.h>

#include <cctype>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/support/scripted_server.hpp"

namespace looplab::http::testing {

struct ScriptedRequest {
    std::string head;  // request line and fields, without the blank line
    std::string body;  // exactly Content-Length bytes (empty without one)

    // "GET", "/path?q" from the request line.
    std::string method() const { return head.substr(0, head.find(' ')); }
    std::string target() const {
        const std::size_t a = head.find(' ') + 1;
        return head.substr(a, head.find(' ', a) - a);
    }
    // Whether a field line "Name: ..." is present (case-insensitive name).
    bool has_header(std::string_view name) const {
        std::string lower_head;
        for (char c : head)
            lower_head += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string needle = "\r\n";
        for (char c : name)
            needle += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        needle += ":";
        return lower_head.find(needle) != std::string::npos;
    }
};

// Reads one request; nullopt on EOF (or reset) before a complete head and body. Requests
// must not be pipelined (the clients under test never do): bytes after the body are dropped.
inline std::optional<ScriptedRequest> read_request(int fd) {
    std::string data = read_request_head(fd);
    const std::size_t end = data.find("\r\n\r\n");
    if (end == std::string::npos) return std::nullopt;
    ScriptedRequest request{data.substr(0, end), data.substr(end + 4)};
    std::size_t length = 0;
    std::string lower;
    for (char c : request.head)
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (const std::size_t at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
        length = std::stoul(request.head.substr(at + 17));
    }
    char buf[4096];
    while (request.body.size() < length) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) return std::nullopt;
        request.body.append(buf, static_cast<std::size_t>(n));
    }
    request.body.resize(length);
    return request;
}

}  // namespace looplab::http::testing
