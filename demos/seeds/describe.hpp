// demos/seeds/describe.hpp: pandas' DataFrame.describe(), the statistics of seed 001's tables.
//
// pandas: Series.describe() / DataFrame.describe() for numeric columns.
//
// Seed 001 printed pandas.DataFrame(times).describe(); batch-table prints the same table from
// the same statistics, so the two read side by side:
//   - std is the SAMPLE standard deviation (divides by n - 1), NaN for fewer than two values;
//   - 25% / 50% / 75% interpolate linearly between the two nearest ranks, at position
//     (n - 1) * q in the sorted values (numpy.percentile's default, "linear");
//   - cells have six decimals, minus the trailing zeros that every number of the column
//     has (pandas' _trim_zeros_float: [4.000000, 0.500000] prints as [4.0, 0.5]); the index
//     column is left-aligned, the value columns are right-aligned to the wider of their name
//     and their cells, two spaces apart. (pandas switches to scientific notation for tiny or
//     huge numbers; times in seconds never get there.)
// Header-only and free of the rest of the demo, so tests/demos checks it against pandas'
// own output without running a demo.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

namespace looplab::demos {

struct Describe {
    std::size_t count = 0;
    double mean = 0;
    double std = 0;
    double min = 0;
    double q25 = 0;
    double q50 = 0;
    double q75 = 0;
    double max = 0;
};

// The q-quantile (0 <= q <= 1) of sorted values; NaN if there are none.
inline double quantile_linear(const std::vector<double>& sorted, double q) {
    if (sorted.empty()) return std::numeric_limits<double>::quiet_NaN();
    const double position = static_cast<double>(sorted.size() - 1) * q;
    const auto below = static_cast<std::size_t>(std::floor(position));
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(below);
    return sorted[below] + (sorted[above] - sorted[below]) * fraction;
}

inline Describe describe(std::vector<double> values) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Describe d;
    d.count = values.size();
    if (values.empty()) {
        d.mean = d.std = d.min = d.q25 = d.q50 = d.q75 = d.max = nan;
        return d;
    }
    std::sort(values.begin(), values.end());
    const double n = static_cast<double>(values.size());
    d.mean = std::accumulate(values.begin(), values.end(), 0.0) / n;
    double squares = 0;
    for (double v : values) squares += (v - d.mean) * (v - d.mean);
    d.std = values.size() > 1 ? std::sqrt(squares / (n - 1)) : nan;
    d.min = values.front();
    d.q25 = quantile_linear(values, 0.25);
    d.q50 = quantile_linear(values, 0.50);
    d.q75 = quantile_linear(values, 0.75);
    d.max = values.back();
    return d;
}

// The text pandas prints for DataFrame(columns).describe(), one column per named series.
inline std::string describe_table(
    const std::vector<std::pair<std::string, std::vector<double>>>& columns) {
    static const char* const labels[] = {"count", "mean", "std", "min", "25%", "50%", "75%", "max"};
    constexpr std::size_t kIndexWidth = 5;  // "count", the longest label
    auto cell = [](double v) {
        if (std::isnan(v)) return std::string("NaN");
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.6f", v);
        return std::string(buffer);
    };
    auto pad_left = [](const std::string& s, std::size_t width) {
        return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
    };

    // Drops the last character of every number while all of them end in '0', keeping one
    // digit after the point. NaN is not a number here and is left alone.
    auto trim_zeros = [](std::vector<std::string>& column) {
        auto is_number = [](const std::string& x) { return x.find('.') != std::string::npos; };
        auto should_trim = [&] {
            bool any = false;
            for (const std::string& x : column) {
                if (!is_number(x)) continue;
                any = true;
                if (x.back() != '0' || x[x.size() - 2] == '.') return false;
            }
            return any;
        };
        while (should_trim()) {
            for (std::string& x : column) {
                if (is_number(x)) x.pop_back();
            }
        }
    };

    std::vector<std::vector<std::string>> cells;  // [column][row]
    std::vector<std::size_t> widths;
    for (const auto& [name, values] : columns) {
        const Describe d = describe(values);
        cells.push_back({cell(static_cast<double>(d.count)), cell(d.mean), cell(d.std), cell(d.min),
                         cell(d.q25), cell(d.q50), cell(d.q75), cell(d.max)});
        trim_zeros(cells.back());
        std::size_t width = name.size();
        for (const std::string& c : cells.back()) width = std::max(width, c.size());
        widths.push_back(width);
    }
    std::string out(kIndexWidth, ' ');
    for (std::size_t c = 0; c < columns.size(); ++c) {
        out += "  " + pad_left(columns[c].first, widths[c]);
    }
    out += "\n";
    for (std::size_t row = 0; row < 8; ++row) {
        std::string label = labels[row];
        out += label + std::string(kIndexWidth - label.size(), ' ');
        for (std::size_t c = 0; c < columns.size(); ++c) {
            out += "  " + pad_left(cells[c][row], widths[c]);
        }
        out += "\n";
    }
    return out;
}

}  // namespace looplab::demos
