// http/codings/decoder.hpp: one content-coding's decoder (gzip, deflate, br), fed a body piece
// by piece, and the limits that keep a small compressed body from becoming a huge one.
//
// aiohttp: ZLibDecompressor / BrotliDecoder behind HttpPayloadParser (aiohttp/compression_utils.py)
// urllib3: GzipDecoder, DeflateDecoder, BrotliDecoder (urllib3/response.py)
// curl:    lib/content_encoding.c, the writer chain that decodes --compressed bodies
//
// Why a room of its own (looplab::http_codings, http/codings/): the decoders are sans-I/O like
// the parsers (bytes in, bytes out, no sockets, no loop), but they need zlib and libbrotlidec,
// and http/proto's target links nothing but the standard library. So they sit beside it, and
// only http/client (which decodes what servers send) links them.
//
// Streaming: decode() takes whatever piece of the encoded body has arrived, of any size, even
// one byte, and appends what it decodes to; nothing is buffered but the codec's own window, so
// a 1 GB download never sits in memory twice. finish() says whether the encoded stream really
// ended: a gzip body cut inside its stream is an error, never a short success.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace looplab::http::codings {

// Corrupt or truncated encoded data, an unknown coding where one is required, or a body past
// DecodeLimits. The message names the coding and what was wrong.
class DecodingError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The decompression-bomb cap: a few kilobytes of gzip can inflate to gigabytes (deflate's best
// ratio is about 1:1032, and codings can be stacked). A body decoding to more than max_size
// bytes fails, and so does one that, past its first ratio_grace bytes, has decoded to more
// than max_ratio times the bytes it came from. Checked while decoding, before the output is
// produced, so memory stays bounded by the limit whatever the input.
struct DecodeLimits {
    std::uint64_t max_size = 256ull * 1024 * 1024;  // 256 MiB decoded
    double max_ratio = 1000;                        // decoded bytes per encoded byte
    std::uint64_t ratio_grace = 1024 * 1024;        // small bodies may compress as well as they can
};

class Decoder {
public:
    virtual ~Decoder() = default;

    // Decodes `in` (the next piece of the encoded stream), appending to `out` at most
    // `max_out` bytes; returns false if there was more output than that (the caller then fails
    // the body: the decoder's state is not usable afterwards). Throws DecodingError for corrupt
    // data, or data after the end of the stream.
    virtual bool decode(std::string_view in, std::string& out, std::size_t max_out) = 0;
    // The encoded stream is over: throws DecodingError unless it ended properly (a body with no
    // bytes at all counts as empty, as curl and browsers take it).
    virtual void finish() = 0;
    // "gzip", "deflate", "br": for messages.
    virtual std::string_view name() const noexcept = 0;
};

// Which codings this build decodes, and the decoder for each: supported_codings.hpp.

}  // namespace looplab::http::codings
