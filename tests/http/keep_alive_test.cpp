// tests/http/keep_alive_test.cpp: RFC 9112 9.3's persistence rules as a table (HTTP/1.0 and
// 1.1 against Connection header values), checked through http::keep_alive() and through both
// parsers, plus the framing cases where the response parser must say "close" regardless.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "http/proto/message.hpp"
#include "http/proto/request_parser.hpp"
#include "http/proto/response_parser.hpp"

namespace looplab::http {
namespace {

struct Row {
    HttpVersion version;
    std::vector<std::string> connection;  // one entry per Connection field
    bool keep_alive;
};

const std::vector<Row> kTable = {
    {{1, 1}, {}, true},
    {{1, 1}, {"close"}, false},
    {{1, 1}, {"Close"}, false},
    {{1, 1}, {"keep-alive"}, true},
    {{1, 1}, {"keep-alive, close"}, false},
    {{1, 1}, {"Upgrade,  CLOSE "}, false},
    {{1, 1}, {"upgrade", "close"}, false},
    {{1, 1}, {"closed"}, true},  // a different token, not "close"
    {{1, 1}, {"x-close"}, true},
    {{1, 0}, {}, false},
    {{1, 0}, {"keep-alive"}, true},
    {{1, 0}, {"Keep-Alive"}, true},
    {{1, 0}, {"foo, keep-alive"}, true},
    {{1, 0}, {"foo", "keep-alive"}, true},
    {{1, 0}, {"keep-alive, close"}, false},
    {{1, 0}, {"close"}, false},
    {{1, 0}, {"keep-alives"}, false},
};

std::string describe(const Row& row) {
    std::string out = "HTTP/1." + std::to_string(row.version.minor);
    for (const std::string& c : row.connection) out += " Connection: " + c + ";";
    return out;
}

std::string connection_fields(const Row& row) {
    std::string out;
    for (const std::string& c : row.connection) out += "Connection: " + c + "\r\n";
    return out;
}

TEST(KeepAlive, TableOfVersionsAndConnectionHeaders) {
    for (const Row& row : kTable) {
        Headers headers;
        for (const std::string& c : row.connection) headers.add("Connection", c);
        EXPECT_EQ(keep_alive(row.version, headers), row.keep_alive) << describe(row);
    }
}

TEST(KeepAlive, ResponseParserFollowsTheTable) {
    for (const Row& row : kTable) {
        ResponseParser parser;
        parser.feed("HTTP/1." + std::to_string(row.version.minor) + " 200 OK\r\n" +
                    connection_fields(row) + "Content-Length: 0\r\n\r\n");
        const ResponseEvent head = parser.next_event();
        ASSERT_TRUE(std::holds_alternative<ResponseHead>(head)) << describe(row);
        EXPECT_EQ(std::get<ResponseHead>(head).keep_alive(), row.keep_alive) << describe(row);
        EXPECT_EQ(parser.keep_alive(), row.keep_alive) << describe(row);
    }
}

TEST(KeepAlive, RequestParserFollowsTheTable) {
    for (const Row& row : kTable) {
        RequestParser parser;
        parser.feed("GET / HTTP/1." + std::to_string(row.version.minor) + "\r\nHost: h\r\n" +
                    connection_fields(row) + "\r\n");
        const RequestEvent head = parser.next_event();
        ASSERT_TRUE(std::holds_alternative<RequestHead>(head)) << describe(row);
        EXPECT_EQ(parser.keep_alive(), row.keep_alive) << describe(row);
    }
}

TEST(KeepAlive, CloseDelimitedResponseIsNeverKeepAliveEvenIfItsHeadSaysSo) {
    ResponseParser parser;
    parser.feed("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nbody");
    const ResponseEvent head = parser.next_event();
    EXPECT_TRUE(std::get<ResponseHead>(head).keep_alive());
    EXPECT_FALSE(parser.keep_alive());
}

TEST(KeepAlive, Http10KeepAliveWithContentLengthAllowsAnotherResponse) {
    ResponseParser parser;
    parser.feed(
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"
        "HTTP/1.0 204 No Content\r\n\r\n");
    EXPECT_TRUE(std::holds_alternative<ResponseHead>(parser.next_event()));
    EXPECT_TRUE(parser.keep_alive());
    EXPECT_TRUE(std::holds_alternative<Data>(parser.next_event()));
    EXPECT_TRUE(std::holds_alternative<EndOfMessage>(parser.next_event()));
    parser.start_next_message();
    EXPECT_EQ(std::get<ResponseHead>(parser.next_event()).status, 204);
    EXPECT_FALSE(parser.keep_alive());  // HTTP/1.0 without keep-alive
}

TEST(KeepAlive, IsFalseBeforeTheHeadArrives) {
    ResponseParser response;
    EXPECT_FALSE(response.keep_alive());
    RequestParser request;
    EXPECT_FALSE(request.keep_alive());
}

}  // namespace
}  // namespace looplab::http
