// http/serializer.cpp: head serialisation (http/serializer.hpp).
#include "http/serializer.hpp"

#include <charconv>
#include <stdexcept>

#include "http/detail/grammar.hpp"

namespace looplab::http {

namespace {

using detail::quote;

void append_number(std::string& out, std::uint64_t n) {
    char digits[20];
    const auto result = std::to_chars(digits, digits + sizeof digits, n);
    out.append(digits, result.ptr);
}

void append_field(std::string& out, std::string_view name, std::string_view value) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
}

void check_fields(const Headers& headers) {
    for (const HeaderField& field : headers) {
        detail::check_outgoing_field(field.name, field.value);
        if (detail::iequals(field.name, "Content-Length") ||
            detail::iequals(field.name, "Transfer-Encoding"))
            throw std::invalid_argument("set " + field.name +
                                        " through OutgoingBody, not in headers (so a head can only "
                                        "frame its body one way)");
    }
}

// The framing header and the blank line that ends the head.
void append_framing_and_end(std::string& out, OutgoingBody body) {
    switch (body.kind) {
        case OutgoingBody::Kind::kNone:
            break;
        case OutgoingBody::Kind::kLength:
            out += "Content-Length: ";
            append_number(out, body.length);
            out += "\r\n";
            break;
        case OutgoingBody::Kind::kChunked:
            out += "Transfer-Encoding: chunked\r\n";
            break;
    }
    out += "\r\n";
}

}  // namespace

void write_request_head(std::string& out, std::string_view method, std::string_view target,
                        std::string_view host, const Headers& headers, OutgoingBody body) {
    if (!detail::is_token(method))
        throw std::invalid_argument("invalid method " + quote(method) + " (must be a token)");
    if (target.empty()) throw std::invalid_argument("empty request target");
    for (char c : target) {
        const auto u = static_cast<unsigned char>(c);
        if (u <= 0x20 || u >= 0x7f)
            throw std::invalid_argument("invalid byte " + detail::byte_name(c) +
                                        " in request target " + quote(target));
    }
    check_fields(headers);
    const bool own_host = !headers.contains("Host");
    if (own_host) detail::check_outgoing_field("Host", host);

    out += method;
    out += ' ';
    out += target;
    out += " HTTP/1.1\r\n";
    // Host first: RFC 9110 7.2 asks user agents to send it as the first field.
    if (own_host) append_field(out, "Host", host);
    for (const HeaderField& field : headers) append_field(out, field.name, field.value);
    append_framing_and_end(out, body);
}

void write_response_head(std::string& out, int status, const Headers& headers, OutgoingBody body,
                         std::string_view reason) {
    if (status < 100 || status > 999)
        throw std::invalid_argument("status " + std::to_string(status) + " out of range 100..999");
    const bool bodiless = status < 200 || status == 204;
    if ((bodiless && body.kind != OutgoingBody::Kind::kNone) ||
        (status == 304 && body.kind == OutgoingBody::Kind::kChunked))
        throw std::invalid_argument("a " + std::to_string(status) +
                                    " response has no body, so it takes no framing header");
    if (reason.empty()) reason = reason_phrase(status);
    for (char c : reason)
        if (!detail::is_field_value_char(c))
            throw std::invalid_argument("invalid byte " + detail::byte_name(c) +
                                        " in reason phrase " + quote(reason));
    check_fields(headers);

    out += "HTTP/1.1 ";
    append_number(out, static_cast<std::uint64_t>(status));
    out += ' ';
    out += reason;
    out += "\r\n";
    for (const HeaderField& field : headers) append_field(out, field.name, field.value);
    append_framing_and_end(out, body);
}

std::string_view reason_phrase(int status) {
    switch (status) {
        case 100:
            return "Continue";
        case 101:
            return "Switching Protocols";
        case 103:
            return "Early Hints";
        case 200:
            return "OK";
        case 201:
            return "Created";
        case 202:
            return "Accepted";
        case 204:
            return "No Content";
        case 206:
            return "Partial Content";
        case 301:
            return "Moved Permanently";
        case 302:
            return "Found";
        case 303:
            return "See Other";
        case 304:
            return "Not Modified";
        case 307:
            return "Temporary Redirect";
        case 308:
            return "Permanent Redirect";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 417:
            return "Expectation Failed";
        case 426:
            return "Upgrade Required";
        case 429:
            return "Too Many Requests";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 501:
            return "Not Implemented";
        case 502:
            return "Bad Gateway";
        case 503:
            return "Service Unavailable";
        case 504:
            return "Gateway Timeout";
        case 505:
            return "HTTP Version Not Supported";
        default:
            return {};
    }
}

}  // namespace looplab::http
