// demos/seeds/report.cpp: tables, describe(), bars, JSON and CSV (see report.hpp).
#include "demos/seeds/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <stdexcept>

namespace looplab::demos {

namespace {

std::string pad_left(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string pad_right(const std::string& s, std::size_t width) {
    return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

// ---- Tables ----------------------------------------------------------------------------

void Table::add_row(std::vector<std::string> cells) {
    cells.resize(columns_.size());
    rows_.push_back(std::move(cells));
}

std::string Table::render(const std::string& indent) const {
    std::vector<std::size_t> widths;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        std::size_t w = columns_[c].header.size();
        for (const auto& row : rows_) w = std::max(w, row[c].size());
        widths.push_back(w);
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string text = indent;
        for (std::size_t c = 0; c < columns_.size(); ++c) {
            if (c > 0) text += "  ";
            const bool last = c + 1 == columns_.size();
            if (columns_[c].align == Align::right) {
                text += pad_left(cells[c], widths[c]);
            } else {
                text += last ? cells[c] : pad_right(cells[c], widths[c]);
            }
        }
        return text + "\n";
    };
    std::vector<std::string> headers;
    std::vector<std::string> rules;
    for (std::size_t c = 0; c < columns_.size(); ++c) {
        headers.push_back(columns_[c].header);
        rules.push_back(std::string(widths[c], '-'));
    }
    std::string out = line(headers) + line(rules);
    for (const auto& row : rows_) out += line(row);
    return out;
}

// ---- Small formatting helpers ----------------------------------------------------------

std::string fixed(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    return buffer;
}

std::string asterisks(double seconds, std::size_t max_width) {
    const auto n = static_cast<std::size_t>(std::max(0.0, seconds * 10));
    if (n <= max_width) return std::string(n, '*');
    return std::string(max_width - 1, '*') + ">";
}

std::string short_url(const std::string& url, std::size_t width) {
    std::string s = url.rfind("http://", 0) == 0 ? url.substr(7) : url;
    if (s.size() <= width) return s;
    const std::size_t keep = width - 3;
    return s.substr(0, keep / 2) + "..." + s.substr(s.size() - (keep - keep / 2));
}

std::string wrap(const std::string& text, std::size_t width, const std::string& indent) {
    std::istringstream words(text);
    std::string word;
    std::string out;
    std::string line = indent;
    bool empty = true;
    while (words >> word) {
        if (!empty && line.size() + 1 + word.size() > width) {
            out += line + "\n";
            line = indent;
            empty = true;
        }
        line += (empty ? "" : " ") + word;
        empty = false;
    }
    if (!empty) out += line + "\n";
    return out;
}

// ---- JSON ------------------------------------------------------------------------------

nlohmann::json to_json(const RequestRecord& r) {
    nlohmann::json j = {{"index", r.index},  {"url", r.url},       {"start", r.start},
                        {"began", r.began},  {"done", r.done},     {"end", r.end},
                        {"ok", r.ok},        {"status", r.status}, {"bytes", r.bytes},
                        {"thread", r.thread}};
    if (!r.ok) j["error"] = r.error;
    return j;
}

nlohmann::json to_json(const RunResult& run, bool with_requests) {
    nlohmann::json j = {
        {"strategy", run.strategy},           {"wall_s", run.wall},
        {"requests", run.records.size()},     {"failed", run.failed()},
        {"threads_used", run.threads_used()}, {"max_in_flight", run.max_in_flight()}};
    if (run.executor) {
        const ThreadPoolExecutor::Stats& s = *run.executor;
        const double completed = std::max<double>(1, static_cast<double>(s.completed));
        j["executor"] = {
            {"workers", run.workers.value_or(0)},
            {"threads_started", s.threads_started},
            {"peak_queue_depth", s.peak_queue_depth},
            {"completed", s.completed},
            {"mean_queued_ms",
             std::chrono::duration<double, std::milli>(s.total_time_queued).count() / completed},
            {"max_queued_ms", std::chrono::duration<double, std::milli>(s.max_time_queued).count()},
            {"mean_running_ms",
             std::chrono::duration<double, std::milli>(s.total_time_running).count() / completed},
        };
    }
    if (run.connections_opened) j["connections_opened"] = *run.connections_opened;
    nlohmann::json failures = nlohmann::json::array();
    for (const RequestRecord& r : run.records) {
        if (!r.ok) failures.push_back({{"index", r.index}, {"url", r.url}, {"error", r.error}});
    }
    j["failures"] = failures;
    if (with_requests) {
        nlohmann::json requests = nlohmann::json::array();
        for (const RequestRecord& r : run.records) requests.push_back(to_json(r));
        j["records"] = requests;
    }
    return j;
}

nlohmann::json to_json(const Describe& d) {
    auto number = [](double v) -> nlohmann::json {
        return std::isnan(v) ? nlohmann::json(nullptr) : nlohmann::json(v);
    };
    return {{"count", d.count},     {"mean", number(d.mean)}, {"std", number(d.std)},
            {"min", number(d.min)}, {"25%", number(d.q25)},   {"50%", number(d.q50)},
            {"75%", number(d.q75)}, {"max", number(d.max)}};
}

// ---- CSV -------------------------------------------------------------------------------

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
    std::string quoted = "\"";
    for (char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

CsvWriter::CsvWriter(const std::string& path) : file_(path) {
    if (!file_) throw std::runtime_error("--csv: cannot open '" + path + "' for writing");
    file_ << "strategy,n,delay_ms,repeat,start,end,wall,thread,"
             "demo,index,began,elapsed,ok,status,error,url\n";
}

void CsvWriter::add(const std::string& demo, const RunResult& run, int delay_ms, int repeat) {
    for (const RequestRecord& r : run.records) {
        file_ << csv_field(run.strategy) << ',' << run.records.size() << ',' << delay_ms << ','
              << repeat << ',' << fixed(r.start, 6) << ',' << fixed(r.end, 6) << ','
              << fixed(run.wall, 6) << ',' << csv_field(r.thread) << ',' << csv_field(demo) << ','
              << r.index << ',' << fixed(r.began, 6) << ',' << fixed(r.end - r.start, 6) << ','
              << (r.ok ? "true" : "false") << ',' << r.status << ',' << csv_field(r.error) << ','
              << csv_field(r.url) << '\n';
        ++rows_;
    }
    file_.flush();
}

}  // namespace looplab::demos
