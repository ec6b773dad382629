// runtime/label.cpp: the words of the core's labels (see label.hpp).
#include "runtime/label.hpp"

#include <chrono>
#include <cstdio>

namespace looplab {

std::string Label::text(const LabelView& view) const {
    if (!what) return {};
    std::string out = what;
    if (describe) describe(*this, view, out);
    return out;
}

namespace labels {

namespace {

// The one `what` of done_callback labels: is_done_callback compares the address.
const char kDoneWord[] = "done";

// " (2 of 5 done)"
void add_count(std::string& out, std::size_t done, std::size_t total) {
    out += " (" + std::to_string(done) + " of " + std::to_string(total) + " done)";
}

void describe_done_of(const Label& label, const LabelView& view, std::string& out) {
    if (!view.live) return;
    add_count(out, *static_cast<const std::size_t*>(label.subject),
              static_cast<std::size_t>(label.number));
}

void describe_remaining_of(const Label& label, const LabelView& view, std::string& out) {
    if (!view.live) return;
    const auto total = static_cast<std::size_t>(label.number);
    add_count(out, total - *static_cast<const std::size_t*>(label.subject), total);
}

void describe_sleep(const Label& label, const LabelView& view, std::string& out) {
    out += " " + duration_text(Duration(label.number));
    if (!view.live || !label.subject) return;
    const Duration left = *static_cast<const TimePoint*>(label.subject) - view.now;
    out += left > Duration::zero() ? " (due in " + duration_text(left) + ")" : " (due now)";
}

void describe_sleep_timer(const Label& label, const LabelView&, std::string& out) {
    out += " sleep " + duration_text(Duration(label.number)) + " ends";
}

void describe_since(const Label& label, const LabelView& view, std::string& out) {
    if (!view.live) return;
    out += " (" + duration_text(Duration(monotonic_ns() - label.number)) + " so far)";
}

}  // namespace

std::string duration_text(Duration d) {
    using std::chrono::duration;
    const double us = duration<double, std::micro>(d).count();
    char text[32];
    if (us < 1000) {
        std::snprintf(text, sizeof text, "%.0f us", us);
    } else if (us < 10'000) {
        std::snprintf(text, sizeof text, "%.1f ms", us / 1000);
    } else if (us < 10'000'000) {
        std::snprintf(text, sizeof text, "%.0f ms", us / 1000);
    } else {
        std::snprintf(text, sizeof text, "%.1f s", us / 1'000'000);
    }
    std::string s = text;
    if (s.size() > 5 && s.compare(s.size() - 5, 5, ".0 ms") == 0) s.erase(s.size() - 5, 2);
    return s;
}

std::string ordinal(std::uint64_t n) {
    const char* suffix = "th";
    if (n % 100 < 11 || n % 100 > 13) {
        switch (n % 10) {
            case 1:
                suffix = "st";
                break;
            case 2:
                suffix = "nd";
                break;
            case 3:
                suffix = "rd";
                break;
            default:
                break;
        }
    }
    return std::to_string(n) + suffix;
}

void describe_about(const Label& label, const LabelView&, std::string& out) {
    // The subject says its own words; they come first ("Task 'fetch' starts").
    out = static_cast<const Describable*>(label.subject)->describe_self() + " " + out;
}

Label done_callback(const Describable& future) {
    return about(future, kDoneWord);
}

bool is_done_callback(const Label& label) noexcept {
    return label.describe == &describe_about && label.what == kDoneWord;
}

Label sleep(Duration delay, const TimePoint* timer_when) {
    return Label{"sleep", &describe_sleep, timer_when, delay.count()};
}

Label sleep_timer(Duration delay) {
    return Label{"timer:", &describe_sleep_timer, nullptr, delay.count()};
}

Label done_of(const char* what, const std::size_t* done_count, std::size_t total) {
    return Label{what, &describe_done_of, done_count, static_cast<std::int64_t>(total)};
}

Label remaining_of(const char* what, const std::size_t* remaining, std::size_t total) {
    return Label{what, &describe_remaining_of, remaining, static_cast<std::int64_t>(total)};
}

Label since(const char* what, std::int64_t started_ns) {
    return Label{what, &describe_since, nullptr, started_ns};
}

}  // namespace labels
}  // namespace looplab
