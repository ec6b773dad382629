// runtime/trace/time_axis.hpp: where the timeline exporters put the ticks of their time axis.
//
// asyncio: none; the rule is the one plotting libraries use for "nice" axis ticks (matplotlib's
//          MaxNLocator, gnuplot's default tics).
//
// Why shared: the terminal timeline (trace_timeline.cpp) and the SVG one (trace_svg.cpp) draw
// the same axis at different resolutions. One rule means they choose their ticks the same way;
// only how many ticks fit differs (a few per 80 columns, ten across the picture).
#pragma once

namespace looplab::detail {

// A tick step in ms for an axis `span_ms` long that gives at most `max_ticks` intervals
// (max_ticks >= 1): 1, 2 or 5 times a power of ten, the smallest such step that fits, and at
// least 1 microsecond.
double tick_step_ms(double span_ms, int max_ticks);

}  // namespace looplab::detail
