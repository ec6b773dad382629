// runtime/trace/time_axis.cpp: see time_axis.hpp.
#include "runtime/trace/time_axis.hpp"

#include <initializer_list>

namespace looplab::detail {

double tick_step_ms(double span_ms, int max_ticks) {
    double step = 1e-3;
    while (span_ms / step > max_ticks) {
        // 1 -> 2 -> 5 -> 10: each pass over the factors is one power of ten.
        for (const double factor : {2.0, 2.5, 2.0}) {
            step *= factor;
            if (span_ms / step <= max_ticks) break;
        }
    }
    return step;
}

}  // namespace looplab::detail
