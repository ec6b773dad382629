// tests/fuzz/response_parser_fuzz.cpp: libFuzzer target for ResponseParser (the client side).
//
// h11: fuzz/afl-server.py drives h11.Connection the same way
//
// The first input byte picks the request method the response answers (GET, HEAD, CONNECT,
// POST), whether the peer closes after the bytes (feed_eof), whether the bytes go in through
// feed() or prepare()/commit(), whether the limits are tiny (so the limit paths are reached by
// small inputs), and the client's lenient reading or a strict one. The rest is what the server
// sent. Invariants checked, besides "no crash, no leak, no undefined behaviour":
//   1. fed whole, one byte at a time, or 7 at a time, the parser reports the same events and
//      the same error (sans-I/O's central promise: the split of the bytes does not matter);
//   2. a complete final response to GET, written back out by the serialiser, parses to the
//      same status, reason, fields and body (what we write, we read);
//   3. strict only refuses: bytes a strict parser reads without an error, the lenient one reads
//      as the same events.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "http/proto/response_parser.hpp"
#include "http/proto/serializer.hpp"
#include "support/fuzz_check.hpp"

namespace looplab::http::fuzz {
namespace {

constexpr std::string_view kMethods[] = {"GET", "HEAD", "CONNECT", "POST"};
constexpr int kMaxMessages = 8;  // responses read from one input, to bound the work per input

struct Options {
    std::string_view method;
    bool eof = false;
    bool use_prepare = false;
    ParserLimits limits;
    Strictness strictness = Strictness::lenient;
};

Options options_from(std::uint8_t flags) {
    Options options;
    options.method = kMethods[flags & 3];
    options.eof = (flags & 4) != 0;
    options.use_prepare = (flags & 8) != 0;
    if ((flags & 16) != 0) {
        options.limits.max_line_size = 40;
        options.limits.max_head_size = 120;
        options.limits.max_header_count = 4;
        options.limits.max_body_size = 64;
    }
    if ((flags & 32) != 0) options.strictness = Strictness::strict;
    return options;
}

// The first complete final response, kept for the round trip.
struct FirstResponse {
    bool complete = false;
    ResponseHead head;
    std::string body;
};

class Run {
public:
    explicit Run(const Options& options)
        : options_(options), parser_(options.method, options.limits, options.strictness) {}

    // Feeds `wire` in pieces of `piece` bytes (0: all at once) and returns the event log.
    std::string feed_all(std::string_view wire, std::size_t piece) {
        if (piece == 0) piece = wire.size() + 1;
        for (std::size_t at = 0; at < wire.size() && !stopped_; at += piece) {
            hand_over(wire.substr(at, piece));
            drain();
        }
        if (options_.eof && !stopped_) {
            parser_.feed_eof();
            drain();
        }
        return log_.text();
    }

    const FirstResponse& first() const { return first_; }
    bool failed() const { return failed_; }

private:
    void hand_over(std::string_view bytes) {
        if (!options_.use_prepare) {
            parser_.feed(bytes);
            return;
        }
        const std::span<char> space = parser_.prepare(bytes.size());
        check(space.size() >= bytes.size(), "prepare() gives at least the space asked for");
        bytes.copy(space.data(), bytes.size());
        parser_.commit(bytes.size());
    }

    void drain() {
        while (!stopped_) {
            ResponseEvent event;
            try {
                event = parser_.next_event();
            } catch (const ProtocolError& error) {
                log_.event("error " + std::to_string(error.status()) + " " + error.what());
                check(!parser_.keep_alive(), "keep_alive() is false after an error");
                failed_ = true;
                stopped_ = true;
                return;
            }
            if (std::holds_alternative<NeedData>(event) || std::holds_alternative<Paused>(event))
                return;
            on_event(event);
        }
    }

    void on_event(ResponseEvent& event) {
        if (auto* info = std::get_if<InformationalResponse>(&event)) {
            check(info->status >= 100 && info->status < 200, "informational means 1xx");
            log_.event("info " + std::to_string(info->status) + " " + describe(info->headers));
        } else if (auto* head = std::get_if<ResponseHead>(&event)) {
            check(head->status >= 100 && head->status <= 999, "a status has three digits");
            log_.event("head " + describe(head->version) + " " + std::to_string(head->status) +
                       " [" + head->reason + "] " + describe(head->headers) + " keep-alive " +
                       std::to_string(parser_.keep_alive()));
            if (messages_ == 0) first_.head = *head;
        } else if (auto* data = std::get_if<Data>(&event)) {
            log_.data(data->bytes);
            if (messages_ == 0) first_.body += data->bytes;
        } else if (auto* end = std::get_if<EndOfMessage>(&event)) {
            log_.event("end " + describe(end->trailers));
            on_end_of_message();
        } else if (std::holds_alternative<ConnectionClosed>(event)) {
            log_.event("closed");
            stopped_ = true;
        }
    }

    void on_end_of_message() {
        if (messages_ == 0) first_.complete = true;
        if (++messages_ >= kMaxMessages || !parser_.keep_alive()) {
            stopped_ = true;
            return;
        }
        parser_.start_next_message(options_.method);
    }

    Options options_;
    ResponseParser parser_;
    EventLog log_;
    FirstResponse first_;
    int messages_ = 0;
    bool stopped_ = false;
    bool failed_ = false;
};

// The fields the serialiser writes itself from OutgoingBody, and refuses to be given.
Headers without_framing(Headers headers) {
    headers.remove("Content-Length");
    headers.remove("Transfer-Encoding");
    return headers;
}

// Invariant 2: serialise the first response again and parse it back.
void check_round_trip(const Options& options, const FirstResponse& first) {
    const ResponseHead& head = first.head;
    if (!first.complete || options.method != "GET" || head.status < 200 || head.status == 204 ||
        head.status == 304)
        return;
    const Headers fields = without_framing(head.headers);
    std::string wire;
    write_response_head(wire, head.status, fields, OutgoingBody::of_length(first.body.size()),
                        head.reason.empty() ? std::string_view("-") : head.reason);
    wire += first.body;

    Options again = options;
    again.eof = false;
    again.limits = ParserLimits{};  // the serialised form may be a little longer
    Run reparse(again);
    reparse.feed_all(wire, 0);
    const FirstResponse& copy = reparse.first();
    check(copy.complete, "a serialised response parses completely");
    check_equal("round trip: status", std::to_string(head.status),
                std::to_string(copy.head.status));
    if (!head.reason.empty()) check_equal("round trip: reason", head.reason, copy.head.reason);
    check_equal("round trip: fields", describe(fields),
                describe(without_framing(copy.head.headers)));
    check_equal("round trip: body", first.body, copy.body);
}

}  // namespace
}  // namespace looplab::http::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace looplab::http::fuzz;
    if (size == 0) return 0;
    const Options options = options_from(data[0]);
    const std::string_view wire(reinterpret_cast<const char*>(data + 1), size - 1);

    Run whole(options);
    const std::string expected = whole.feed_all(wire, 0);
    for (std::size_t piece : kPieceSizes) {
        if (piece == 0) continue;
        Run split(options);
        check_equal(
            "the same events however the bytes are split (piece " + std::to_string(piece) + ")",
            expected, split.feed_all(wire, piece));
    }
    check_round_trip(options, whole.first());
    // Invariant 3.
    if (options.strictness == looplab::http::Strictness::strict && !whole.failed()) {
        Options lenient = options;
        lenient.strictness = looplab::http::Strictness::lenient;
        check_equal("a lenient parser reads what the strict one accepts the same way", expected,
                    Run(lenient).feed_all(wire, 0));
    }
    return 0;
}
