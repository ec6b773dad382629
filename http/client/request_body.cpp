// http/client/request_body.cpp: see request_body.hpp.
#include "http/client/request_body.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>

namespace looplab::http {

namespace {

std::runtime_error file_error(const std::string& what, const std::string& path) {
    return std::runtime_error(what + " '" + path + "': " + std::strerror(errno));
}

std::uint64_t file_size(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) throw file_error("cannot open the file to send", path);
    if (!S_ISREG(st.st_mode)) throw std::runtime_error("'" + path + "' is not a regular file");
    return static_cast<std::uint64_t>(st.st_size);
}

// A boundary no part is likely to contain: 16 random hex digits behind a fixed prefix (the
// random device seeds once; a counter keeps two bodies of one process apart).
std::string make_boundary() {
    static std::atomic<unsigned> counter{0};
    static const unsigned long long seed = std::random_device{}();
    std::mt19937_64 rng(seed + counter++);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "looplab-boundary-";
    for (int i = 0; i < 16; ++i) out += kHex[rng() % 16];
    return out;
}

std::string quoted_param(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\' || c == '\r' || c == '\n') out += '%';  // never break the line
        else out += c;
    }
    return out + "\"";
}

// Reads the segments one after the other.
class SegmentReader final : public BodyReader {
public:
    explicit SegmentReader(const std::vector<RequestBody::Segment>& segments) : segments_(segments) {}
    ~SegmentReader() override {
        if (file_ >= 0) ::close(file_);
    }

    std::string read(std::size_t max) override {
        while (index_ < segments_.size()) {
            std::string out = read_segment(segments_[index_], max);
            if (!out.empty()) return out;
            next_segment();
        }
        return {};
    }

private:
    std::string read_segment(const RequestBody::Segment& s, std::size_t max) {
        if (s.path.empty() && s.fd < 0) {
            std::string out = s.bytes.substr(offset_, max);
            offset_ += out.size();
            return out;
        }
        if (s.fd < 0 && file_ < 0) {
            file_ = ::open(s.path.c_str(), O_RDONLY | O_CLOEXEC);
            if (file_ < 0) throw file_error("cannot open the file to send", s.path);
        }
        const int fd = s.fd >= 0 ? s.fd : file_;
        std::string out(max, '\0');
        for (;;) {
            const ssize_t n = ::read(fd, out.data(), max);
            if (n >= 0) {
                out.resize(static_cast<std::size_t>(n));
                return out;
            }
            if (errno != EINTR)
                throw file_error("cannot read the data to send from",
                                 s.fd >= 0 ? "fd " + std::to_string(s.fd) : s.path);
        }
    }

    void next_segment() {
        if (file_ >= 0) ::close(file_);
        file_ = -1;
        offset_ = 0;
        ++index_;
    }

    const std::vector<RequestBody::Segment>& segments_;
    std::size_t index_ = 0;
    std::size_t offset_ = 0;  // into an in-memory segment
    int file_ = -1;           // the open file of the current segment
};

}  // namespace

RequestBody::RequestBody(std::string bytes) {
    if (!bytes.empty()) {
        const auto n = static_cast<std::uint64_t>(bytes.size());
        add(Segment{std::move(bytes), {}, -1}, n);
    }
}

void RequestBody::add(Segment segment, std::optional<std::uint64_t> length) {
    segments_.push_back(std::move(segment));
    if (length_ && length) {
        *length_ += *length;
    } else {
        length_.reset();
    }
}

RequestBody RequestBody::bytes(std::string data, std::string content_type) {
    RequestBody body(std::move(data));
    body.content_type_ = std::move(content_type);
    return body;
}

RequestBody RequestBody::form(const Params& fields) {
    return bytes(form_urlencode(fields), "application/x-www-form-urlencoded");
}

RequestBody RequestBody::file(std::string path, std::string content_type) {
    RequestBody body;
    const std::uint64_t size = file_size(path);
    if (size > 0) body.add(Segment{{}, std::move(path), -1}, size);
    body.content_type_ = std::move(content_type);
    return body;
}

RequestBody RequestBody::stream(int fd, std::string content_type) {
    RequestBody body;
    body.add(Segment{{}, {}, fd}, std::nullopt);
    body.content_type_ = std::move(content_type);
    return body;
}

RequestBody RequestBody::multipart(const std::vector<FormPart>& parts) {
    const std::string boundary = make_boundary();
    RequestBody body;
    for (const FormPart& part : parts) {
        std::string head = "--" + boundary + "\r\nContent-Disposition: form-data; name=" +
                           quoted_param(part.name);
        if (!part.path.empty()) {
            const std::string filename =
                part.filename.empty() ? part.path.substr(part.path.rfind('/') + 1) : part.filename;
            head += "; filename=" + quoted_param(filename) + "\r\nContent-Type: " +
                    (part.content_type.empty() ? "application/octet-stream" : part.content_type);
        } else if (!part.content_type.empty()) {
            head += "\r\nContent-Type: " + part.content_type;
        }
        head += "\r\n\r\n";
        const auto head_size = static_cast<std::uint64_t>(head.size());
        body.add(Segment{std::move(head), {}, -1}, head_size);
        if (!part.path.empty()) {
            const std::uint64_t size = file_size(part.path);
            body.add(Segment{{}, part.path, -1}, size);
        } else if (!part.value.empty()) {
            body.add(Segment{part.value, {}, -1}, part.value.size());
        }
        body.add(Segment{"\r\n", {}, -1}, 2);
    }
    std::string end = "--" + boundary + "--\r\n";
    const auto end_size = static_cast<std::uint64_t>(end.size());
    body.add(Segment{std::move(end), {}, -1}, end_size);
    body.content_type_ = "multipart/form-data; boundary=" + boundary;
    return body;
}

bool RequestBody::replayable() const noexcept {
    for (const Segment& s : segments_)
        if (s.fd >= 0) return false;
    return true;
}

const std::string* RequestBody::in_memory() const noexcept {
    if (segments_.size() == 1 && segments_[0].path.empty() && segments_[0].fd < 0)
        return &segments_[0].bytes;
    return nullptr;
}

std::unique_ptr<BodyReader> RequestBody::open() const {
    return std::make_unique<SegmentReader>(segments_);
}

}  // namespace looplab::http
