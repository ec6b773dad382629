// http/client/peer_hint.cpp: see peer_hint.hpp.
#include "http/client/peer_hint.hpp"

#include <algorithm>

#include "http/client/origin_key.hpp"
#include "http/client/tls_info.hpp"

namespace looplab::http::detail {

namespace {

constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

// RFC 9113 4.1: length (24 bits), type, flags, R + stream identifier (31 bits).
bool is_http2_settings_frame(std::string_view b) noexcept {
    if (b.size() < 9) return false;
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(b[i]); };
    const unsigned length = (byte(0) << 16) | (byte(1) << 8) | byte(2);
    const bool settings = byte(3) == 0x04 && (byte(4) & ~0x01u) == 0;
    const bool stream_zero = byte(5) == 0 && byte(6) == 0 && byte(7) == 0 && byte(8) == 0;
    return settings && stream_zero && length % 6 == 0 && length <= 16384;
}

bool starts_http2_preface(std::string_view b) noexcept {
    // "PRI * HTTP/2.0" is enough to tell: no HTTP/1.x status line starts with "PRI ".
    const std::size_t n = std::min(b.size(), kHttp2Preface.size());
    return n >= 14 && b.substr(0, n) == kHttp2Preface.substr(0, n);
}

}  // namespace

PeerKind peer_kind(std::string_view first_bytes) noexcept {
    if (looks_like_tls(first_bytes)) return PeerKind::tls;
    if (starts_http2_preface(first_bytes) || is_http2_settings_frame(first_bytes)) {
        return PeerKind::http2;
    }
    return PeerKind::unknown;
}

std::string malformed_head_message(const Url& url, std::string_view detail,
                                   std::string_view first_bytes) {
    const std::string server = "the server at " + origin_key(url);
    switch (peer_kind(first_bytes)) {
        case PeerKind::tls:
            if (url.is_tls()) break;  // a TLS record inside TLS: no advice to give
            return server + " answered with TLS, not HTTP: use https://" + origin_key(url) +
                   url.target() + " (" + std::string(detail) + ")";
        case PeerKind::http2:
            return server +
                   " speaks HTTP/2 only (it answered with an HTTP/2 frame), and looplab speaks "
                   "HTTP/1.1: use an HTTP/1.1 endpoint (" +
                   std::string(detail) + ")";
        case PeerKind::unknown:
            break;
    }
    return "malformed response from " + url.str() + ": " + std::string(detail);
}

}  // namespace looplab::http::detail
