// http/client/default_headers.cpp: see default_headers.hpp.
#include "http/client/default_headers.hpp"

namespace looplab::http::detail {

Headers merge_headers(const Headers& session, const Headers& request) {
    Headers merged = session;
    for (const HeaderField& f : request) merged.remove(f.name);
    for (const HeaderField& f : request) merged.add(f.name, f.value);
    if (!merged.contains("User-Agent")) merged.add("User-Agent", kUserAgent);
    if (!merged.contains("Accept")) merged.add("Accept", "*/*");
    return merged;
}

}  // namespace looplab::http::detail
