// tests/http/client_origin_key_test.cpp: origin_key (http/client/origin_key.hpp), the one
// "host:port" both clients' pools, HostRateLimiter and the redirect rule name a server by.
#include "http/client/origin_key.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "http/client/redirects.hpp"
#include "http/proto/headers.hpp"
#include "http/proto/url.hpp"

namespace looplab::http {
namespace {

std::string key(std::string_view url) {
    return origin_key(Url::parse(url));
}

TEST(OriginKey, SpellsThePortOutEvenWhenItIsTheDefault) {
    EXPECT_EQ(key("http://example.com/a?b"), "example.com:80");
    EXPECT_EQ(key("http://example.com:80/"), "example.com:80");
    EXPECT_EQ(key("http://127.0.0.1:8080/"), "127.0.0.1:8080");
}

TEST(OriginKey, BracketsAnIpv6LiteralAsAUrlDoes) {
    EXPECT_EQ(key("http://[::1]:8080/"), "[::1]:8080");
    EXPECT_EQ(key("http://[::1]/"), "[::1]:80");
    EXPECT_EQ(key("http://[2001:DB8::1]:81/"), "[2001:db8::1]:81");
}

TEST(OriginKey, HttpsIsAnotherOriginThanHttpOnTheSameHostAndPort) {
    EXPECT_EQ(key("https://Example.com/"), "https://example.com:443");
    EXPECT_EQ(key("https://[::1]:8443/"), "https://[::1]:8443");
    EXPECT_NE(key("https://h:8080/"), key("http://h:8080/"));

    Headers to_https;
    to_https.add("Location", "https://example.com/next");
    const std::optional<Redirect> upgrade =
        redirect_for(301, "GET", Url::parse("http://example.com/"), to_https);
    ASSERT_TRUE(upgrade);
    EXPECT_TRUE(upgrade->url.is_tls());
    EXPECT_TRUE(upgrade->cross_origin);  // credentials are dropped even for the upgrade
}

TEST(OriginKey, LowercasesTheHostBecauseHostNamesAreCaseInsensitive) {
    EXPECT_EQ(key("http://Example.COM:8080/"), "example.com:8080");
    EXPECT_EQ(key("http://Example.COM/"), key("http://example.com:80/"));
}

// HostRateLimiter's keying is graded exercise host_rate_limiter, so its half of this agreement is
// checked in tests/exercises/host_rate_limiter_test.cpp (the starter copy must pass this file).
TEST(OriginKey, TheRedirectRuleAgreesWithIt) {
    Headers to_same;
    to_same.add("Location", "http://EXAMPLE.com:80/next");
    const Url from = Url::parse("http://example.com/start");
    const std::optional<Redirect> same = redirect_for(302, "GET", from, to_same);
    ASSERT_TRUE(same);
    EXPECT_FALSE(same->cross_origin);  // the same server, spelled differently
    Headers to_other_port;
    to_other_port.add("Location", "http://example.com:8080/next");
    const std::optional<Redirect> other = redirect_for(302, "GET", from, to_other_port);
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->cross_origin);
}

}  // namespace
}  // namespace looplab::http
