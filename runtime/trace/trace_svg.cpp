// runtime/trace/trace_svg.cpp: write_svg_timeline, the timeline as an SVG picture (see
// trace_export.hpp).
//
// The picture a teacher projects: the same rows as the terminal timeline, at pixel resolution,
// coloured by state, with lanes (one per run) stacked on one time axis in ms. It is one
// self-contained file: inline styles, no script, no font or image to fetch, so it opens in any
// browser and can be committed next to the README (docs/compare.svg).
//
// Each row is a <g class="row"> with data-lane and data-label attributes, and each bar segment
// a <rect> with a <title> (the browser's tooltip: state and times), so the file can be checked
// by a program as well as by eye.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "runtime/trace/time_axis.hpp"
#include "runtime/trace/trace_export.hpp"
#include "runtime/trace/trace_rows.hpp"
#include "runtime/trace/trace_text.hpp"

namespace looplab {

namespace {

// Geometry, in pixels.
constexpr int kWidth = 1000;
constexpr int kBarsLeft = 250;  // the label column is [10, kBarsLeft - 10]
constexpr int kBarsRight = kWidth - 20;
constexpr int kRowHeight = 16;
constexpr int kBarHeight = 12;
constexpr int kLaneHeader = 26;
constexpr std::size_t kLabelChars = 38;

const char* state_colour(RowState state) {
    switch (state) {
        case RowState::running:
            return "#e15759";  // red: the thread is held
        case RowState::waiting_thread:
            return "#4e79a7";  // blue: a worker does it
        case RowState::waiting:
            return "#a0cbe8";  // pale blue: suspended, loop free
        case RowState::queued:
            return "#c9c9c9";  // grey: nobody is on it yet
    }
    return "#000000";
}

std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f", value);
    return text;
}

std::string ms_text(std::int64_t ns) {
    return number(static_cast<double>(ns) / 1e6) + " ms";
}

// An x coordinate for a time since the lane's origin.
double x_of(std::int64_t ns, std::int64_t span_ns) {
    return kBarsLeft +
           static_cast<double>(ns) / static_cast<double>(span_ns) * (kBarsRight - kBarsLeft);
}

std::string short_label(const TimelineRow& row) {
    std::string label = row.label;
    if (!row.detail.empty()) label += "  " + row.detail;
    if (label.size() > kLabelChars) label = label.substr(0, kLabelChars - 3) + "...";
    return label;
}

void write_legend(std::ostream& out, int y) {
    const RowState states[] = {RowState::running, RowState::waiting_thread, RowState::waiting,
                               RowState::queued};
    const char* meaning[] = {"running (a task step, or a blocking call holding its thread)",
                             "waiting on a thread (executor)", "waiting (I/O, timer, task)",
                             "queued"};
    int x = 10;
    const int widths[] = {380, 200, 180, 80};
    for (int k = 0; k < 4; ++k) {
        out << "<rect x=\"" << x << "\" y=\"" << y - 10 << "\" width=\"12\" height=\"12\" fill=\""
            << state_colour(states[k]) << "\"/>\n";
        out << "<text x=\"" << x + 16 << "\" y=\"" << y << "\">" << detail::xml_text(meaning[k])
            << "</text>\n";
        x += widths[k];
    }
}

void write_row(std::ostream& out, const TimelineRow& row, std::size_t lane, int y,
               std::int64_t span_ns) {
    out << "<g class=\"row\" data-lane=\"" << lane << "\" data-label=\""
        << detail::xml_text(row.label) << "\" data-request=\"" << (row.is_request ? 1 : 0)
        << "\">\n";
    out << "<text x=\"10\" y=\"" << y + kBarHeight - 2 << "\">"
        << detail::xml_text(short_label(row)) << "</text>\n";
    for (const RowSegment& s : row.segments) {
        const double x0 = x_of(s.start_ns, span_ns);
        const double width = std::max(0.5, x_of(s.end_ns, span_ns) - x0);
        out << "<rect x=\"" << number(x0) << "\" y=\"" << y << "\" width=\"" << number(width)
            << "\" height=\"" << kBarHeight << "\" fill=\"" << state_colour(s.state) << "\"><title>"
            << detail::xml_text(row.label) << ": " << row_state_name(s.state) << " "
            << ms_text(s.start_ns) << " to " << ms_text(s.end_ns) << "</title></rect>\n";
    }
    out << "</g>\n";
}

// Vertical grid lines from `top` to `bottom` and their labels in ms under them.
void write_axis(std::ostream& out, int top, int bottom, std::int64_t span_ns) {
    const double span_ms = static_cast<double>(span_ns) / 1e6;
    const double step = detail::tick_step_ms(span_ms, 10);
    out << "<g class=\"axis\">\n";
    for (int k = 0; k * step <= span_ms + 1e-9; ++k) {
        const double ms = k * step;
        const double x = x_of(static_cast<std::int64_t>(std::llround(ms * 1e6)), span_ns);
        out << "<line x1=\"" << number(x) << "\" y1=\"" << top << "\" x2=\"" << number(x)
            << "\" y2=\"" << bottom << "\" stroke=\"#dddddd\"/>\n";
        char value[32];
        std::snprintf(value, sizeof value, "%g", ms);
        out << "<text x=\"" << number(x) << "\" y=\"" << bottom + 14 << "\" text-anchor=\"middle\">"
            << value << "</text>\n";
    }
    out << "<text x=\"" << kBarsRight << "\" y=\"" << bottom + 30
        << "\" text-anchor=\"end\">time since each run began (ms)</text>\n";
    out << "</g>\n";
}

}  // namespace

