// net/unix_address.cpp: building and reading sockaddr_un.
#include "net/unix_address.hpp"

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <ostream>
#include <stdexcept>

#include "net/errors.hpp"

namespace looplab::net {

namespace {

constexpr socklen_t kFamilySize = offsetof(sockaddr_un, sun_path);

template <class Call>
UnixAddress query(int fd, Call call, std::string_view what) {
    sockaddr_storage storage{};
    socklen_t length = sizeof storage;
    if (call(fd, reinterpret_cast<sockaddr*>(&storage), &length) != 0) {
        throw_os_error(errno, what, {});
    }
    auto address = UnixAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&storage), length);
    if (!address) throw NetError(EAFNOSUPPORT, what, {});
    return *address;
}

}  // namespace

UnixAddress::UnixAddress() noexcept : storage_{}, length_(kFamilySize) {
    storage_.sun_family = AF_UNIX;
}

UnixAddress::UnixAddress(std::string_view name) : UnixAddress() {
    if (name.empty()) throw std::invalid_argument("UnixAddress: empty name");
    const bool abstract = name[0] == '\0';
    if (!abstract && name.find('\0') != std::string_view::npos) {
        throw std::invalid_argument("UnixAddress: a path may not contain a NUL byte");
    }
    // A path needs room for its terminating NUL; an abstract name is counted by the length.
    if (name.size() > kMaxNameSize + (abstract ? 1 : 0)) {
        throw std::invalid_argument("UnixAddress: name longer than " +
                                    std::to_string(kMaxNameSize) + " bytes");
    }
    std::memcpy(storage_.sun_path, name.data(), name.size());
    length_ = static_cast<socklen_t>(kFamilySize + name.size() + (abstract ? 0 : 1));
    name_ = std::string(name);
}

std::optional<UnixAddress> UnixAddress::from_sockaddr(const sockaddr* addr, socklen_t length) {
    if (addr == nullptr || length < static_cast<socklen_t>(sizeof(sa_family_t)) ||
        addr->sa_family != AF_UNIX || length > static_cast<socklen_t>(sizeof(sockaddr_un))) {
        return std::nullopt;
    }
    const auto* un = reinterpret_cast<const sockaddr_un*>(addr);
    const std::size_t bytes = length > kFamilySize ? length - kFamilySize : 0;
    if (bytes == 0) return UnixAddress();
    std::string_view name(un->sun_path, bytes);
    if (name[0] != '\0') name = name.substr(0, name.find('\0'));  // a path ends at its NUL
    if (name.empty()) return UnixAddress();
    return UnixAddress(name);
}

std::string UnixAddress::to_string() const {
    if (is_unnamed()) return "(unnamed)";
    if (is_abstract()) return "@" + name_.substr(1);
    return name_;
}

std::ostream& operator<<(std::ostream& out, const UnixAddress& address) {
    return out << address.to_string();
}

UnixAddress local_unix_address(int fd) {
    return query(fd, ::getsockname, "getsockname");
}

UnixAddress peer_unix_address(int fd) {
    return query(fd, ::getpeername, "getpeername");
}

}  // namespace looplab::net
