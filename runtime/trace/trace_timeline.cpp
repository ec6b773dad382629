// runtime/trace/trace_timeline.cpp: write_timeline, the terminal timeline (see trace_export.hpp).
//
// What the seed posts drew by hand with asterisks ("url 3: ******"), drawn from the trace: one
// line per task or request, every bar on the same time axis, so that "one after another" and
// "all at once" are visible shapes. Layout of each line (width columns in all):
//
//   <label, padded>|<bar area>|
//
// Each bar cell shows the state that covered most of the cell's time slice; a row shorter than
// one cell still gets one cell, so no request disappears at a coarse scale.
#include <algorithm>
#include <array>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/trace/time_axis.hpp"
#include "runtime/trace/trace_export.hpp"
#include "runtime/trace/trace_rows.hpp"

namespace looplab {

namespace {

constexpr int kLabelWidth = 20;  // label column, the separator '|' not included

char state_char(RowState state) {
    switch (state) {
        case RowState::running:
            return '#';
        case RowState::waiting_thread:
            return '=';
        case RowState::waiting:
            return '-';
        case RowState::queued:
            return '.';
    }
    return '?';
}

// Cuts or pads `text` to exactly `width` columns (bytes: labels are ASCII URLs and names;
// any other byte is shown as '?', so multi-byte characters cannot break the alignment).
std::string fit(const std::string& text, std::size_t width) {
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u >= 0x7F) ? '?' : c;
    }
    if (out.size() > width) return out.substr(0, width - 1) + "~";
    return out + std::string(width - out.size(), ' ');
}

// `text` cut to at most `width` columns, not padded.
std::string clip(const std::string& text, int width) {
    const auto columns = static_cast<std::size_t>(width);
    if (text.size() <= columns) return fit(text, text.size());
    return fit(text, columns);
}

// The bar of one row: `cells` characters for time [0, span_ns].
std::string bar(const TimelineRow& row, int cells, std::int64_t span_ns) {
    const double per_cell = static_cast<double>(span_ns) / cells;
    std::vector<std::array<double, 4>> cover(static_cast<std::size_t>(cells), {0, 0, 0, 0});
    for (const RowSegment& s : row.segments) {
        const double from = static_cast<double>(s.start_ns) / per_cell;
        const double to = static_cast<double>(s.end_ns) / per_cell;
        const int first = std::clamp(static_cast<int>(std::floor(from)), 0, cells - 1);
        const int last = std::clamp(static_cast<int>(std::floor(to)), 0, cells - 1);
        for (int c = first; c <= last; ++c) {
            const double overlap = std::min(to, c + 1.0) - std::max(from, static_cast<double>(c));
            if (overlap > 0)
                cover[static_cast<std::size_t>(c)][static_cast<int>(s.state)] += overlap;
        }
    }
    std::string out(static_cast<std::size_t>(cells), ' ');
    int drawn = 0;
    int best_cell = 0;
    double best_total = -1;
    for (int c = 0; c < cells; ++c) {
        const auto& states = cover[static_cast<std::size_t>(c)];
        const double total = states[0] + states[1] + states[2] + states[3];
        const auto most = std::max_element(states.begin(), states.end()) - states.begin();
        if (total > best_total) {
            best_total = total;
            best_cell = c;
        }
        // More than half the cell, strictly: where one request ends and the next begins
        // mid-cell, at most one of them takes the cell, and sequential bars never touch.
        if (total <= 0.5 + 1e-9) continue;
        out[static_cast<std::size_t>(c)] = state_char(static_cast<RowState>(most));
        ++drawn;
    }
    if (drawn == 0 && !row.segments.empty()) {
        // Shorter than half a cell: draw its longest state in the cell it covers most.
        const auto& states = cover[static_cast<std::size_t>(best_cell)];
        const auto most = std::max_element(states.begin(), states.end()) - states.begin();
        out[static_cast<std::size_t>(best_cell)] = state_char(static_cast<RowState>(most));
    }
    return out;
}

std::string ms_label(double ms) {
    char text[32];
    if (ms == std::floor(ms)) {
        std::snprintf(text, sizeof text, "%.0f", ms);
    } else {
        std::snprintf(text, sizeof text, "%g", ms);
    }
    return text;
}

// Two lines under the bars: tick marks, and their values in ms.
void write_axis(std::ostream& out, int cells, std::int64_t span_ns) {
    const double span_ms = static_cast<double>(span_ns) / 1e6;
    const double step = detail::tick_step_ms(span_ms, std::max(1, cells / 8));
    std::string ticks(static_cast<std::size_t>(cells), '-');
    std::string labels(static_cast<std::size_t>(cells) + 2, ' ');
    for (int k = 0; k * step <= span_ms + 1e-9; ++k) {
        const int column =
            std::min(cells - 1, static_cast<int>(std::lround(k * step / span_ms * cells)));
        // Tick 0 is the frame's own '+', one column left of the first cell.
        if (k > 0) ticks[static_cast<std::size_t>(column)] = '+';
        const std::string value = ms_label(k * step);
        // The label starts under its tick; one that would run past the end ends there instead.
        std::size_t at = k == 0 ? 0 : static_cast<std::size_t>(column) + 1;
        if (at + value.size() > labels.size()) at = labels.size() - value.size();
        bool free = true;
        for (std::size_t i = at > 0 ? at - 1 : 0; i < at + value.size() && i < labels.size(); ++i) {
            free = free && labels[i] == ' ';
        }
        if (free) labels.replace(at, value.size(), value);
    }
    out << fit("", kLabelWidth) << "+" << ticks << "+\n";
    out << fit("time (ms)", kLabelWidth) << labels << "\n";
}

}  // namespace

void write_timeline(std::ostream& out, const std::vector<TraceLane>& lanes,
                    const TimelineOptions& options) {
    const int width = std::max(40, options.width);
    const int cells = width - kLabelWidth - 2;
    std::int64_t span_ns = 1;
    std::vector<std::vector<TimelineRow>> all_rows;
    for (const TraceLane& lane : lanes) {
        all_rows.push_back(timeline_rows(lane));
        for (const TimelineRow& row : all_rows.back()) span_ns = std::max(span_ns, row.end_ns);
    }
    const std::string blank_bar(static_cast<std::size_t>(cells), ' ');
    for (std::size_t k = 0; k < lanes.size(); ++k) {
        const std::vector<TimelineRow>& rows = all_rows[k];
        std::int64_t lane_ns = 0;
        for (const TimelineRow& row : rows) lane_ns = std::max(lane_ns, row.end_ns);
        const std::string title = lanes[k].title + ": " + std::to_string(rows.size()) + " rows, " +
                                  ms_label(std::round(lane_ns / 1e5) / 10) + " ms";
        out << clip(title, width) << "\n";
        const std::size_t shown =
            std::min(rows.size(), static_cast<std::size_t>(std::max(1, options.max_rows)));
        for (std::size_t r = 0; r < shown; ++r) {
            out << fit(rows[r].label, kLabelWidth) << "|" << bar(rows[r], cells, span_ns) << "|\n";
        }
        if (shown < rows.size()) {
            out << fit("... " + std::to_string(rows.size() - shown) + " more rows", kLabelWidth)
                << "|" << blank_bar << "|\n";
        }
    }
    write_axis(out, cells, span_ns);
    out << clip("# running  = waiting on a thread  - waiting (I/O, timer, task)  . queued", width)
        << "\n";
}

}  // namespace looplab
