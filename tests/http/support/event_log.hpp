// tests/http/support/event_log.hpp: runs a parser over a list of byte pieces and writes down
// what it reported, as a vector of strings that tests compare.
//
// The sans-I/O parsers promise that how the bytes are split into feed() calls never changes
// what they report. That promise is checked by running the same wire bytes whole, split at
// every offset, and one byte at a time, and comparing the logs. Two details make logs from
// different splits comparable: consecutive Data events are merged (a split inside a body
// legitimately cuts one Data event in two), and Paused is not logged (it shows up after every
// feed once a message is done, which depends on the split).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "http/proto/events.hpp"
#include "http/proto/request_parser.hpp"
#include "http/proto/response_parser.hpp"

namespace looplab::http::testing {

using Events = std::vector<std::string>;
using Pieces = std::vector<std::string_view>;

inline std::string describe(const Headers& headers) {
    std::string out = "{";
    for (const HeaderField& field : headers) {
        if (out.size() > 1) out += "; ";
        out += field.name + ": " + field.value;
    }
    return out + "}";
}

inline std::string describe(HttpVersion version) {
    return "HTTP/" + std::to_string(version.major) + "." + std::to_string(version.minor);
}

// Appends one event to the log, merging consecutive body data.
inline void log_data(Events& log, std::string_view bytes) {
    if (!log.empty() && log.back().rfind("data ", 0) == 0)
        log.back() += bytes;
    else
        log.push_back("data " + std::string(bytes));
}

struct ResponseScript {
    // The request method each successive response answers; after each EndOfMessage the runner
    // calls start_next_message() with the next one, if there is one and keep_alive() allows.
    std::vector<std::string> methods{"GET"};
    bool eof = false;  // feed_eof() after the last piece
    ParserLimits limits{};
    bool use_prepare = false;  // hand bytes over with prepare()/commit() instead of feed()
};

struct RequestScript {
    std::size_t messages = 1;  // start_next_message() until this many requests were started
    bool eof = false;
    ParserLimits limits = ParserLimits::for_requests();
    bool use_prepare = false;
};

template <class Parser>
void hand_over(Parser& parser, std::string_view piece, bool use_prepare) {
    if (!use_prepare) {
        parser.feed(piece);
        return;
    }
    const std::span<char> space = parser.prepare(piece.size());
    EXPECT_GE(space.size(), piece.size());
    std::copy(piece.begin(), piece.end(), space.begin());
    parser.commit(piece.size());
}

// Drains the parser's events into `log`; returns false once nothing more will come (an error or
// ConnectionClosed). `next` is called on Paused; it returns true if it started another message.
template <class Parser, class Next>
bool drain(Parser& parser, Events& log, Next&& next) {
    while (true) {
        std::decay_t<decltype(parser.next_event())> event;
        try {
            event = parser.next_event();
        } catch (const ProtocolError& error) {
            log.push_back(std::string("error ") + std::to_string(error.status()) + ": " +
                          error.what());
            return false;
        }
        bool keep_going = true;
        bool stop = false;
        std::visit(
            [&](auto& e) {
                using E = std::decay_t<decltype(e)>;
                if constexpr (std::is_same_v<E, NeedData>) {
                    keep_going = false;
                } else if constexpr (std::is_same_v<E, InformationalResponse>) {
                    log.push_back("informational " + describe(e.version) + " " +
                                  std::to_string(e.status) + " " + e.reason + " " +
                                  describe(e.headers));
                } else if constexpr (std::is_same_v<E, ResponseHead>) {
                    log.push_back("response " + describe(e.version) + " " +
                                  std::to_string(e.status) + " " + e.reason + " " +
                                  describe(e.headers) +
                                  (parser.keep_alive() ? " keep-alive" : " close"));
                } else if constexpr (std::is_same_v<E, RequestHead>) {
                    log.push_back("request " + e.method + " " + e.target + " " +
                                  describe(e.version) + " " + describe(e.headers) +
                                  (parser.keep_alive() ? " keep-alive" : " close"));
                } else if constexpr (std::is_same_v<E, Data>) {
                    EXPECT_FALSE(e.bytes.empty()) << "Data events are never empty";
                    log_data(log, e.bytes);
                } else if constexpr (std::is_same_v<E, EndOfMessage>) {
                    log.push_back(e.trailers.empty() ? "end" : "end " + describe(e.trailers));
                } else if constexpr (std::is_same_v<E, Paused>) {
                    if (!next()) keep_going = false;
                } else if constexpr (std::is_same_v<E, ConnectionClosed>) {
                    log.push_back("closed");
                    stop = true;
                }
            },
            event);
        if (stop) return false;
        if (!keep_going) return true;
    }
}

inline Events run_response_parser(const Pieces& pieces, const ResponseScript& script = {}) {
    ResponseParser parser(script.methods.at(0), script.limits);
    Events log;
    std::size_t next_method = 1;
    const auto next = [&] {
        if (next_method >= script.methods.size() || !parser.keep_alive()) return false;
        parser.start_next_message(script.methods[next_method++]);
        log.push_back("next");
        return true;
    };
    for (std::string_view piece : pieces) {
        hand_over(parser, piece, script.use_prepare);
        if (!drain(parser, log, next)) return log;
    }
    if (script.eof) {
        parser.feed_eof();
        drain(parser, log, next);
    }
    return log;
}

inline Events run_request_parser(const Pieces& pieces, const RequestScript& script = {}) {
    RequestParser parser(script.limits);
    Events log;
    std::size_t started = 1;
    const auto next = [&] {
        if (started >= script.messages || !parser.keep_alive()) return false;
        parser.start_next_message();
        ++started;
        log.push_back("next");
        return true;
    };
    for (std::string_view piece : pieces) {
        hand_over(parser, piece, script.use_prepare);
        if (!drain(parser, log, next)) return log;
    }
    if (script.eof) {
        parser.feed_eof();
        drain(parser, log, next);
    }
    return log;
}

// Runs `run(pieces)` with `wire` whole, split in two at every offset, and one byte at a time
// (once with feed(), once with prepare()/commit()), expects every log to equal the whole-feed
// log, and returns that log for the test to check against what it expects.
template <class Run>
Events at_every_split(std::string_view wire, Run&& run) {
    const Events whole = run(Pieces{wire}, false);
    for (std::size_t i = 0; i <= wire.size(); ++i)
        EXPECT_EQ(run(Pieces{wire.substr(0, i), wire.substr(i)}, false), whole)
            << "split at offset " << i;
    Pieces bytes;
    for (std::size_t i = 0; i < wire.size(); ++i) bytes.push_back(wire.substr(i, 1));
    EXPECT_EQ(run(bytes, false), whole) << "fed one byte at a time";
    EXPECT_EQ(run(bytes, true), whole) << "one byte at a time through prepare()/commit()";
    return whole;
}

inline Events response_events(std::string_view wire, ResponseScript script = {}) {
    return at_every_split(wire, [&](const Pieces& pieces, bool use_prepare) {
        ResponseScript s = script;
        s.use_prepare = use_prepare;
        return run_response_parser(pieces, s);
    });
}

inline Events request_events(std::string_view wire, RequestScript script = {}) {
    return at_every_split(wire, [&](const Pieces& pieces, bool use_prepare) {
        RequestScript s = script;
        s.use_prepare = use_prepare;
        return run_request_parser(pieces, s);
    });
}

// The error entry that ends `events`, or "" if they do not end in an error.
inline std::string final_error(const Events& events) {
    if (events.empty() || events.back().rfind("error ", 0) != 0) return "";
    return events.back();
}

// True if no EndOfMessage was logged: a message that failed was never presented as complete.
inline bool never_ended(const Events& events) {
    for (const std::string& e : events)
        if (e.rfind("end", 0) == 0) return false;
    return true;
}

// Whether `text` contains `needle`, with both in the failure message (gmock's HasSubstr without
// needing gmock, so the suite links against gtest alone).
inline ::testing::AssertionResult mentions(std::string_view text, std::string_view needle) {
    if (text.find(needle) != std::string_view::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "'" << text << "' does not mention '" << needle << "'";
}

}  // namespace looplab::http::testing
