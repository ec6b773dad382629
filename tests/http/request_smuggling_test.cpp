// tests/http/request_smuggling_test.cpp: every request-smuggling class of smuggling_cases.hpp,
// one test each, through the server's RequestParser.
//
// llhttp: test/request/ (the "should fail" cases of its strict mode); h11: test_io.py's
//         rejection cases
//
// Each case must be refused with its status and the fault it names, at every split of its
// bytes (support/event_log.hpp), before any part of it is presented as a complete request.
// Where the refusal is the server's strictness (a lenient reading would accept the bytes,
// http/proto/strictness.hpp), the same bytes through a lenient RequestParser must pass: that
// shows the strict option is what catches them, so turning it off would fail this test.
#include <gtest/gtest.h>

#include <string>

#include "http/proto/request_parser.hpp"
#include "http/smuggling_cases.hpp"
#include "support/event_log.hpp"

namespace looplab::http {
namespace {

using testing::Events;
using testing::final_error;
using testing::mentions;
using testing::never_ended;
using testing::request_events;
using testing::SmugglingCase;

class RequestSmuggling : public ::testing::TestWithParam<SmugglingCase> {};

TEST_P(RequestSmuggling, IsRefusedWithItsStatusAndNamedFault) {
    const SmugglingCase& c = GetParam();
    const Events events = request_events(c.bytes);
    EXPECT_TRUE(never_ended(events)) << ::testing::PrintToString(events);
    const std::string error = final_error(events);
    EXPECT_TRUE(mentions(error, "error " + std::to_string(c.status) + ": "));
    EXPECT_TRUE(mentions(error, c.error));
}

// The first request of `bytes` read by a lenient parser: its error, or "" if it was read (or
// is still waiting for bytes) without one.
std::string lenient_error(std::string_view bytes) {
    RequestParser parser(ParserLimits::for_requests(), Strictness::lenient);
    parser.feed(bytes);
    try {
        for (;;) {
            RequestEvent event = parser.next_event();
            if (std::holds_alternative<NeedData>(event) ||
                std::holds_alternative<EndOfMessage>(event))
                return "";
        }
    } catch (const ProtocolError& error) {
        return error.what();
    }
}

TEST_P(RequestSmuggling, IsRefusedByTheStrictnessWhereALenientReadingWouldAccept) {
    const SmugglingCase& c = GetParam();
    if (c.lenient_accepts)
        EXPECT_EQ(lenient_error(c.bytes), "") << "a lenient parser accepts these bytes";
    else
        EXPECT_NE(lenient_error(c.bytes), "") << "any parser refuses these bytes";
}

INSTANTIATE_TEST_SUITE_P(Server, RequestSmuggling, ::testing::ValuesIn(testing::smuggling_cases()),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace looplab::http
