// runtime/source_location.hpp: "where in the source was this called from?"
//
// asyncio: the traceback captured by a Handle or Task in debug mode (_source_traceback).
//
// Why not SourceLocation: libstdc++ 12 implements it with __builtin_source_location,
// which clang only has from version 15. With Debian's clang 14 and libstdc++ 12,
// `#include "runtime/source_location.hpp"` gives no SourceLocation at all (smallest reproduction:
// `#include "runtime/source_location.hpp"` then `SourceLocation::current();` fails to compile
// under clang++-14 -std=c++20). __builtin_FILE / __builtin_LINE / __builtin_FUNCTION exist in
// both compilers and, used as default arguments, give the caller's location, which is all
// SourceLocation does.
#pragma once

namespace looplab {

class SourceLocation {
public:
    constexpr SourceLocation() noexcept = default;

    static constexpr SourceLocation current(const char* file = __builtin_FILE(),
                                            unsigned line = __builtin_LINE(),
                                            const char* function = __builtin_FUNCTION()) noexcept {
        SourceLocation loc;
        loc.file_ = file;
        loc.line_ = line;
        loc.function_ = function;
        return loc;
    }

    constexpr const char* file_name() const noexcept { return file_; }
    constexpr unsigned line() const noexcept { return line_; }
    constexpr const char* function_name() const noexcept { return function_; }

private:
    const char* file_ = "";
    unsigned line_ = 0;
    const char* function_ = "";
};

}  // namespace looplab
