// http/proto/body_framing.cpp: RFC 9112 6.3's body-length rules
// (http/proto/detail/body_framing.hpp).
#include "http/proto/detail/body_framing.hpp"

#include <optional>
#include <string>
#include <vector>

#include "http/proto/detail/grammar.hpp"
#include "http/proto/protocol_error.hpp"

namespace looplab::http::detail {

namespace {

constexpr int kBadRequest = 400;
constexpr int kContentTooLarge = 413;
constexpr int kNotImplemented = 501;

using Kind = BodyFraming::Kind;

// RFC 9110 8.6 lets a recipient of "Content-Length: 5, 5" (or of two fields saying 5) either
// reject it or use the one value. A strict reader rejects: the repetition is what a proxy that
// added a field, or one that reads only the first, leaves behind, and a server cannot tell
// which of them it is talking to.
void check_single_content_length(const Headers& headers, Strictness strictness) {
    if (strictness != Strictness::strict) return;
    const std::vector<std::string_view> fields = headers.get_all("Content-Length");
    if (fields.size() > 1)
        throw ProtocolError("more than one Content-Length header (" + quote(fields[0]) + " and " +
                                quote(fields[1]) + ")",
                            kBadRequest);
    if (!fields.empty() && fields[0].find(',') != std::string_view::npos)
        throw ProtocolError(
            "invalid Content-Length " + quote(fields[0]) + " (one number, not a list)",
            kBadRequest);
}

// The single value of every Content-Length field together, or nullopt if there is none.
std::optional<std::uint64_t> content_length(const Headers& headers, Strictness strictness) {
    check_single_content_length(headers, strictness);
    std::optional<std::uint64_t> result;
    for (const std::string_view field : headers.get_all("Content-Length")) {
        // A field value may itself be a list ("5, 5") when an intermediary combined duplicates.
        bool any = false;
        for_each_list_element(field, [&](std::string_view element) {
            any = true;
            std::uint64_t value = 0;
            for (char c : element) {
                if (!is_digit(c))
                    throw ProtocolError(
                        "invalid Content-Length " + quote(field) + " (expected decimal digits)",
                        kBadRequest);
                const auto digit = static_cast<std::uint64_t>(c - '0');
                if (value > (UINT64_MAX - digit) / 10)
                    throw ProtocolError(
                        "Content-Length " + quote(element) + " is too large (overflows 64 bits)",
                        kBadRequest);
                value = value * 10 + digit;
            }
            if (result && *result != value)
                throw ProtocolError("conflicting Content-Length values (" +
                                        std::to_string(*result) + " and " + std::to_string(value) +
                                        ")",
                                    kBadRequest);
            result = value;
            return true;
        });
        if (!any)
            throw ProtocolError("invalid Content-Length " + quote(field) + " (empty)", kBadRequest);
    }
    return result;
}

const char* side_name(MessageKind kind) {
    return kind == MessageKind::request ? "request" : "response";
}

// The compression codings a response may list before chunked ("gzip, chunked"). The parser
// only removes the chunked framing; the client undoes these (http/codings/decoder_chain.hpp).
// A request's are still refused (501): the server decodes nothing but chunked.
bool is_response_compression(MessageKind kind, std::string_view coding) {
    return kind == MessageKind::response && (iequals(coding, "gzip") || iequals(coding, "x-gzip") ||
                                             iequals(coding, "deflate") || iequals(coding, "br"));
}

// Checks that the transfer-codings are "chunked" (RFC 9112 6.1, 7), after only compression
// codings the client decodes, in a response.
void check_transfer_coding(MessageKind kind, const Headers& headers, HttpVersion version) {
    const char* side = side_name(kind);
    if (headers.contains("Content-Length"))
        throw ProtocolError(std::string("both Transfer-Encoding and Content-Length in a ") + side +
                                " (ambiguous framing, rejected per RFC 9112 6.1)",
                            kBadRequest);
    if (version == HttpVersion{1, 0})
        throw ProtocolError(std::string("Transfer-Encoding in an HTTP/1.0 ") + side +
                                " (RFC 9112 6.1: its framing is faulty)",
                            kBadRequest);
    std::size_t count = 0;
    std::size_t chunked = 0;  // how many times "chunked" is listed
    bool last_is_chunked = false;
    std::string other;   // the first coding that is not "chunked"
    std::string listed;  // every coding, for the error message
    for (const std::string_view field : headers.get_all("Transfer-Encoding")) {
        for_each_list_element(field, [&](std::string_view coding) {
            last_is_chunked = iequals(coding, "chunked");
            if (last_is_chunked) ++chunked;
            if (!last_is_chunked && other.empty() && !is_response_compression(kind, coding))
                other.assign(coding);
            listed += (count++ == 0 ? "" : ", ");
            listed += coding;
            return true;
        });
    }
    if (count == 0) throw ProtocolError("empty Transfer-Encoding header", kBadRequest);
    // RFC 9112 6.1: a sender MUST NOT apply chunked more than once.
    if (chunked > 1)
        throw ProtocolError(
            "chunked applied more than once (Transfer-Encoding: " + quote(listed) + ")",
            kBadRequest);
    // RFC 9112 6.3 rule 4: without chunked last, the body's end cannot be found (400).
    if (!last_is_chunked)
        throw ProtocolError(
            "chunked must be the final transfer-coding (Transfer-Encoding: " + quote(listed) + ")",
            kBadRequest);
    // RFC 9112 6.1: a coding the server does not understand is answered 501.
    if (!other.empty())
        throw ProtocolError(
            "unsupported transfer-coding " + quote(other) +
                (kind == MessageKind::request ? " (looplab decodes only chunked)"
                                              : " (looplab decodes chunked, gzip, deflate and br)"),
            kNotImplemented);
}

BodyFraming framing_from_headers(MessageKind kind, const Headers& headers, HttpVersion version,
                                 const ParserLimits& limits, Strictness strictness) {
    if (headers.contains("Transfer-Encoding")) {
        check_transfer_coding(kind, headers, version);
        return {Kind::chunked, 0};
    }
    if (const auto length = content_length(headers, strictness)) {
        if (*length > limits.max_body_size)
            throw ProtocolError(std::string(side_name(kind)) + " body too large (Content-Length " +
                                    std::to_string(*length) + ", limit " +
                                    std::to_string(limits.max_body_size) + " bytes)",
                                kContentTooLarge);
        return {*length == 0 ? Kind::none : Kind::length, *length};
    }
    return {Kind::none, 0};
}

}  // namespace

BodyFraming request_body_framing(const RequestHead& head, const ParserLimits& limits,
                                 Strictness strictness) {
    // Rules 3-6: Transfer-Encoding, else Content-Length, else no body (rule 6: a request
    // without either has none; it is never read until close).
    return framing_from_headers(MessageKind::request, head.headers, head.version, limits,
                                strictness);
}

BodyFraming response_body_framing(const ResponseHead& head, std::string_view request_method,
                                  const ParserLimits& limits, Strictness strictness) {
    // Rule 1: no body, whatever the headers say (for HEAD, Content-Length describes the body a
    // GET would have had).
    if (request_method == "HEAD" || (head.status >= 100 && head.status < 200) ||
        head.status == 204 || head.status == 304) {
        return {head.status == 101 ? Kind::switched : Kind::none, 0};
    }
    // Rule 2: a successful CONNECT turns the connection into a tunnel.
    if (request_method == "CONNECT" && head.status >= 200 && head.status < 300)
        return {Kind::switched, 0};
    // Rules 3-5, then rule 8: no length given means the body runs until the server closes.
    BodyFraming framing =
        framing_from_headers(MessageKind::response, head.headers, head.version, limits, strictness);
    if (framing.kind == Kind::none && !head.headers.contains("Content-Length"))
        framing.kind = Kind::until_close;
    return framing;
}

}  // namespace looplab::http::detail
