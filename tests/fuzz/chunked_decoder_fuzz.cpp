// tests/fuzz/chunked_decoder_fuzz.cpp: libFuzzer target for ChunkedDecoder on its own.
//
// h11: ChunkedReader is exercised by h11's fuzzers through the whole Connection; looplab's
//      decoder is a class of its own (http/proto/chunked_decoder.hpp says why), so it gets its own
//
// The first input byte chooses request or response rules for the trailers, default or tiny
// limits, and the kind's default strictness or the other one; the rest is a chunked body as it
// would follow a head. Invariants, besides memory safety:
//   1. a Data view lies inside the input it was decoded from, and the decoded bytes add up to
//      body_size();
//   2. decode()'s contract: a call that returns neither data nor done has consumed everything
//      useful, so calling again on what is left consumes nothing;
//   3. whole or one byte at a time: the same data, the same end, the same error;
//   4. a complete body, re-encoded by ChunkedEncoder (with its trailers), decodes to the same
//      data and trailers, strictly too (what we write is in the one canonical spelling);
//   5. strict only refuses: a body a strict decoder reads without an error, a lenient one
//      reads the same.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/proto/chunked_decoder.hpp"
#include "http/proto/chunked_encoder.hpp"
#include "http/proto/protocol_error.hpp"
#include "support/fuzz_check.hpp"

namespace looplab::http::fuzz {
namespace {

struct Outcome {
    std::string data;  // decoded body bytes
    bool done = false;
    std::string error;  // ProtocolError's status and message, if one was thrown
    Headers trailers;

    std::string describe_all() const {
        return "data " + std::to_string(data.size()) + " [" + data + "] done " +
               std::to_string(done) + " error [" + error + "] trailers " + describe(trailers);
    }
};

// One decode() call on `pending`, with invariant 1 checked; drops what was consumed.
bool decode_once(ChunkedDecoder& decoder, std::string& pending, Outcome& out) {
    const ChunkedDecoder::Step step = decoder.decode(pending);
    check(step.consumed <= pending.size(), "decode() consumes no more than it was given");
    if (!step.data.empty()) {
        check(step.data.data() >= pending.data() &&
                  step.data.data() + step.data.size() <= pending.data() + step.consumed,
              "Data points into the consumed part of the input");
        out.data += step.data;
    }
    pending.erase(0, step.consumed);
    if (step.done) out.done = true;
    return !step.data.empty() || step.done;
}

// Decodes what is in `pending` until the decoder needs more bytes or is done.
void decode_available(ChunkedDecoder& decoder, std::string& pending, Outcome& out) {
    while (!out.done && decode_once(decoder, pending, out)) {
    }
    if (out.done) return;
    // Invariant 2: nothing useful was left behind.
    const std::string before = pending;
    const ChunkedDecoder::Step again = decoder.decode(pending);
    check(again.consumed == 0 && again.data.empty() && !again.done,
          "after a call that needs more bytes, a second call does nothing");
    check_equal("pending bytes unchanged", before, pending);
}

Outcome decode(std::string_view wire, std::size_t piece, MessageKind kind,
               const ParserLimits& limits, Strictness strictness) {
    ChunkedDecoder decoder(kind, limits, strictness);
    Outcome out;
    std::string pending;
    if (piece == 0) piece = wire.size() + 1;
    try {
        for (std::size_t at = 0; at < wire.size() && !out.done; at += piece) {
            pending += wire.substr(at, piece);
            decode_available(decoder, pending, out);
        }
    } catch (const ProtocolError& error) {
        out.error = std::to_string(error.status()) + " " + error.what();
        return out;
    }
    check(decoder.body_size() == out.data.size(), "body_size() counts the decoded bytes");
    check(decoder.done() == out.done, "done() agrees with the steps");
    if (out.done) out.trailers = decoder.take_trailers();
    return out;
}

// Invariant 4.
void check_round_trip(const Outcome& original, MessageKind kind) {
    if (!original.done) return;
    std::string wire;
    ChunkedEncoder encoder;
    // Chunks of varying sizes, so the re-encoding does not mirror the original's.
    std::string_view rest = original.data;
    for (std::size_t size = 1; !rest.empty(); size = size * 3 + 1) {
        encoder.write_chunk(wire, rest.substr(0, size));
        rest.remove_prefix(std::min(size, rest.size()));
    }
    encoder.write_last_chunk(wire, original.trailers);
    const Outcome copy = decode(wire, 0, kind, ParserLimits{}, Strictness::strict);
    check_equal("round trip", original.describe_all(), copy.describe_all());
}

}  // namespace
}  // namespace looplab::http::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace looplab::http;
    using namespace looplab::http::fuzz;
    if (size == 0) return 0;
    const MessageKind kind = (data[0] & 1) != 0 ? MessageKind::request : MessageKind::response;
    ParserLimits limits;
    if ((data[0] & 2) != 0) {
        limits.max_line_size = 16;
        limits.max_head_size = 64;
        limits.max_header_count = 3;
        limits.max_body_size = 100;
    }
    Strictness strictness = default_strictness(kind);
    if ((data[0] & 4) != 0)
        strictness = strictness == Strictness::strict ? Strictness::lenient : Strictness::strict;
    const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);
    const Outcome whole = decode(wire, 0, kind, limits, strictness);
    const Outcome bytewise = decode(wire, 1, kind, limits, strictness);
    check_equal("the same outcome however the bytes are split", whole.describe_all(),
                bytewise.describe_all());
    check_round_trip(whole, kind);
    if (strictness == Strictness::strict && whole.error.empty())
        check_equal("a lenient decoder reads what the strict one accepts the same way",
                    whole.describe_all(),
                    decode(wire, 0, kind, limits, Strictness::lenient).describe_all());
    return 0;
}
