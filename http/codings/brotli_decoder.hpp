// http/codings/brotli_decoder.hpp: br bodies (RFC 7932) through libbrotlidec.
//
// Python:  brotli.Decompressor, as aiohttp and urllib3 use it
//
// Built only when CMake found libbrotlidec (Debian: libbrotli-dev); without it, "br" is not in
// Accept-Encoding and a br body is passed through as it came.
#pragma once

#include "http/codings/decoder.hpp"

struct BrotliDecoderStateStruct;

namespace looplab::http::codings {

class BrotliDecoder final : public Decoder {
public:
    BrotliDecoder();
    ~BrotliDecoder() override;
    BrotliDecoder(const BrotliDecoder&) = delete;
    BrotliDecoder& operator=(const BrotliDecoder&) = delete;

    bool decode(std::string_view in, std::string& out, std::size_t max_out) override;
    void finish() override;
    std::string_view name() const noexcept override { return "br"; }

private:
    BrotliDecoderStateStruct* state_;
    bool ended_ = false;
    bool seen_input_ = false;
};

}  // namespace looplab::http::codings
