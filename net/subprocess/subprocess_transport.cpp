// net/subprocess/subprocess_transport.cpp: spawning, connecting the pipes, ordering the calls,
// and finishing.
//
// asyncio: BaseSubprocessTransport (base_subprocess.py); the method names follow its
//          (_connect_pipes, _call, _process_exited, _try_finish, _call_connection_lost).
#include "net/subprocess/subprocess_transport.hpp"

#include <sys/wait.h>

#include <cerrno>

#include "net/transport/protocol.hpp"
#include "net/transport/read_pipe_transport.hpp"
#include "net/transport/write_pipe_transport.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

namespace {

// The protocol of one pipe transport: it only says which fd it is (asyncio:
// WriteSubprocessPipeProto / ReadSubprocessPipeProto). It holds the subprocess transport: an
// open pipe keeps it alive (the header's lifetime rule); the pipe transport drops its protocol
// right after connection_lost.
class PipeAdapter final : public Protocol {
public:
    PipeAdapter(std::shared_ptr<SubprocessTransport> owner, int fd)
        : owner_(std::move(owner)), fd_(fd) {}
    void data_received(std::string_view data) override { owner_->pipe_data_received(fd_, data); }
    bool eof_received() override { return false; }
    void connection_lost(std::exception_ptr error) override {
        owner_->pipe_connection_lost(fd_, std::move(error));
    }
    void pause_writing() override { owner_->pipe_pause_writing(); }
    void resume_writing() override { owner_->pipe_resume_writing(); }

private:
    std::shared_ptr<SubprocessTransport> owner_;
    int fd_;
};

}  // namespace

SubprocessTransport::SubprocessTransport(EventLoop& loop,
                                         std::shared_ptr<SubprocessProtocol> protocol, pid_t pid)
    : loop_(loop), protocol_(std::move(protocol)), pid_(pid) {}

// Reached once nothing waits any more, or when the loop closed first and dropped the watch:
// then watcher_'s destructor reaps the child in the background.
SubprocessTransport::~SubprocessTransport() = default;

// ---- Starting -----------------------------------------------------------------------------

Coro<std::shared_ptr<SubprocessTransport>> SubprocessTransport::start(
    EventLoop& loop, std::shared_ptr<SubprocessProtocol> protocol, std::vector<std::string> argv,
    SubprocessOptions options) {
    SpawnedChild child = spawn_child(argv, options);
    std::shared_ptr<SubprocessTransport> t(
        new SubprocessTransport(loop, std::move(protocol), child.pid));
    try {
        // The watch holds the transport until the child is reaped (the header's lifetime).
        t->watcher_ = ChildWatcher::start(
            loop, child.pid, [t](int returncode) { t->process_exited(returncode); },
            options.child_watcher);
    } catch (...) {
        ::kill(child.pid, SIGKILL);  // nobody would ever reap it otherwise
        int status = 0;
        while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
        }
        throw;
    }
    try {
        co_await t->connect_pipes(child);
        Future<void> made = t->connected();
        co_await made;
    } catch (...) {
        t->abandon();
        throw;
    }
    co_return t;
}

// asyncio: _connect_pipes. Each pipe transport's connection_made has run when this returns.
Coro<void> SubprocessTransport::connect_pipes(SpawnedChild& child) {
    Future<void> made[3];
    if (child.std_in) {
        has_pipe_[0] = true;
        made[0] = loop_.create_future<void>();
        pipes_[0].transport =
            WritePipeTransport::make(loop_, std::move(child.std_in),
                                     std::make_shared<PipeAdapter>(shared_from_this(), 0), made[0]);
    }
    UniqueFd* readers[3] = {nullptr, &child.std_out, &child.std_err};
    for (int fd = 1; fd <= 2; ++fd) {
        if (!*readers[fd]) continue;
        has_pipe_[fd] = true;
        made[fd] = loop_.create_future<void>();
        pipes_[fd].transport = ReadPipeTransport::make(
            loop_, std::move(*readers[fd]), std::make_shared<PipeAdapter>(shared_from_this(), fd),
            made[fd]);
    }
    for (Future<void>& f : made) {
        if (f) co_await f;
    }
}

