// http/codings/brotli_decoder.cpp: see brotli_decoder.hpp. Compiled only with libbrotlidec
// (CMake defines LOOPLAB_HAVE_BROTLI when it finds it; otherwise this unit is empty).
#ifdef LOOPLAB_HAVE_BROTLI
#include "http/codings/brotli_decoder.hpp"

#include <brotli/decode.h>

#include <array>
#include <cstdint>
#include <string>

namespace looplab::http::codings {

BrotliDecoder::BrotliDecoder() : state_(BrotliDecoderCreateInstance(nullptr, nullptr, nullptr)) {
    if (state_ == nullptr) throw DecodingError("brotli: out of memory");
}

BrotliDecoder::~BrotliDecoder() {
    BrotliDecoderDestroyInstance(state_);
}

bool BrotliDecoder::decode(std::string_view in, std::string& out, std::size_t max_out) {
    if (in.empty()) return true;
    seen_input_ = true;
    if (ended_) throw DecodingError("br data is followed by bytes after the end of its stream");
    const auto* next_in = reinterpret_cast<const std::uint8_t*>(in.data());
    std::size_t avail_in = in.size();
    const std::size_t limit = out.size() + max_out;
    std::array<std::uint8_t, 16 * 1024> buffer;
    for (;;) {
        std::uint8_t* next_out = buffer.data();
        std::size_t avail_out = buffer.size();
        const BrotliDecoderResult rc = BrotliDecoderDecompressStream(
            state_, &avail_in, &next_in, &avail_out, &next_out, nullptr);
        const std::size_t produced = buffer.size() - avail_out;
        if (rc == BROTLI_DECODER_RESULT_ERROR) {
            throw DecodingError(std::string("br data is corrupt (brotli: ") +
                                BrotliDecoderErrorString(BrotliDecoderGetErrorCode(state_)) + ")");
        }
        if (out.size() + produced > limit) return false;
        out.append(reinterpret_cast<const char*>(buffer.data()), produced);
        if (rc == BROTLI_DECODER_RESULT_SUCCESS) {
            ended_ = true;
            if (avail_in > 0)
                throw DecodingError("br data is followed by bytes after the end of its stream");
            return true;
        }
        if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) return true;
        // NEEDS_MORE_OUTPUT: go round with an empty buffer.
    }
}

void BrotliDecoder::finish() {
    if (seen_input_ && !ended_)
        throw DecodingError("br data is truncated (the body ended inside the compressed stream)");
}

}  // namespace looplab::http::codings

#endif  // LOOPLAB_HAVE_BROTLI
