// runtime/executor/concurrent_future.cpp: the non-template parts of ConcurrentFuture: its errors
// and the report of a done callback that threw.
#include "runtime/executor/concurrent_future.hpp"

#include <cstdio>
#include <string>

#include "runtime/errors.hpp"

namespace looplab::detail {

void throw_cancelled_error() {
    throw CancelledError();
}

void throw_timeout_error() {
    throw TimeoutError("ConcurrentFuture::result: timed out");
}

void throw_invalid_state_error(const char* what) {
    throw InvalidStateError(std::string("ConcurrentFuture: ") + what);
}

void report_done_callback_exception(std::exception_ptr error) noexcept {
    // One fputs of one preformatted line: stderr is unbuffered, and several workers may
    // report at once; a single call keeps each line whole.
    try {
        const std::string line =
            "looplab: exception calling ConcurrentFuture done callback: " + describe(error) + "\n";
        std::fputs(line.c_str(), stderr);
    } catch (...) {
        std::fputs("looplab: exception calling ConcurrentFuture done callback\n", stderr);
    }
}

}  // namespace looplab::detail
