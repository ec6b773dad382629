// demos/seeds/report.hpp: how the demos show numbers: aligned tables, pandas' describe(),
// asterisk bars, JSON and CSV.
//
// Everything printed fits an 80-column terminal. The describe() table is in describe.hpp.
#pragma once

#include <cstddef>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "demos/seeds/describe.hpp"
#include "demos/seeds/strategies.hpp"

namespace looplab::demos {

// ---- Statistics: describe.hpp (pandas' describe(), header-only so tests can check it) ----

// ---- Tables ----------------------------------------------------------------------------

// A plain aligned table: a header, a rule, rows. Numbers are right-aligned, text left-aligned
// (by column). Cells are strings: the caller decides the precision.
class Table {
public:
    enum class Align { left, right };
    struct Column {
        std::string header;
        Align align = Align::right;
    };
    explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
    void add_row(std::vector<std::string> cells);
    // Two spaces between columns, `indent` before each line.
    std::string render(const std::string& indent = "") const;

private:
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

// ---- Small formatting helpers ----------------------------------------------------------

// printf("%.*f").
std::string fixed(double value, int decimals);
// Seed 003's asterisks(): one '*' per 100 ms, at most `max_width` (then ends in '>').
std::string asterisks(double seconds, std::size_t max_width = 44);
// The URL without "http://", shortened in the middle to at most `width` characters.
std::string short_url(const std::string& url, std::size_t width = 29);
// Wraps text to lines of at most `width` columns, each starting with `indent`.
std::string wrap(const std::string& text, std::size_t width = 78, const std::string& indent = "");

// ---- JSON ------------------------------------------------------------------------------

// A run's summary: strategy, wall_s, requests, failed, threads_used, max_in_flight, executor
// counters, connections_opened, and the failures (index, url, error). With `with_requests`,
// every request's record too.
nlohmann::json to_json(const RunResult& run, bool with_requests = false);
nlohmann::json to_json(const RequestRecord& record);
nlohmann::json to_json(const Describe& d);

// ---- CSV -------------------------------------------------------------------------------

// --csv FILE: one tidy row per request and repeat, for pandas.read_csv(FILE).describe().
// Columns (the first eight are the ones every analysis needs):
//   strategy, n, delay_ms, repeat, start, end, wall, thread,
//   demo, index, began, elapsed, ok, status, error, url
// start / began / end are seconds since the repeat's start; elapsed = end - start (this
// request); wall = the whole repeat's wall time (the same on each of its rows); n = the
// repeat's number of requests. delay_ms is -1 when it is not one known number: an external
// server (--url), or pages with different delays (url-bars, executor-timestamps: see url).
class CsvWriter {
public:
    // Throws std::runtime_error if the file cannot be opened.
    explicit CsvWriter(const std::string& path);
    void add(const std::string& demo, const RunResult& run, int delay_ms, int repeat);
    std::size_t rows() const noexcept { return rows_; }

private:
    std::ofstream file_;
    std::size_t rows_ = 0;
};

// Quotes a CSV field if it needs it (RFC 4180).
std::string csv_field(const std::string& text);

}  // namespace looplab::demos
