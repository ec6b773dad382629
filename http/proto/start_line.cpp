// http/proto/start_line.cpp: request-line and status-line parsing
// (http/proto/detail/start_line.hpp).
#include "http/proto/detail/start_line.hpp"

#include <string>

#include "http/proto/detail/grammar.hpp"
#include "http/proto/protocol_error.hpp"

namespace looplab::http::detail {

namespace {
constexpr int kBadRequest = 400;
constexpr int kVersionNotSupported = 505;
}  // namespace

HttpVersion parse_http_version(std::string_view text) {
    // HTTP-version = "HTTP" "/" DIGIT "." DIGIT, case-sensitive (RFC 9112 2.3).
    if (text.size() != 8 || text.substr(0, 5) != "HTTP/" || !is_digit(text[5]) || text[6] != '.' ||
        !is_digit(text[7])) {
        throw ProtocolError("invalid HTTP version " + quote(text) + " (expected HTTP/1.x)",
                            kBadRequest);
    }
    if (text[5] != '1')
        throw ProtocolError("unsupported HTTP version " + quote(text) + " (only HTTP/1.x)",
                            kVersionNotSupported);
    return HttpVersion{1, text[7] - '0'};
}

RequestHead parse_request_line(std::string_view line) {
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos)
        throw ProtocolError(
            "malformed request line " + quote(line) + " (expected 'METHOD target HTTP/1.1')",
            kBadRequest);
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method))
        throw ProtocolError("invalid method " + quote(method) + " in request line", kBadRequest);
    if (target.empty())
        throw ProtocolError("empty request target in request line " + quote(line), kBadRequest);
    for (char c : target) {
        // URIs are printable ASCII (RFC 3986); whitespace or control bytes in a target mean the
        // line was not split where the sender meant.
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            throw ProtocolError("invalid byte " + byte_name(c) + " in request target " +
                                    quote(target) +
                                    " (whitespace, control and non-ASCII bytes "
                                    "must be percent-encoded)",
                                kBadRequest);
    }
    if (version.find(' ') != std::string_view::npos)
        throw ProtocolError("malformed request line " + quote(line) +
                                " (whitespace in the request target or after the version)",
                            kBadRequest);
    RequestHead head;
    head.version = parse_http_version(version);
    head.method.assign(method);
    head.target.assign(target);
    return head;
}

ResponseHead parse_status_line(std::string_view line) {
    const std::size_t sp = line.find(' ');
    if (sp == std::string_view::npos)
        throw ProtocolError(
            "malformed status line " + quote(line) + " (expected 'HTTP/1.1 200 Reason')",
            kBadRequest);
    ResponseHead head;
    head.version = parse_http_version(line.substr(0, sp));
    const std::string_view rest = line.substr(sp + 1);
    if (rest.size() < 3 || !is_digit(rest[0]) || !is_digit(rest[1]) || !is_digit(rest[2]) ||
        (rest.size() > 3 && rest[3] != ' '))
        throw ProtocolError(
            "invalid status code in status line " + quote(line) + " (expected three digits)",
            kBadRequest);
    head.status = (rest[0] - '0') * 100 + (rest[1] - '0') * 10 + (rest[2] - '0');
    if (head.status < 100)
        throw ProtocolError(
            "status code " + std::string(rest.substr(0, 3)) + " out of range (100-999)",
            kBadRequest);
    const std::string_view reason = rest.size() > 3 ? rest.substr(4) : std::string_view{};
    for (char c : reason)
        if (!is_field_value_char(c))
            throw ProtocolError(
                "invalid byte " + byte_name(c) + " in reason phrase " + quote(reason), kBadRequest);
    head.reason.assign(reason);
    return head;
}

}  // namespace looplab::http::detail
