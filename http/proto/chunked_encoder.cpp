// http/proto/chunked_encoder.cpp: chunked transfer-coding output (http/proto/chunked_encoder.hpp).
#include "http/proto/chunked_encoder.hpp"

#include <charconv>
#include <stdexcept>

#include "http/proto/detail/grammar.hpp"

namespace looplab::http {

void ChunkedEncoder::write_chunk_header(std::string& out, std::size_t size) {
    if (finished_) throw std::logic_error("ChunkedEncoder: chunk written after the last chunk");
    if (size == 0)
        throw std::invalid_argument("ChunkedEncoder: a zero-size chunk would end the body");
    char digits[16];
    const auto result = std::to_chars(digits, digits + sizeof digits, size, 16);
    out.append(digits, result.ptr);
    out += "\r\n";
}

void ChunkedEncoder::write_chunk(std::string& out, std::string_view data) {
    if (finished_) throw std::logic_error("ChunkedEncoder: chunk written after the last chunk");
    if (data.empty()) return;
    write_chunk_header(out, data.size());
    out += data;
    out += "\r\n";
}

void ChunkedEncoder::write_last_chunk(std::string& out, const Headers& trailers) {
    if (finished_) throw std::logic_error("ChunkedEncoder: last chunk written twice");
    for (const HeaderField& field : trailers) detail::check_outgoing_field(field.name, field.value);
    out += "0\r\n";
    for (const HeaderField& field : trailers) {
        out += field.name;
        out += ": ";
        out += field.value;
        out += "\r\n";
    }
    out += "\r\n";
    finished_ = true;
}

}  // namespace looplab::http
