// tests/http/support/compress.hpp: compressed bodies for the decoding tests, made with zlib
// (gzip, zlib-wrapped deflate and raw deflate) and one brotli fixture.
//
// Python:  gzip.compress / zlib.compress, as aiohttp's test_client_functional makes its bodies
#pragma once

#include <zlib.h>

#include <stdexcept>
#include <string>
#include <string_view>

namespace looplab::http::testing {

enum class Wrapper { gzip, zlib, raw };

// `text` compressed with deflate inside the given wrapper.
inline std::string compress(std::string_view text, Wrapper wrapper) {
    z_stream z{};
    const int bits = wrapper == Wrapper::gzip   ? 16 + MAX_WBITS
                     : wrapper == Wrapper::zlib ? MAX_WBITS
                                                : -MAX_WBITS;
    if (deflateInit2(&z, 6, Z_DEFLATED, bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("deflateInit2");
    std::string out(deflateBound(&z, static_cast<uLong>(text.size())) + 32, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
    z.avail_in = static_cast<uInt>(text.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("deflate");
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

inline std::string gzip(std::string_view text) {
    return compress(text, Wrapper::gzip);
}

// 40 times "brotli body, line of text; " (1,080 bytes), compressed by libbrotlienc at quality 5.
inline const std::string kBrotliText = [] {
    std::string s;
    for (int i = 0; i < 40; ++i) s += "brotli body, line of text; ";
    return s;
}();
inline const std::string kBrotliBody(
    "\x1b\x37\x04\x00\x04\xca\x6d\xa9\x1e\xdd\xd0\x6c\x6d\x38\x61\x30\x7c\x90\x0f\x1a\x1d\x46\x95"
    "\xeb\x71\xe5\x2e\x42\xeb\x0f\xba\x4e\xa2\x8d\xf3\x79\x62",
    37);

// A body in chunked framing, `piece` bytes per chunk.
inline std::string chunked(std::string_view body, std::size_t piece = 100) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t at = 0; at < body.size(); at += piece) {
        const std::string_view chunk = body.substr(at, piece);
        std::string size;
        for (std::size_t n = chunk.size(); n > 0; n /= 16) size.insert(size.begin(), kHex[n % 16]);
        out += size + "\r\n" + std::string(chunk) + "\r\n";
    }
    return out + "0\r\n\r\n";
}

}  // namespace looplab::http::testing
