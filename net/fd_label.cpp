// net/fd_label.cpp: see fd_label.hpp.
#include "net/fd_label.hpp"

#include <string>

#include "net/socket_ops.hpp"

namespace looplab::net {

namespace {

int fd_of(const Label& label) {
    return static_cast<int>(label.number / 2);
}
bool reads(const Label& label) {
    return label.number % 2 == 1;
}

// " (127.0.0.1:8080)", or nothing while the socket has no peer (connecting, or reset).
std::string peer_words(int fd) {
    try {
        return " (" + peer_address(fd).to_string() + ")";
    } catch (...) {  // a label must never throw: no peer, no words for it
        return {};
    }
}

void describe_wait(const Label& label, const LabelView& view, std::string& out) {
    out += std::string(": ") + (reads(label) ? "read" : "write") + " on fd " +
           std::to_string(fd_of(label));
    if (view.live) out += peer_words(fd_of(label));
}

void describe_ready(const Label& label, const LabelView&, std::string& out) {
    out += " fd " + std::to_string(fd_of(label)) + (reads(label) ? ": readable" : ": writable");
}

std::int64_t number_of(int fd, bool read) {
    return static_cast<std::int64_t>(fd) * 2 + (read ? 1 : 0);
}

}  // namespace

Label fd_wait_label(const char* what, int fd, bool read) {
    return Label{what, &describe_wait, nullptr, number_of(fd, read)};
}

Label fd_ready_label(const char* who, int fd, bool read) {
    return Label{who, &describe_ready, nullptr, number_of(fd, read)};
}

}  // namespace looplab::net