// asyncio: the end of _connect_pipes. From here on every call goes through call_soon, in order.
// The returned future completes once connection_made has run (with what it threw, if it did).
Future<void> SubprocessTransport::connected() {
    connected_ = true;
    Future<void> made = loop_.create_future<void>();
    loop_.call_soon([self = shared_from_this(), made]() mutable {
        try {
            self->protocol_->connection_made(*self);
            made.set_result();
        } catch (...) {
            if (!made.done()) made.set_exception(std::current_exception());
        }
    });
    for (Callback& fn : held_back_) loop_.call_soon(std::move(fn));
    held_back_.clear();
    return made;
}

// Creation failed or was cancelled: nobody will see this transport. Its protocol is swapped for
// one that hears nothing, and close() kills the child; the pipes and the exit then finish the
// transport as usual, which releases it (and reaps the child).
void SubprocessTransport::abandon() {
    protocol_ = std::make_shared<SubprocessProtocol>();
    held_back_.clear();
    connected_ = true;
    close();
}

// asyncio: _call.
void SubprocessTransport::call(Callback fn) {
    if (connected_) {
        loop_.call_soon(std::move(fn));
    } else {
        held_back_.push_back(std::move(fn));
    }
}

// ---- Events from the pipes and the watcher ------------------------------------------------

void SubprocessTransport::pipe_data_received(int fd, std::string_view data) {
    call([self = shared_from_this(), fd, bytes = std::string(data)] {
        self->protocol_->pipe_data_received(fd, bytes);
    });
}

void SubprocessTransport::pipe_connection_lost(int fd, std::exception_ptr error) {
    pipes_[fd].disconnected = true;
    call([self = shared_from_this(), fd, error] {
        self->protocol_->pipe_connection_lost(fd, error);
    });
    try_finish();
}

void SubprocessTransport::pipe_pause_writing() {
    protocol_->pause_writing();
}

void SubprocessTransport::pipe_resume_writing() {
    protocol_->resume_writing();
}

void SubprocessTransport::process_exited(int returncode) {
    returncode_ = returncode;
    call([self = shared_from_this()] { self->protocol_->process_exited(); });
    try_finish();
}

// asyncio: _try_finish. Finished once the child is reaped and every pipe has closed.
void SubprocessTransport::try_finish() {
    if (finishing_ || !returncode_) return;
    for (int fd = 0; fd < 3; ++fd) {
        if (has_pipe_[fd] && !pipes_[fd].disconnected) return;
    }
    finishing_ = true;
    call([self = shared_from_this()] { self->call_connection_lost(); });
}

// asyncio: _call_connection_lost. Whatever connection_lost does, wait() is answered and
// everything is let go.
void SubprocessTransport::call_connection_lost() {
    struct Release {
        SubprocessTransport& t;
        ~Release() {
            t.finished_ = true;
            for (Future<int>& waiter : t.exit_waiters_) {
                if (!waiter.done()) waiter.set_result(*t.returncode_);
            }
            t.exit_waiters_.clear();
            t.protocol_.reset();
            for (Pipe& pipe : t.pipes_) pipe.transport.reset();
        }
    } release{*this};
    protocol_->connection_lost(nullptr);
}

// ---- The user's side ----------------------------------------------------------------------

Transport* SubprocessTransport::get_pipe_transport(int fd) const noexcept {
    if (fd < 0 || fd > 2 || !has_pipe_[fd]) return nullptr;
    return pipes_[fd].transport.get();
}

void SubprocessTransport::send_signal(int sig) {
    if (finished_) throw ProcessLookupError(pid_);
    // Reaped already: the pid may belong to another process by now, so nothing is sent (asyncio
    // would still call os.kill here). Before the reap the pid is ours: ESRCH cannot happen, and
    // EPERM (a setuid child) is ignored, as asyncio's close() does.
    if (returncode_) return;
    ::kill(pid_, sig);
}

void SubprocessTransport::close() {
    if (closed_) return;
    closed_ = true;
    for (Pipe& pipe : pipes_) {
        if (pipe.transport) pipe.transport->close();
    }
    if (!returncode_) ::kill(pid_, SIGKILL);  // asyncio: "Close running child process: kill"
}

Coro<int> SubprocessTransport::wait() {
    auto keep_alive = shared_from_this();
    if (finished_) co_return *returncode_;
    Future<int> waiter = loop_.create_future<int>();
    exit_waiters_.push_back(waiter);
    co_return co_await waiter;
}

std::optional<ChildWatcherKind> SubprocessTransport::watcher_kind() const noexcept {
    if (!watcher_) return std::nullopt;
    return watcher_->kind();
}

}  // namespace looplab::net
