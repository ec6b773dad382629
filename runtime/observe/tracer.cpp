// runtime/observe/tracer.cpp: the tracer's clock (see tracer.hpp).
#include "runtime/observe/tracer.hpp"

#include <chrono>

namespace looplab {

std::int64_t trace_now() noexcept {
    using namespace std::chrono;
    return duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace looplab
