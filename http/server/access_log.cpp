// http/server/access_log.cpp: see access_log.hpp.
#include "http/server/access_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace looplab::http {

namespace {

// Fixed English names: the log, like the Date header, does not follow the locale.
constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void append_two(std::string& out, int value) {
    out += static_cast<char>('0' + value / 10 % 10);
    out += static_cast<char>('0' + value % 10);
}

// "[06/Nov/2026:08:49:37 +0000]"
void append_time(std::string& out, std::time_t when) {
    std::tm tm{};
    gmtime_r(&when, &tm);
    out += '[';
    append_two(out, tm.tm_mday);
    out += '/';
    out += kMonths[tm.tm_mon];
    out += '/';
    out += std::to_string(tm.tm_year + 1900);
    out += ':';
    append_two(out, tm.tm_hour);
    out += ':';
    append_two(out, tm.tm_min);
    out += ':';
    append_two(out, tm.tm_sec);
    out += " +0000]";
}

// "127.0.0.1:5" -> "127.0.0.1"; "[::1]:5" -> "::1".
std::string_view host_of(std::string_view peer) {
    if (peer.empty()) return "-";
    if (peer.front() == '[') {
        const std::size_t close = peer.find(']');
        return close == std::string_view::npos ? peer : peer.substr(1, close - 1);
    }
    const std::size_t colon = peer.rfind(':');
    return colon == std::string_view::npos ? peer : peer.substr(0, colon);
}

}  // namespace

std::shared_ptr<AccessLog> AccessLog::open(const std::string& path) {
    if (path == "-") return std::make_shared<AccessLog>(STDOUT_FILENO, false);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) throw std::system_error(errno, std::generic_category(), "access log " + path);
    return std::make_shared<AccessLog>(fd, true);
}

AccessLog::AccessLog(int fd, bool owned) : fd_(fd), owned_(owned) {}

AccessLog::~AccessLog() {
    if (owned_) ::close(fd_);
}

std::string AccessLog::format(const AccessRecord& record) {
    std::string line;
    line.reserve(96 + record.request_line.size());
    line += host_of(record.peer);
    line += " - - ";
    append_time(line, record.when);
    line += " \"";
    line += record.request_line.empty() ? std::string_view("-") : record.request_line;
    line += "\" ";
    line += std::to_string(record.status);
    line += ' ';
    line += record.body_bytes == 0 ? std::string("-") : std::to_string(record.body_bytes);
    line += '\n';
    return line;
}

void AccessLog::write(const AccessRecord& record) {
    const std::string line = format(record);
    std::lock_guard lock(mutex_);
    // One write(2) per line: with O_APPEND the kernel puts it at the end whole.
    const ssize_t n = ::write(fd_, line.data(), line.size());
    if (n != static_cast<ssize_t>(line.size())) ++failed_;
}

std::uint64_t AccessLog::failed_writes() const {
    std::lock_guard lock(mutex_);
    return failed_;
}

}  // namespace looplab::http
