// http/codings/supported_codings.cpp: see supported_codings.hpp. LOOPLAB_HAVE_BROTLI is defined
// by CMake when libbrotlidec was found.
#include "http/codings/supported_codings.hpp"

#include "http/codings/zlib_decoder.hpp"
#include "http/proto/detail/grammar.hpp"

#ifdef LOOPLAB_HAVE_BROTLI
#include "http/codings/brotli_decoder.hpp"
#endif

namespace looplab::http::codings {

using http::detail::iequals;

std::unique_ptr<Decoder> make_decoder(std::string_view coding) {
    // "x-gzip" is gzip's old name, which RFC 9110 8.4.1.3 says to accept as gzip.
    if (iequals(coding, "gzip") || iequals(coding, "x-gzip"))
        return std::make_unique<ZlibDecoder>(ZlibDecoder::Format::gzip);
    if (iequals(coding, "deflate"))
        return std::make_unique<ZlibDecoder>(ZlibDecoder::Format::deflate);
#ifdef LOOPLAB_HAVE_BROTLI
    if (iequals(coding, "br")) return std::make_unique<BrotliDecoder>();
#endif
    return nullptr;
}

bool can_decode(std::string_view coding) {
    return iequals(coding, "gzip") || iequals(coding, "x-gzip") || iequals(coding, "deflate") ||
#ifdef LOOPLAB_HAVE_BROTLI
           iequals(coding, "br") ||
#endif
           false;
}

std::string_view accept_encoding() noexcept {
#ifdef LOOPLAB_HAVE_BROTLI
    return "gzip, deflate, br";
#else
    return "gzip, deflate";
#endif
}

}  // namespace looplab::http::codings
