// http/proto/headers.hpp: a message's header fields, in the order they came, looked up by name
// without regard to case.
//
// aiohttp: multidict.CIMultiDict (ClientResponse.headers, web.Request.headers)
// h11:     the list of (name, value) pairs on Request / Response events
//
// An ordered multimap, not a map: the same name may appear more than once (Set-Cookie cannot
// even be combined into one line, RFC 9110 5.3), and the order of same-named fields is part of
// their meaning. Names keep the case the peer wrote, so a log or a proxy shows what was sent;
// every lookup compares ASCII-case-insensitively instead (h11 lowercases at parse time; keeping
// the original costs nothing here and hides nothing). Lookups are linear scans: a message has
// tens of fields, and a hash index would cost more to build than it would ever save.
//
// Headers does not validate what it stores: the parsers only add fields they have checked, and
// the serialisers check every field before writing it (http/proto/serializer.hpp).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace looplab::http {

struct HeaderField {
    std::string name;   // as received or added: original case
    std::string value;  // leading and trailing whitespace already stripped by the parser

    friend bool operator==(const HeaderField&, const HeaderField&) = default;
};

class Headers {
public:
    using const_iterator = std::vector<HeaderField>::const_iterator;

    Headers() = default;
    // Headers{{"Accept", "*/*"}, {"User-Agent", "looplab"}}: adds each pair in order.
    Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);

    // Appends a field, even if one with this name exists (a multimap's add).
    void add(std::string_view name, std::string_view value);
    // Leaves exactly one field named `name`, holding `value`: the first such field is
    // overwritten in place (keeping its position), later ones are removed; if there was none,
    // the field is appended.
    void set(std::string_view name, std::string_view value);
    // Removes every field named `name`; returns how many there were.
    std::size_t remove(std::string_view name);
    void clear() noexcept { fields_.clear(); }

    // The value of the first field named `name`, or nullopt. The view points into this object
    // and is valid until it is next modified or destroyed.
    std::optional<std::string_view> get(std::string_view name) const;
    // The values of every field named `name`, in order (empty if none). Same lifetime as get().
    std::vector<std::string_view> get_all(std::string_view name) const;
    bool contains(std::string_view name) const;
    // Whether any field named `name` lists `token` among its comma-separated elements,
    // compared case-insensitively: contains_token("Connection", "close") is true for
    // "Connection: keep-alive, Close".
    bool contains_token(std::string_view name, std::string_view token) const;
    // How many fields are named `name`.
    std::size_t count(std::string_view name) const;

    std::size_t size() const noexcept { return fields_.size(); }
    bool empty() const noexcept { return fields_.empty(); }
    // All fields in order, duplicates included.
    const_iterator begin() const noexcept { return fields_.begin(); }
    const_iterator end() const noexcept { return fields_.end(); }
    const HeaderField& operator[](std::size_t i) const { return fields_[i]; }

    // Equal when the same fields appear in the same order with the same case.
    friend bool operator==(const Headers&, const Headers&) = default;

private:
    std::vector<HeaderField> fields_;
};

}  // namespace looplab::http
