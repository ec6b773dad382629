// http/proto/headers.cpp: the case-insensitive ordered multimap of http/proto/headers.hpp.
#include "http/proto/headers.hpp"

#include <algorithm>

#include "http/proto/detail/grammar.hpp"

namespace looplab::http {

using detail::iequals;

Headers::Headers(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
    fields_.reserve(fields.size());
    for (const auto& [name, value] : fields) add(name, value);
}

void Headers::add(std::string_view name, std::string_view value) {
    fields_.push_back(HeaderField{std::string(name), std::string(value)});
}

void Headers::set(std::string_view name, std::string_view value) {
    auto first = std::find_if(fields_.begin(), fields_.end(),
                              [&](const HeaderField& f) { return iequals(f.name, name); });
    if (first == fields_.end()) {
        add(name, value);
        return;
    }
    first->value.assign(value);
    // Drop the later duplicates; `first` stays where it was.
    auto later = std::remove_if(first + 1, fields_.end(),
                                [&](const HeaderField& f) { return iequals(f.name, name); });
    fields_.erase(later, fields_.end());
}

std::size_t Headers::remove(std::string_view name) {
    return std::erase_if(fields_, [&](const HeaderField& f) { return iequals(f.name, name); });
}

std::optional<std::string_view> Headers::get(std::string_view name) const {
    for (const HeaderField& f : fields_)
        if (iequals(f.name, name)) return std::string_view(f.value);
    return std::nullopt;
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
    std::vector<std::string_view> values;
    for (const HeaderField& f : fields_)
        if (iequals(f.name, name)) values.emplace_back(f.value);
    return values;
}

bool Headers::contains(std::string_view name) const {
    return get(name).has_value();
}

bool Headers::contains_token(std::string_view name, std::string_view token) const {
    for (const HeaderField& f : fields_) {
        if (!iequals(f.name, name)) continue;
        // for_each_list_element stops (returns false) at the first match.
        if (!detail::for_each_list_element(
                f.value, [&](std::string_view element) { return !iequals(element, token); }))
            return true;
    }
    return false;
}

std::size_t Headers::count(std::string_view name) const {
    return static_cast<std::size_t>(
        std::count_if(fields_.begin(), fields_.end(),
                      [&](const HeaderField& f) { return iequals(f.name, name); }));
}

}  // namespace looplab::http
