// tests/fuzz/request_parser_fuzz.cpp: libFuzzer target for RequestParser (the server side),
// the parser that reads whatever any client on the network sends.
//
// h11: fuzz/afl-server.py; aiohttp: the llhttp fuzzers it inherits
//
// The first input byte chooses whether the client closes after the bytes (feed_eof), feed()
// or prepare()/commit(), the server's default limits or tiny ones, and the server's strict
// reading or a lenient one. The rest is the bytes from the client, possibly several pipelined
// requests. Invariants, besides "no crash, no leak, no undefined behaviour":
//   1. whole, one byte at a time or 7 at a time: the same events and the same error;
//   2. an error's status is one a server may answer with (400, 413, 414, 431, 501, 505);
//   3. a complete request with a Host field, written back out by the serialiser, parses to
//      the same method, target, fields and body;
//   4. strict only refuses: bytes the strict parser reads without an error, a lenient parser
//      reads as the same events (http/proto/strictness.hpp: strictness removes readings, it
//      never changes one).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "http/proto/request_parser.hpp"
#include "http/proto/serializer.hpp"
#include "support/fuzz_check.hpp"

namespace looplab::http::fuzz {
namespace {

constexpr int kMaxMessages = 8;  // pipelined requests read from one input

struct Options {
    bool eof = false;
    bool use_prepare = false;
    ParserLimits limits = ParserLimits::for_requests();
    Strictness strictness = Strictness::strict;
};

Options options_from(std::uint8_t flags) {
    Options options;
    options.eof = (flags & 1) != 0;
    options.use_prepare = (flags & 2) != 0;
    if ((flags & 4) != 0) {
        options.limits.max_line_size = 40;
        options.limits.max_head_size = 120;
        options.limits.max_header_count = 4;
        options.limits.max_body_size = 64;
    }
    if ((flags & 8) != 0) options.strictness = Strictness::lenient;
    return options;
}

bool is_server_status(int status) {
    return status == 400 || status == 413 || status == 414 || status == 431 || status == 501 ||
           status == 505;
}

struct FirstRequest {
    bool complete = false;
    RequestHead head;
    std::string body;
};

class Run {
public:
    explicit Run(const Options& options)
        : options_(options), parser_(options.limits, options.strictness) {}

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

    const FirstRequest& first() const { return first_; }
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
            RequestEvent event;
            try {
                event = parser_.next_event();
            } catch (const ProtocolError& error) {
                check(is_server_status(error.status()), "an error carries a server status");
                log_.event("error " + std::to_string(error.status()) + " " + error.what());
                failed_ = true;
                stopped_ = true;
                return;
            }
            if (std::holds_alternative<NeedData>(event) || std::holds_alternative<Paused>(event))
                return;
            on_event(event);
        }
    }

    void on_event(RequestEvent& event) {
        if (auto* head = std::get_if<RequestHead>(&event)) {
            log_.event("head " + head->method + " " + head->target + " " + describe(head->version) +
                       " " + describe(head->headers) + " keep-alive " +
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
        parser_.start_next_message();
    }

    Options options_;
    RequestParser parser_;
    EventLog log_;
    FirstRequest first_;
    int messages_ = 0;
    bool stopped_ = false;
    bool failed_ = false;
};

Headers without_framing(Headers headers) {
    headers.remove("Content-Length");
    headers.remove("Transfer-Encoding");
    return headers;
}

// Invariant 3: serialise the first request again and parse it back.
void check_round_trip(const FirstRequest& first) {
    const RequestHead& head = first.head;
    const auto host = head.headers.get("Host");
    if (!first.complete || !host) return;
    const Headers fields = without_framing(head.headers);
    std::string wire;
    write_request_head(
        wire, head.method, head.target, *host, fields,
        first.body.empty() ? OutgoingBody::none() : OutgoingBody::of_length(first.body.size()));
    wire += first.body;

    Options again;
    again.limits = ParserLimits{};  // the serialised form may be a little longer
    Run reparse(again);
    reparse.feed_all(wire, 0);
    const FirstRequest& copy = reparse.first();
    check(copy.complete, "a serialised request parses completely");
    check_equal("round trip: method", head.method, copy.head.method);
    check_equal("round trip: target", head.target, copy.head.target);
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
    check_round_trip(whole.first());
    // Invariant 4.
    if (options.strictness == looplab::http::Strictness::strict && !whole.failed()) {
        Options lenient = options;
        lenient.strictness = looplab::http::Strictness::lenient;
        check_equal("a lenient parser reads what the strict one accepts the same way", expected,
                    Run(lenient).feed_all(wire, 0));
    }
    return 0;
}
