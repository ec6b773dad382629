// http/codings/supported_codings.hpp: the codings this build decodes, by name, and a decoder for
// each; what the clients offer in Accept-Encoding.
//
// aiohttp: the `br` entry of its Accept-Encoding appears only when a brotli module is importable
// curl:    Curl_all_content_encodings(), the --compressed list built from what was compiled in
//
// Apart from decoder.hpp because it names the concrete decoders (zlib_decoder.hpp,
// brotli_decoder.hpp), which themselves implement decoder.hpp's interface: one file for the
// interface, one for the list, and no two units that include each other.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "http/codings/decoder.hpp"

namespace looplab::http::codings {

// The decoder for one coding name (case-insensitive: "gzip", "x-gzip", "deflate", "br"), or
// null for a coding this build cannot decode.
std::unique_ptr<Decoder> make_decoder(std::string_view coding);

// Whether make_decoder knows the coding ("identity" is no coding at all and is not listed).
bool can_decode(std::string_view coding);

// The Accept-Encoding value for what this build decodes: "gzip, deflate, br", or
// "gzip, deflate" without libbrotlidec.
std::string_view accept_encoding() noexcept;

}  // namespace looplab::http::codings
