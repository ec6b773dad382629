// http/client/cookie_jar.cpp: see cookie_jar.hpp. Section numbers are RFC 6265's.
#include "http/client/cookie_jar.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace looplab::http {

namespace {

using TimePoint = Cookie::TimePoint;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && lower(a) == lower(b);
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_ip_address(std::string_view host) {
    if (host.find(':') != std::string_view::npos) return true;  // IPv6 (Url strips the brackets)
    return !host.empty() &&
           std::all_of(host.begin(), host.end(), [](char c) { return is_digit(c) || c == '.'; });
}

// ---- 5.1.1 Dates -----------------------------------------------------------------------------

// delimiter = %x09 / %x20-2F / %x3B-40 / %x5B-60 / %x7B-7E
bool is_date_delimiter(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u == 0x09 || (u >= 0x20 && u <= 0x2f) || (u >= 0x3b && u <= 0x40) ||
           (u >= 0x5b && u <= 0x60) || (u >= 0x7b && u <= 0x7e);
}

// 1*max DIGIT at the start of `token` (and at least `min`), then anything but a digit.
std::optional<int> leading_number(std::string_view& token, std::size_t min, std::size_t max) {
    std::size_t n = 0;
    while (n < token.size() && is_digit(token[n])) ++n;
    if (n < min || n > max) return std::nullopt;
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) value = value * 10 + (token[i] - '0');
    token.remove_prefix(n);
    return value;
}

bool parse_time(std::string_view token, int& h, int& m, int& s) {
    const auto hour = leading_number(token, 1, 2);
    if (!hour || !token.starts_with(':')) return false;
    token.remove_prefix(1);
    const auto minute = leading_number(token, 1, 2);
    if (!minute || !token.starts_with(':')) return false;
    token.remove_prefix(1);
    const auto second = leading_number(token, 1, 2);
    if (!second) return false;
    h = *hour;
    m = *minute;
    s = *second;
    return true;
}

int month_of(std::string_view token) {
    static constexpr std::array<std::string_view, 12> kMonths{
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (token.size() < 3) return 0;
    const std::string prefix = lower(token.substr(0, 3));
    for (std::size_t i = 0; i < kMonths.size(); ++i)
        if (prefix == kMonths[i]) return static_cast<int>(i) + 1;
    return 0;
}

// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
long long days_from_civil(int y, int m, int d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const long long yoe = y - era * 400;
    const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

// ---- 5.2 Set-Cookie --------------------------------------------------------------------------

struct Parsed {
    Cookie cookie;
    std::optional<long long> max_age;
    std::optional<TimePoint> expires;
    std::optional<std::string> domain;
    std::optional<std::string> path;
};

std::optional<Parsed> parse_set_cookie(std::string_view text) {
    const std::size_t semi = text.find(';');
    const std::string_view pair = text.substr(0, semi);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;  // 5.2 step 2: ignore it
    Parsed parsed;
    parsed.cookie.name = std::string(trim(pair.substr(0, eq)));
    parsed.cookie.value = std::string(trim(pair.substr(eq + 1)));
    if (parsed.cookie.name.empty()) return std::nullopt;
    if (parsed.cookie.name.size() + parsed.cookie.value.size() > CookieJar::kMaxCookieSize)
        return std::nullopt;
    std::string_view rest =
        semi == std::string_view::npos ? std::string_view{} : text.substr(semi + 1);
    while (!rest.empty()) {
        const std::size_t next = rest.find(';');
        const std::string_view av = rest.substr(0, next);
        rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
        const std::size_t av_eq = av.find('=');
        const std::string_view name = trim(av.substr(0, av_eq));
        const std::string_view value =
            av_eq == std::string_view::npos ? std::string_view{} : trim(av.substr(av_eq + 1));
        if (iequals(name, "Expires")) {
            if (auto when = parse_cookie_date(value)) parsed.expires = when;
        } else if (iequals(name, "Max-Age")) {
            // 1*DIGIT, or "-" 1*DIGIT; anything else is ignored (5.2.2).
            std::string_view digits = value.starts_with('-') ? value.substr(1) : value;
            if (!digits.empty() && digits.size() < 12 &&
                std::all_of(digits.begin(), digits.end(), is_digit)) {
                parsed.max_age = std::stoll(std::string(value));
            }
        } else if (iequals(name, "Domain")) {
            std::string_view domain = value;
            if (domain.starts_with('.')) domain.remove_prefix(1);
            if (!domain.empty()) parsed.domain = lower(domain);
        } else if (iequals(name, "Path")) {
            if (value.starts_with('/')) parsed.path = std::string(value);
        } else if (iequals(name, "Secure")) {
            parsed.cookie.secure = true;
        } else if (iequals(name, "HttpOnly")) {
            parsed.cookie.http_only = true;
        } else if (iequals(name, "SameSite")) {
            parsed.cookie.same_site = std::string(value);
        }
    }
    return parsed;
}

bool is_expired(const Cookie& c, TimePoint now) {
    return c.expires && *c.expires <= now;
}

bool same_identity(const Cookie& a, const Cookie& b) {
    return a.name == b.name && a.domain == b.domain && a.path == b.path;
}

bool sends_to(const Cookie& c, const Url& url, TimePoint now) {
    const std::string host = lower(url.host());
    const bool domain_ok = c.host_only ? host == c.domain : domain_match(host, c.domain);
    return domain_ok && path_match(url.path(), c.path) && (!c.secure || url.scheme() == "https") &&
           !is_expired(c, now);
}

std::vector<std::string> split_tabs(std::string_view line) {
    std::vector<std::string> fields;
    for (;;) {
        const std::size_t tab = line.find('\t');
        fields.emplace_back(line.substr(0, tab));
        if (tab == std::string_view::npos) return fields;
        line.remove_prefix(tab + 1);
    }
}

}  // namespace

// ---- The rules -------------------------------------------------------------------------------

std::optional<Cookie::TimePoint> parse_cookie_date(std::string_view text) {
    bool found_time = false, found_day = false, found_month = false, found_year = false;
    int hour = 0, minute = 0, second = 0, day = 0, month = 0, year = 0;
    while (!text.empty()) {
        while (!text.empty() && is_date_delimiter(text.front())) text.remove_prefix(1);
        std::size_t n = 0;
        while (n < text.size() && !is_date_delimiter(text[n])) ++n;
        const std::string_view token = text.substr(0, n);
        text.remove_prefix(n);
        if (token.empty()) continue;
        // Each test sees the token whole (5.1.1 step 2), in this order.
        auto number = [&](std::size_t min, std::size_t max) -> std::optional<int> {
            std::string_view t = token;
            std::optional<int> value = leading_number(t, min, max);
            return value;
        };
        if (!found_time && parse_time(token, hour, minute, second)) {
            found_time = true;
        } else if (std::optional<int> d = number(1, 2); !found_day && d) {
            day = *d;
            found_day = true;
        } else if (!found_month && month_of(token) != 0) {
            month = month_of(token);
            found_month = true;
        } else if (std::optional<int> y = number(2, 4); !found_year && y) {
            year = *y;
            found_year = true;
        }
    }
    if (!found_time || !found_day || !found_month || !found_year) return std::nullopt;
    if (year >= 70 && year <= 99) year += 1900;
    if (year >= 0 && year <= 69) year += 2000;
    if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59)
        return std::nullopt;
    const long long seconds =
        days_from_civil(year, month, day) * 86400 + hour * 3600LL + minute * 60LL + second;
    return TimePoint(std::chrono::seconds(seconds));
}

