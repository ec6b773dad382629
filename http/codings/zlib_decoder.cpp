// http/codings/zlib_decoder.cpp: see zlib_decoder.hpp.
#include "http/codings/zlib_decoder.hpp"

#include <array>
#include <string>

namespace looplab::http::codings {

namespace {

constexpr int kGzipWindow = 16 + MAX_WBITS;  // gzip wrapper only
constexpr int kZlibWindow = MAX_WBITS;       // zlib wrapper (RFC 1950)
constexpr int kRawWindow = -MAX_WBITS;       // no wrapper (RFC 1951)
constexpr std::size_t kOutChunk = 16 * 1024;

// RFC 1950 2.2: CM = 8 (deflate), CINFO <= 7, and the header's 16 bits a multiple of 31.
bool is_zlib_header(unsigned char cmf, unsigned char flg) {
    return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0;
}

}  // namespace

ZlibDecoder::ZlibDecoder(Format format) : format_(format) {}

ZlibDecoder::~ZlibDecoder() {
    if (started_) inflateEnd(&stream_);
}

void ZlibDecoder::fail(const char* what) const {
    std::string message = std::string(name()) + " data is " + what;
    if (stream_.msg != nullptr) message += std::string(" (zlib: ") + stream_.msg + ")";
    throw DecodingError(message);
}

bool ZlibDecoder::start(std::string_view in) {
    int window = kGzipWindow;
    if (format_ == Format::deflate) {
        header_.append(in.substr(0, 2 - header_.size()));
        if (header_.size() < 2) return false;  // one byte cannot decide yet
        window = is_zlib_header(static_cast<unsigned char>(header_[0]),
                                static_cast<unsigned char>(header_[1]))
                     ? kZlibWindow
                     : kRawWindow;
    }
    if (inflateInit2(&stream_, window) != Z_OK) throw DecodingError("zlib: out of memory");
    started_ = true;
    return true;
}

bool ZlibDecoder::decode(std::string_view in, std::string& out, std::size_t max_out) {
    if (in.empty()) return true;
    seen_input_ = true;
    std::string held;  // deflate: the byte that waited for the format decision, and `in`
    if (!started_) {
        const std::string first = header_;
        if (!start(in)) return true;
        header_.clear();
        if (!first.empty()) {
            held = first;
            held.append(in);
            in = held;
        }
    }
    stream_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    stream_.avail_in = static_cast<uInt>(in.size());
    const std::size_t limit = out.size() + max_out;
    std::array<char, kOutChunk> buffer;
    for (;;) {
        if (ended_ && stream_.avail_in > 0) {
            // Another gzip member follows (RFC 1952 2.2); after deflate, nothing may.
            if (format_ == Format::deflate) fail("followed by bytes after the end of its stream");
            if (inflateReset(&stream_) != Z_OK) fail("corrupt");
            ended_ = false;
        }
        stream_.next_out = reinterpret_cast<Bytef*>(buffer.data());
        stream_.avail_out = static_cast<uInt>(buffer.size());
        const int rc = inflate(&stream_, Z_NO_FLUSH);
        const std::size_t produced = buffer.size() - stream_.avail_out;
        if (rc == Z_STREAM_END) {
            ended_ = true;
        } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && produced == 0)) {
            fail("corrupt");
        }
        if (out.size() + produced > limit) return false;
        out.append(buffer.data(), produced);
        // A member ended: Z_STREAM_END comes only once all its output is out, so what is left
        // of the input (possibly after a call that produced nothing) is the next member's.
        if (ended_) {
            if (stream_.avail_in == 0) return true;
            continue;
        }
        // Done when the input is used up and zlib holds no more output (it filled less than
        // the whole buffer), or when it can make no progress until more input comes.
        if (produced == 0 || (stream_.avail_in == 0 && stream_.avail_out > 0)) return true;
    }
}

void ZlibDecoder::finish() {
    if (!seen_input_) return;
    if (!started_ || !ended_) fail("truncated (the body ended inside the compressed stream)");
}

}  // namespace looplab::http::codings