void write_svg_timeline(std::ostream& out, const std::vector<TraceLane>& lanes,
                        const SvgOptions& options) {
    std::vector<std::vector<TimelineRow>> all_rows;
    std::int64_t span_ns = 1;
    for (const TraceLane& lane : lanes) {
        all_rows.push_back(timeline_rows(lane));
        for (const TimelineRow& row : all_rows.back()) span_ns = std::max(span_ns, row.end_ns);
    }
    const std::size_t max_rows = static_cast<std::size_t>(std::max(1, options.max_rows));
    int lanes_height = 0;
    for (const auto& rows : all_rows) {
        const std::size_t lines = std::min(rows.size(), max_rows) + (rows.size() > max_rows);
        lanes_height += kLaneHeader + kRowHeight * static_cast<int>(lines);
    }
    const int top = (options.title.empty() ? 0 : 24) + 42;  // under the title and legend
    const int bottom = top + lanes_height + 4;
    const int height = bottom + 40;  // the axis labels

    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << kWidth << "\" height=\""
        << height << "\" viewBox=\"0 0 " << kWidth << " " << height
        << "\" font-family=\"sans-serif\" font-size=\"11\">\n"
        << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n";
    int y = 10;
    if (!options.title.empty()) {
        y += 18;
        out << "<text x=\"10\" y=\"" << y << "\" font-size=\"16\" font-weight=\"bold\">"
            << detail::xml_text(options.title) << "</text>\n";
        y += 6;
    }
    y += 18;
    write_legend(out, y);
    y = top;
    write_axis(out, top, bottom, span_ns);  // first, so that the bars are drawn over the grid
    for (std::size_t k = 0; k < lanes.size(); ++k) {
        const std::vector<TimelineRow>& rows = all_rows[k];
        std::int64_t lane_ns = 0;
        for (const TimelineRow& row : rows) lane_ns = std::max(lane_ns, row.end_ns);
        y += kLaneHeader;
        out << "<g class=\"lane\" data-title=\"" << detail::xml_text(lanes[k].title) << "\">\n"
            << "<text x=\"10\" y=\"" << y - 8 << "\" font-size=\"13\" font-weight=\"bold\">"
            << detail::xml_text(lanes[k].title) << "</text>\n"
            << "<text x=\"" << kBarsLeft << "\" y=\"" << y - 8 << "\">" << rows.size() << " rows, "
            << ms_text(lane_ns) << "</text>\n";
        const std::size_t shown = std::min(rows.size(), max_rows);
        for (std::size_t r = 0; r < shown; ++r) {
            write_row(out, rows[r], k, y, span_ns);
            y += kRowHeight;
        }
        if (shown < rows.size()) {
            out << "<text x=\"10\" y=\"" << y + kBarHeight - 2 << "\">... " << rows.size() - shown
                << " more rows</text>\n";
            y += kRowHeight;
        }
        out << "</g>\n";
    }
    out << "</svg>\n";
}

}  // namespace looplab
