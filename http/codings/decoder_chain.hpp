// http/codings/decoder_chain.hpp: every coding a response body went through, undone in reverse
// order, under one DecodeLimits.
//
// aiohttp: HttpPayloadParser's decompression for Content-Encoding (one coding; aiohttp refuses
//          more); urllib3: MultiDecoder, which decodes "gzip, br" as br then gzip
// curl:    the writer stack of lib/content_encoding.c, one writer per coding
//
// A body may be encoded twice over: by its content-codings (Content-Encoding, what the
// resource is: "gzip, br" means gzip was applied, then br) and by transfer-codings before
// chunked (Transfer-Encoding: "gzip, chunked", applied by this hop). The parser removes the
// chunked framing; this chain undoes the rest, last applied first: transfer-codings, then
// content-codings. Content-codings it cannot decode (zstd, compress) leave the body as it came
// (aiohttp and requests do the same: the header says what the bytes are); an unknown
// transfer-coding never reaches here, since the parser already refused the message.
//
// The limits count the encoded bytes that went in and the decoded bytes that came out of the
// last decoder; every stage is held to the same output budget, so no intermediate stage can
// inflate past it either.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/codings/decoder.hpp"
#include "http/proto/headers.hpp"

namespace looplab::http::codings {

class DecoderChain {
public:
    // The chain for a response's headers: its transfer-codings other than chunked, and, if
    // `content` is true, its content-codings. Empty (is_identity()) when nothing is to be done.
    static DecoderChain for_response(const Headers& headers, bool content, DecodeLimits limits);

    DecoderChain() = default;
    DecoderChain(DecoderChain&&) noexcept = default;
    DecoderChain& operator=(DecoderChain&&) noexcept = default;

    bool is_identity() const noexcept { return stages_.empty(); }
    // "gzip", "gzip, br": the codings undone, in the order they were applied.
    const std::string& codings() const noexcept { return names_; }

    // Decodes the next piece of the body, appending to `out`. Throws DecodingError for corrupt
    // data or a body past the limits (its message says which limit, and its value).
    void decode(std::string_view in, std::string& out);
    // The body is over: DecodingError if a stream was cut short.
    void finish();

    std::uint64_t encoded_bytes() const noexcept { return in_; }
    std::uint64_t decoded_bytes() const noexcept { return out_; }

private:
    // How many more decoded bytes the limits allow, with `more_in` encoded bytes arriving.
    std::uint64_t budget(std::size_t more_in) const;
    [[noreturn]] void over_limit(std::size_t more_in) const;

    std::vector<std::unique_ptr<Decoder>> stages_;  // in decoding order: last applied first
    std::string names_;
    DecodeLimits limits_;
    std::uint64_t in_ = 0;
    std::uint64_t out_ = 0;
};

}  // namespace looplab::http::codings
