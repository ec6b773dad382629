// net/transport/unix_server.cpp: the stale socket file, bind, listen, and the file's removal.
#include "net/transport/unix_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "net/errors.hpp"
#include "net/socket_ops.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

namespace {

// Removes a socket file left by an earlier server; refuses to remove anything else.
void remove_stale_socket_file(const UnixAddress& address) {
    struct stat st {};
    if (::lstat(address.name().c_str(), &st) != 0) return;  // nothing there
    if (!S_ISSOCK(st.st_mode)) throw NetError(EEXIST, "bind", address.to_string());
    ::unlink(address.name().c_str());
}

// What close() runs once the listener is gone: unlink path if it is still our socket file.
std::shared_ptr<void> remove_on_close(const UnixAddress& address) {
    struct stat st {};
    if (address.is_abstract() || ::stat(address.name().c_str(), &st) != 0) return nullptr;
    struct Ours {
        std::string path;
        dev_t device;
        ino_t inode;
    };
    return std::shared_ptr<Ours>(new Ours{address.name(), st.st_dev, st.st_ino}, [](Ours* ours) {
        struct stat now {};
        if (::stat(ours->path.c_str(), &now) == 0 && now.st_dev == ours->device &&
            now.st_ino == ours->inode) {
            ::unlink(ours->path.c_str());
        }
        delete ours;
    });
}

}  // namespace

Coro<std::shared_ptr<Server>> create_unix_server(EventLoop& loop, ProtocolFactory factory,
                                                 std::string path, ServerOptions options) {
    UnixAddress address(path);
    if (!address.is_abstract()) remove_stale_socket_file(address);
    UniqueFd fd = make_socket(AF_UNIX, SOCK_STREAM, /*non_blocking=*/true);
    if (::bind(fd.get(), address.data(), address.size()) != 0) {
        throw_os_error(errno, "bind", address.to_string());
    }
    std::shared_ptr<void> on_close = remove_on_close(address);
    start_listening(fd.get(), options.backlog);
    std::vector<Server::Listener> listeners;
    listeners.push_back({std::move(fd), std::move(address), std::move(on_close)});
    std::shared_ptr<Server> server =
        Server::make(loop, std::move(factory), std::move(listeners), options);
    if (options.start_serving) server->start_serving();
    co_return server;
}

}  // namespace looplab::net
