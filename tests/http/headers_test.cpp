// tests/http/headers_test.cpp: the case-insensitive ordered multimap.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/proto/headers.hpp"

namespace looplab::http {
namespace {

TEST(Headers, GetIgnoresAsciiCaseAndReturnsTheFirstValue) {
    Headers h{{"Content-Type", "text/html"}, {"content-type", "text/plain"}};
    EXPECT_EQ(h.get("CONTENT-TYPE"), "text/html");
    EXPECT_EQ(h.get("content-type"), "text/html");
    EXPECT_EQ(h.get("Content-Length"), std::nullopt);
}

TEST(Headers, GetAllReturnsEveryValueInOrder) {
    Headers h;
    h.add("Set-Cookie", "a=1");
    h.add("Other", "x");
    h.add("set-cookie", "b=2");
    EXPECT_EQ(h.get_all("SET-COOKIE"), (std::vector<std::string_view>{"a=1", "b=2"}));
    EXPECT_TRUE(h.get_all("Missing").empty());
    EXPECT_EQ(h.count("set-Cookie"), 2u);
}

TEST(Headers, IterationKeepsInsertionOrderAndOriginalCase) {
    Headers h{{"B", "1"}, {"a", "2"}, {"B", "3"}};
    std::vector<std::string> seen;
    for (const HeaderField& f : h) seen.push_back(f.name + "=" + f.value);
    EXPECT_EQ(seen, (std::vector<std::string>{"B=1", "a=2", "B=3"}));
}

TEST(Headers, SetReplacesTheFirstInPlaceAndDropsTheRest) {
    Headers h{{"A", "1"}, {"X", "old"}, {"B", "2"}, {"x", "older"}};
    h.set("x", "new");
    EXPECT_EQ(h, (Headers{{"A", "1"}, {"X", "new"}, {"B", "2"}}));
    h.set("C", "3");
    EXPECT_EQ(h[3], (HeaderField{"C", "3"}));
}

TEST(Headers, RemoveDeletesEveryMatchAndSaysHowMany) {
    Headers h{{"A", "1"}, {"x", "2"}, {"X", "3"}};
    EXPECT_EQ(h.remove("X"), 2u);
    EXPECT_EQ(h.remove("X"), 0u);
    EXPECT_EQ(h, (Headers{{"A", "1"}}));
    EXPECT_FALSE(h.contains("x"));
    EXPECT_TRUE(h.contains("a"));
}

TEST(Headers, ContainsTokenMatchesWholeCommaSeparatedTokensCaseInsensitively) {
    Headers h{{"Connection", "Upgrade , Keep-Alive"}, {"connection", "TE"}};
    EXPECT_TRUE(h.contains_token("connection", "keep-alive"));
    EXPECT_TRUE(h.contains_token("Connection", "upgrade"));
    EXPECT_TRUE(h.contains_token("Connection", "te"));
    EXPECT_FALSE(h.contains_token("Connection", "keep"));
    EXPECT_FALSE(h.contains_token("Connection", "close"));
    EXPECT_FALSE(h.contains_token("Upgrade", "upgrade"));
}

TEST(Headers, CaseFoldingIsAsciiOnly) {
    Headers h{{"\xc3\x84", "v"}};  // a non-ASCII byte sequence is compared byte for byte
    EXPECT_TRUE(h.contains("\xc3\x84"));
    EXPECT_FALSE(h.contains("\xc3\xa4"));
}

}  // namespace
}  // namespace looplab::http
