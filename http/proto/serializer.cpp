// http/proto/serializer.cpp: head serialisation (http/proto/serializer.hpp).
#include "http/proto/serializer.hpp"

#include <charconv>
#include <stdexcept>

#include "http/proto/detail/grammar.hpp"

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
        case OutgoingBody::Kind::none:
            break;
        case OutgoingBody::Kind::length:
            out += "Content-Length: ";
            append_number(out, body.length);
            out += "\r\n";
            break;
        case OutgoingBody::Kind::chunked:
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
    if ((bodiless && body.kind != OutgoingBody::Kind::none) ||
        (status == 304 && body.kind == OutgoingBody::Kind::chunked))
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
    // The phrases of RFC 9110 section 15 for the statuses looplab's client and server use.
    struct Phrase {
        int status;
        std::string_view text;
    };
    static constexpr Phrase kPhrases[] = {
        {100, "Continue"},
        {101, "Switching Protocols"},
        {103, "Early Hints"},
        {200, "OK"},
        {201, "Created"},
        {202, "Accepted"},
        {204, "No Content"},
        {206, "Partial Content"},
        {301, "Moved Permanently"},
        {302, "Found"},
        {303, "See Other"},
        {304, "Not Modified"},
        {307, "Temporary Redirect"},
        {308, "Permanent Redirect"},
        {400, "Bad Request"},
        {401, "Unauthorized"},
        {403, "Forbidden"},
        {404, "Not Found"},
        {405, "Method Not Allowed"},
        {408, "Request Timeout"},
        {409, "Conflict"},
        {411, "Length Required"},
        {413, "Content Too Large"},
        {414, "URI Too Long"},
        {415, "Unsupported Media Type"},
        {417, "Expectation Failed"},
        {426, "Upgrade Required"},
        {429, "Too Many Requests"},
        {431, "Request Header Fields Too Large"},
        {500, "Internal Server Error"},
        {501, "Not Implemented"},
        {502, "Bad Gateway"},
        {503, "Service Unavailable"},
        {504, "Gateway Timeout"},
        {505, "HTTP Version Not Supported"},
    };
    for (const Phrase& phrase : kPhrases)
        if (phrase.status == status) return phrase.text;
    return {};
}

}  // namespace looplab::http