bool domain_match(std::string_view host, std::string_view domain) {
    if (host == domain) return true;
    return !is_ip_address(host) && host.size() > domain.size() && host.ends_with(domain) &&
           host[host.size() - domain.size() - 1] == '.';
}

bool path_match(std::string_view request_path, std::string_view cookie_path) {
    if (request_path == cookie_path) return true;
    return request_path.starts_with(cookie_path) &&
           (cookie_path.ends_with('/') || request_path[cookie_path.size()] == '/');
}

std::string default_cookie_path(std::string_view request_path) {
    if (!request_path.starts_with('/')) return "/";
    const std::size_t last = request_path.rfind('/');
    if (last == 0) return "/";
    return std::string(request_path.substr(0, last));
}

// ---- The jar ---------------------------------------------------------------------------------

bool CookieJar::set_cookie(const Url& url, std::string_view text, Clock::time_point now) {
    std::optional<Parsed> parsed = parse_set_cookie(text);
    if (!parsed) return false;
    Cookie cookie = std::move(parsed->cookie);
    const std::string host = lower(url.host());
    if (parsed->domain) {
        // 5.3 step 6; and, for want of a public-suffix list, no Domain without an inner dot
        // (".com") unless it is the host itself ("localhost").
        if (!domain_match(host, *parsed->domain)) return false;
        if (parsed->domain->find('.') == std::string::npos && *parsed->domain != host) return false;
        cookie.domain = *parsed->domain;
        cookie.host_only = false;
    } else {
        cookie.domain = host;
        cookie.host_only = true;
    }
    cookie.path = parsed->path ? *parsed->path : default_cookie_path(url.path());
    if (parsed->max_age) {
        cookie.expires =
            *parsed->max_age <= 0 ? TimePoint::min() : now + std::chrono::seconds(*parsed->max_age);
    } else if (parsed->expires) {
        cookie.expires = *parsed->expires;
    }
    cookie.created = now;
    std::lock_guard lock(mutex_);
    store(std::move(cookie), now);
    return true;
}

