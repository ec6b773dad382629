// http/server/access_log.hpp: one line per answered request, in the common log format.
//
// nginx:   access_log with its "combined" format's first part (ngx_http_log_module)
// aiohttp: web_log.AccessLogger ('%a %t "%r" %s %b ...')
// Apache:  LogFormat "%h %l %u %t \"%r\" %>s %b" common, where the format comes from
//
//     127.0.0.1 - - [06/Nov/2026:08:49:37 +0000] "GET /bytes/10 HTTP/1.1" 200 10
//
// host, identity (always "-"), user (always "-"), the time the response was finished, the
// request line as sent, the final status, and the body bytes sent ("-" for none). Every tool
// that reads web logs (goaccess, awstats, a grep) reads this one. The time is UTC (+0000):
// nothing here depends on the machine's time zone, as the Date header does not.
//
// One AccessLog may be shared by several servers on several threads (lab-serve --workers): a
// line is formatted on the caller's thread and handed to the kernel with one write(2) under a
// mutex, so lines never interleave, and a file opened with O_APPEND is safe to share with
// other processes too. Writing is synchronous, as nginx's unbuffered access_log is; a log on a
// slow disk slows the server, so it is off unless asked for (lab-serve --access-log).
#pragma once

#include <cstdint>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace looplab::http {

// What one line says.
struct AccessRecord {
    std::string_view peer;          // "127.0.0.1:52144" or "[::1]:52144": the host is logged
    std::string_view request_line;  // "GET / HTTP/1.1"; "-" when no request could be read
    int status = 0;
    std::uint64_t body_bytes = 0;
    std::time_t when = 0;
};

class AccessLog {
public:
    // "-" is standard output; anything else a file, created if missing and appended to.
    // Throws std::system_error if the file cannot be opened.
    static std::shared_ptr<AccessLog> open(const std::string& path);
    // Writes to a descriptor the caller keeps open (tests: a pipe).
    explicit AccessLog(int fd, bool owned = false);
    ~AccessLog();
    AccessLog(const AccessLog&) = delete;
    AccessLog& operator=(const AccessLog&) = delete;

    // Appends the record's line. Any thread. A failed write is dropped (a full disk must not
    // stop the server), and counted.
    void write(const AccessRecord& record);
    std::uint64_t failed_writes() const;

    // The line for a record, newline included.
    static std::string format(const AccessRecord& record);

private:
    int fd_;
    bool owned_;
    mutable std::mutex mutex_;
    std::uint64_t failed_ = 0;
};

}  // namespace looplab::http
