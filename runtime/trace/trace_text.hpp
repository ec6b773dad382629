// runtime/trace/trace_text.hpp: the text escaping the trace exporters need: JSON strings and XML
// text, from names that may hold anything (a URL, an exception's what(), a task's name).
//
// asyncio: none (Python's json and xml.sax.saxutils.escape do this for it).
//
// Why here and by hand: the runtime depends on nothing but the standard library, and the
// exporters write a handful of strings, so two small escapers beat a JSON or XML library.
// Both first repair invalid UTF-8 (each bad byte becomes U+FFFD): a JSON parser rejects a
// file with one bad byte, and so does an XML parser.
#pragma once

#include <string>
#include <string_view>

namespace looplab::detail {

// `text` with every invalid UTF-8 byte replaced by U+FFFD.
std::string valid_utf8(std::string_view text);

// `text` as a JSON string literal, quotes included: "a\"b\n" -> "\"a\\\"b\\n\"".
std::string json_string(std::string_view text);

// `text` safe inside XML text and attribute values: & < > " ' escaped; control characters
// XML 1.0 forbids (all below 0x20 but tab, newline, return) become spaces.
std::string xml_text(std::string_view text);

}  // namespace looplab::detail