void CookieJar::store(Cookie cookie, Clock::time_point now) {
    auto old = std::find_if(cookies_.begin(), cookies_.end(),
                            [&](const Cookie& c) { return same_identity(c, cookie); });
    if (old != cookies_.end()) {
        cookie.created = old->created;
        cookies_.erase(old);
    }
    if (is_expired(cookie, now)) return;  // an expiry in the past deletes (5.3 step 11)
    std::erase_if(cookies_, [&](const Cookie& c) { return is_expired(c, now); });
    if (cookies_.size() >= kMaxCookies) cookies_.erase(cookies_.begin());
    cookies_.push_back(std::move(cookie));
}

void CookieJar::update_from_response(const Url& url, const Headers& headers,
                                     Clock::time_point now) {
    for (const std::string_view value : headers.get_all("Set-Cookie")) set_cookie(url, value, now);
}

std::string CookieJar::cookie_header(const Url& url, Clock::time_point now) const {
    std::vector<const Cookie*> matching;
    std::lock_guard lock(mutex_);
    for (const Cookie& c : cookies_)
        if (sends_to(c, url, now)) matching.push_back(&c);
    std::stable_sort(matching.begin(), matching.end(), [](const Cookie* a, const Cookie* b) {
        if (a->path.size() != b->path.size()) return a->path.size() > b->path.size();
        return a->created < b->created;
    });
    std::string out;
    for (const Cookie* c : matching) {
        if (!out.empty()) out += "; ";
        out += c->name + "=" + c->value;
    }
    return out;
}

std::vector<Cookie> CookieJar::cookies(Clock::time_point now) const {
    std::lock_guard lock(mutex_);
    std::vector<Cookie> out;
    for (const Cookie& c : cookies_)
        if (!is_expired(c, now)) out.push_back(c);
    return out;
}

std::size_t CookieJar::size() const {
    std::lock_guard lock(mutex_);
    return cookies_.size();
}

void CookieJar::clear() {
    std::lock_guard lock(mutex_);
    cookies_.clear();
}

// ---- The Netscape cookie file ----------------------------------------------------------------

void CookieJar::load(std::istream& in, std::string_view source_name, Clock::time_point now) {
    std::string line;
    std::size_t number = 0;
    std::vector<Cookie> loaded;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::string_view text = line;
        bool http_only = false;
        if (text.starts_with("#HttpOnly_")) {
            http_only = true;
            text.remove_prefix(10);
        } else if (text.starts_with('#') || trim(text).empty()) {
            continue;
        }
        const std::vector<std::string> f = split_tabs(text);
        if (f.size() != 7 || f[0].empty() || !f[2].starts_with('/') ||
            f[4].find_first_not_of("0123456789") != std::string::npos || f[4].empty() ||
            f[5].empty()) {
            throw std::runtime_error(std::string(source_name) + " line " + std::to_string(number) +
                                     ": not a cookie line (expected 7 TAB-separated fields: "
                                     "domain, subdomains, path, secure, expiry, name, value)");
        }
        Cookie c;
        c.domain = lower(f[0].starts_with('.') ? std::string_view(f[0]).substr(1) : f[0]);
        c.host_only = !iequals(f[1], "TRUE");
        c.path = f[2];
        c.secure = iequals(f[3], "TRUE");
        const long long expiry = std::stoll(f[4]);
        if (expiry != 0) c.expires = TimePoint(std::chrono::seconds(expiry));
        c.name = f[5];
        c.value = f[6];
        c.http_only = http_only;
        c.created = now;
        loaded.push_back(std::move(c));
    }
    std::lock_guard lock(mutex_);
    for (Cookie& c : loaded) store(std::move(c), now);
}

void CookieJar::save(std::ostream& out, Clock::time_point now) const {
    out << "# Netscape HTTP Cookie File\n"
        << "# Written by looplab (lab-get -c). Edit at your own risk.\n\n";
    for (const Cookie& c : cookies(now)) {
        const long long expiry =
            c.expires
                ? std::chrono::duration_cast<std::chrono::seconds>(c.expires->time_since_epoch())
                      .count()
                : 0;
        out << (c.http_only ? "#HttpOnly_" : "") << (c.host_only ? "" : ".") << c.domain << '\t'
            << (c.host_only ? "FALSE" : "TRUE") << '\t' << c.path << '\t'
            << (c.secure ? "TRUE" : "FALSE") << '\t' << expiry << '\t' << c.name << '\t' << c.value
            << '\n';
    }
}

void CookieJar::load_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read cookie file '" + path + "'");
    load(in, "cookie file '" + path + "'");
}

void CookieJar::save_file(const std::string& path) const {
    std::ofstream out(path, std::ios::trunc);
    if (out) save(out);
    if (!out || !out.flush()) throw std::runtime_error("cannot write cookie file '" + path + "'");
}

}  // namespace looplab::http
