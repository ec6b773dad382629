// tests/fuzz/support/fuzz_check.hpp: what the fuzz targets share: a failed invariant that
// stops the fuzzer, a one-line description of a parser event, and the byte splits compared.
//
// CPython: the hypothesis-driven round-trip tests of email/urllib; h11: fuzz/ in its repository
//
// A fuzz target that only checks "does not crash" finds memory errors and nothing else. These
// targets also check invariants that must hold for every input (the same bytes split
// differently give the same events; what the serialiser writes, the parser reads back the same),
// and a broken invariant must be reported exactly like a crash: libFuzzer then saves the input
// as a crash-* file. abort() does that; gtest is not linked into fuzzers (libFuzzer provides
// main()).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/proto/headers.hpp"
#include "http/proto/message.hpp"

namespace looplab::http::fuzz {

// Prints both sides of a broken invariant and aborts (libFuzzer records the input).
[[noreturn]] inline void fail(std::string_view invariant, std::string_view expected,
                              std::string_view actual) {
    std::fprintf(stderr, "\n*** invariant broken: %.*s\n--- expected:\n%.*s\n--- actual:\n%.*s\n",
                 static_cast<int>(invariant.size()), invariant.data(),
                 static_cast<int>(expected.size()), expected.data(),
                 static_cast<int>(actual.size()), actual.data());
    std::abort();
}

inline void check_equal(std::string_view invariant, std::string_view expected,
                        std::string_view actual) {
    if (expected != actual) fail(invariant, expected, actual);
}

inline void check(bool condition, std::string_view invariant) {
    if (!condition) fail(invariant, "true", "false");
}

inline std::string describe(const Headers& headers) {
    std::string out = "{";
    for (const HeaderField& field : headers) out += field.name + ": " + field.value + "; ";
    return out + "}";
}

inline std::string describe(HttpVersion version) {
    return "HTTP/" + std::to_string(version.major) + "." + std::to_string(version.minor);
}

// What a parser reported, as text that runs over different splits can compare. Consecutive
// Data events are merged (a split inside a body legitimately cuts one Data event in two), and
// NeedData / Paused are not logged (where they appear depends on the split).
class EventLog {
public:
    void event(std::string_view line) {
        flush_data();
        text_ += line;
        text_ += '\n';
    }
    void data(std::string_view bytes) {
        check(!bytes.empty(), "a Data event is never empty");
        data_ += bytes;
    }
    // The log so far, with any pending body bytes written out.
    const std::string& text() {
        flush_data();
        return text_;
    }

private:
    void flush_data() {
        if (data_.empty()) return;
        text_ += "data " + std::to_string(data_.size()) + " " + data_ + '\n';
        data_.clear();
    }

    std::string text_;  // one line per event
    std::string data_;  // body bytes not yet written to text_
};

// The piece sizes every parser target is run with: all at once (0), one byte at a time, and
// an odd size that splits CRLFs and chunk-size lines in varying places.
inline constexpr std::size_t kPieceSizes[] = {0, 1, 7};

}  // namespace looplab::http::fuzz
