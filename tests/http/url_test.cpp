// tests/http/url_test.cpp: http:// URL parsing, valid and invalid.
#include <gtest/gtest.h>

#include <string>

#include "http/proto/url.hpp"

namespace looplab::http {
namespace {

std::string url_error(std::string_view text) {
    try {
        Url::parse(text);
    } catch (const InvalidUrl& error) {
        return error.what();
    }
    ADD_FAILURE() << "no InvalidUrl for " << text;
    return "";
}

bool mentions(const std::string& text, std::string_view needle) {
    return text.find(needle) != std::string::npos;
}

TEST(Url, PlainUrlDefaultsToPort80AndKeepsPathAndQuery) {
    const Url url = Url::parse("http://example.com/a/b?x=1&y=2");
    EXPECT_EQ(url.scheme(), "http");
    EXPECT_EQ(url.host(), "example.com");
    EXPECT_EQ(url.port(), 80);
    EXPECT_EQ(url.path(), "/a/b");
    EXPECT_EQ(url.query(), "x=1&y=2");
    EXPECT_EQ(url.target(), "/a/b?x=1&y=2");
    EXPECT_EQ(url.host_header(), "example.com");
    EXPECT_FALSE(url.is_ipv6());
}

TEST(Url, EmptyPathBecomesSlash) {
    EXPECT_EQ(Url::parse("http://example.com").target(), "/");
    EXPECT_EQ(Url::parse("http://example.com?q").target(), "/?q");
    EXPECT_EQ(Url::parse("http://example.com:8080").path(), "/");
}

TEST(Url, ExplicitPortAppearsInHostHeaderUnlessItIs80) {
    const Url url = Url::parse("http://127.0.0.1:8080/x");
    EXPECT_EQ(url.host(), "127.0.0.1");
    EXPECT_EQ(url.port(), 8080);
    EXPECT_EQ(url.host_header(), "127.0.0.1:8080");
    EXPECT_EQ(Url::parse("http://h:80/").host_header(), "h");
    EXPECT_EQ(Url::parse("http://h:65535/").port(), 65535);
}

TEST(Url, Ipv6LiteralsKeepBracketsOnlyInTheHostHeader) {
    const Url url = Url::parse("http://[::1]:8080/x");
    EXPECT_TRUE(url.is_ipv6());
    EXPECT_EQ(url.host(), "::1");
    EXPECT_EQ(url.port(), 8080);
    EXPECT_EQ(url.host_header(), "[::1]:8080");
    EXPECT_EQ(url.str(), "http://[::1]:8080/x");
    const Url plain = Url::parse("http://[2001:db8::ffff:1.2.3.4]/");
    EXPECT_EQ(plain.host(), "2001:db8::ffff:1.2.3.4");
    EXPECT_EQ(plain.host_header(), "[2001:db8::ffff:1.2.3.4]");
}

TEST(Url, FragmentIsDropped) {
    const Url url = Url::parse("http://h/p?q=1#section");
    EXPECT_EQ(url.target(), "/p?q=1");
    EXPECT_EQ(Url::parse("http://h#frag").target(), "/");
    EXPECT_EQ(Url::parse("http://h/p#a?b").target(), "/p");
}

TEST(Url, SchemeIsCaseInsensitive) {
    EXPECT_EQ(Url::parse("HTTP://Example.COM/").host(), "Example.COM");
}

TEST(Url, HttpsDefaultsToPort443AndLeavesItOutOfTheHostHeader) {
    const Url url = Url::parse("HTTPS://Example.COM/a?b");
    EXPECT_TRUE(url.is_tls());
    EXPECT_EQ(url.scheme(), "https");
    EXPECT_EQ(url.port(), 443);
    EXPECT_EQ(url.host_header(), "Example.COM");
    EXPECT_EQ(url.str(), "https://Example.COM/a?b");
    EXPECT_FALSE(Url::parse("http://h/").is_tls());
}

TEST(Url, TheOtherSchemesDefaultPortIsSpelledOut) {
    EXPECT_EQ(Url::parse("https://h:80/").host_header(), "h:80");
    EXPECT_EQ(Url::parse("http://h:443/").host_header(), "h:443");
    EXPECT_EQ(Url::parse("https://[::1]:8443/x").str(), "https://[::1]:8443/x");
    EXPECT_EQ(Url::parse("https://h:443/").str(), "https://h/");
}

TEST(Url, OtherSchemesAndMissingSchemesAreRejected) {
    EXPECT_EQ(url_error("ftp://example.com/"),
              "unsupported URL scheme 'ftp' (only http:// and https:// are supported)");
    EXPECT_TRUE(mentions(url_error("example.com/path"), "has no scheme"));
    EXPECT_TRUE(mentions(url_error("http:/example.com"), "has no scheme"));
}

TEST(Url, InvalidPortsAreRejected) {
    EXPECT_TRUE(mentions(url_error("http://h:0/"), "port 0"));
    EXPECT_TRUE(mentions(url_error("http://h:65536/"), "out of range"));
    EXPECT_TRUE(mentions(url_error("http://h:99999999999999999999/"), "out of range"));
    EXPECT_TRUE(mentions(url_error("http://h:8o/"), "invalid port '8o'"));
    EXPECT_TRUE(mentions(url_error("http://h:-1/"), "invalid port"));
    EXPECT_TRUE(mentions(url_error("http://h:/"), "empty port"));
    EXPECT_TRUE(mentions(url_error("http://[::1]:x/"), "invalid port"));
}

TEST(Url, EmptyHostIsRejected) {
    EXPECT_TRUE(mentions(url_error("http:///path"), "has no host"));
    EXPECT_TRUE(mentions(url_error("http://:8080/"), "has no host"));
    EXPECT_TRUE(mentions(url_error("http://[]/"), "invalid IPv6 literal"));
}

TEST(Url, UserinfoIsRejectedWithAnExplanation) {
    EXPECT_TRUE(mentions(url_error("http://user:pw@example.com/"),
                         "userinfo (user:password@) in URLs is not supported"));
}

TEST(Url, SpacesControlAndNonAsciiBytesAreRejected) {
    EXPECT_TRUE(mentions(url_error("http://h/a b"), "invalid byte 0x20 at offset 10"));
    EXPECT_TRUE(mentions(url_error(" http://h/"), "invalid byte 0x20 at offset 0"));
    EXPECT_TRUE(mentions(url_error("http://h/\x01"), "invalid byte 0x01"));
    EXPECT_TRUE(mentions(url_error("http://h/\x7f"), "invalid byte 0x7f"));
    EXPECT_TRUE(mentions(url_error("http://h/caf\xc3\xa9"), "invalid byte 0xc3"));
    EXPECT_TRUE(mentions(url_error("http://h/\r\nX: y"), "invalid byte 0x0d"));
}

TEST(Url, MalformedHostsAreRejected) {
    EXPECT_TRUE(mentions(url_error("http://::1/"), "must be in brackets"));
    EXPECT_TRUE(mentions(url_error("http://[::1/"), "unterminated IPv6 literal"));
    EXPECT_TRUE(mentions(url_error("http://[::1]x/"), "after IPv6 literal"));
    EXPECT_TRUE(mentions(url_error("http://[fe80::1%25eth0]/"), "zone identifiers"));
    EXPECT_TRUE(mentions(url_error("http://[example.com]/"), "invalid IPv6 literal"));
    EXPECT_TRUE(mentions(url_error("http://exa<mple.com/"), "invalid character '<' in host"));
}

}  // namespace
}  // namespace looplab::http
