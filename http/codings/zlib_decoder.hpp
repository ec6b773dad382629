// http/codings/zlib_decoder.hpp: gzip and deflate bodies through zlib's inflate.
//
// Python:  zlib.decompressobj(16 + MAX_WBITS) for gzip, urllib3's DeflateDecoder for deflate
//
// "deflate" is, by RFC 9110 8.4.1.2, a zlib stream (RFC 1950); some servers (old IIS, some
// frameworks) send a raw deflate stream (RFC 1951) under the same name. Like browsers, urllib3
// and curl, the first two bytes decide: a valid zlib header means zlib, anything else is tried
// as raw deflate. A gzip body may hold several members one after another (RFC 1952 2.2, what
// `cat a.gz b.gz` makes); each is decoded in turn.
#pragma once

#include <zlib.h>

#include "http/codings/decoder.hpp"

namespace looplab::http::codings {

class ZlibDecoder final : public Decoder {
public:
    enum class Format { gzip, deflate };

    explicit ZlibDecoder(Format format);
    ~ZlibDecoder() override;
    ZlibDecoder(const ZlibDecoder&) = delete;
    ZlibDecoder& operator=(const ZlibDecoder&) = delete;

    bool decode(std::string_view in, std::string& out, std::size_t max_out) override;
    void finish() override;
    std::string_view name() const noexcept override {
        return format_ == Format::gzip ? "gzip" : "deflate";
    }

private:
    // For deflate, the window bits chosen from the stream's first bytes (zlib or raw).
    bool start(std::string_view in);
    [[noreturn]] void fail(const char* what) const;

    Format format_;
    z_stream stream_{};
    std::string header_;    // deflate: the first byte, kept until the second decides the format
    bool started_ = false;  // inflateInit2 ran
    bool ended_ = false;    // Z_STREAM_END seen for the last member so far
    bool seen_input_ = false;
};

}  // namespace looplab::http::codings
