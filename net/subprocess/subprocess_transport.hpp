// net/subprocess/subprocess_transport.hpp: SubprocessTransport, a running child process with its
// pipes, and subprocess_exec / subprocess_shell, which start one.
//
// asyncio: asyncio.SubprocessTransport (transports.py) as BaseSubprocessTransport
//          (base_subprocess.py) and _UnixSubprocessTransport (unix_events.py), started by
//          loop.subprocess_exec / loop.subprocess_shell; ProcessLookupError.
// libuv:   uv_process_t.
//
//     auto [transport, protocol] = co_await subprocess_exec(
//         loop, [] { return std::make_shared<MyProtocol>(); }, {"ls", "-l"}, options);
//
// What it is made of: spawn_child (spawn.hpp) starts the child; each of its pipes becomes a pipe
// transport (a WritePipeTransport for stdin, a ReadPipeTransport for stdout and stderr) whose
// protocol is a small adapter naming the fd (asyncio: WriteSubprocessPipeProto /
// ReadSubprocessPipeProto); a ChildWatcher (child_watcher.hpp) reports the exit. This transport
// turns those separate events into SubprocessProtocol's calls, in order: until the protocol's
// connection_made has been scheduled (every pipe connected), calls are held back, then replayed
// in the order they happened (asyncio: _pending_calls); after that each goes through call_soon.
//
// States. Two things must happen, in either order, before the transport is finished: the child
// exits (and is reaped), and every pipe closes.
//
//   connecting --every pipe connected--> running --+-- child reaped --+--> finished
//   (calls held back)                              +-- pipes closed --+    (connection_lost ran;
//                                                                           wait() returns)
//
// "exited": get_returncode() has a value, process_exited was called. "finished": both, then
// connection_lost; only then do wait()'s callers resume (asyncio 3.12: so that all the output
// has been delivered when wait() returns), and send_signal / terminate / kill throw
// ProcessLookupError. Before that, a signal to a child that already exited is silently
// dropped (asyncio: the same): its pid cannot belong to anyone else until we reap it.
//
// close() closes the pipes and, if the child has not exited, kills it (SIGKILL, as asyncio).
//
// Lifetime: an unfinished transport is held by what it waits for: the watch of its child (the
// pidfd reader's callback, or the waiting thread's) until the child is reaped, and each open
// pipe's protocol until that pipe closes. So a child is watched and reaped even if the caller
// drops every pointer; and a loop that closes first drops its callbacks and with them the
// transport, whose watcher then reaps the child in the background (no zombie). (With the
// thread watcher the thread holds it until the child exits.) The protocol is released right
// after connection_lost. Loop-thread only.
#pragma once

#include <sys/types.h>

#include <csignal>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "net/errors.hpp"
#include "net/subprocess/child_watcher.hpp"
#include "net/subprocess/spawn.hpp"
#include "net/subprocess/subprocess_options.hpp"
#include "net/subprocess/subprocess_protocol.hpp"
#include "net/transport/transport.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"

namespace looplab::net {

// A signal for a process that is gone (Python: ProcessLookupError, errno ESRCH).
class ProcessLookupError : public NetError {
public:
    explicit ProcessLookupError(pid_t pid)
        : NetError(ESRCH, "kill", "pid " + std::to_string(pid)) {}
};

class SubprocessTransport final : public std::enable_shared_from_this<SubprocessTransport> {
public:
    ~SubprocessTransport();
    SubprocessTransport(const SubprocessTransport&) = delete;
    SubprocessTransport& operator=(const SubprocessTransport&) = delete;

    [[nodiscard]] pid_t get_pid() const noexcept { return pid_; }
    // The exit code (-N when killed by signal N) once the child has been reaped.
    [[nodiscard]] std::optional<int> get_returncode() const noexcept { return returncode_; }
    // The transport of the child's fd (0, 1 or 2) if that stream is a pipe, else nullptr.
    [[nodiscard]] Transport* get_pipe_transport(int fd) const noexcept;

    // Sends sig to the child. Throws ProcessLookupError once finished (see the states).
    void send_signal(int sig);
    void terminate() { send_signal(SIGTERM); }
    void kill() { send_signal(SIGKILL); }

    // Closes every pipe and kills the child if it is still running. Idempotent.
    void close();
    [[nodiscard]] bool is_closing() const noexcept { return closed_; }

    // The returncode, once finished (the child exited and every pipe closed).
    Coro<int> wait();

    [[nodiscard]] SubprocessProtocol* get_protocol() const noexcept { return protocol_.get(); }
    EventLoop& get_loop() const noexcept { return loop_; }
    // How this child's exit is watched (child_watcher.hpp).
    [[nodiscard]] std::optional<ChildWatcherKind> watcher_kind() const noexcept;

    // ---- For subprocess_exec and the pipe adapters (subprocess_transport.cpp) -------------
    // Spawns argv and connects its pipes; completes once the protocol's connection_made has
    // run. On failure or cancellation the child is killed (and still reaped).
    static Coro<std::shared_ptr<SubprocessTransport>> start(
        EventLoop& loop, std::shared_ptr<SubprocessProtocol> protocol,
        std::vector<std::string> argv, SubprocessOptions options);
    void pipe_data_received(int fd, std::string_view data);
    void pipe_connection_lost(int fd, std::exception_ptr error);
    void pipe_pause_writing();
    void pipe_resume_writing();

private:
    SubprocessTransport(EventLoop& loop, std::shared_ptr<SubprocessProtocol> protocol, pid_t pid);

    Coro<void> connect_pipes(SpawnedChild& child);
    void abandon();            // start failed: finish without telling the protocol anything
    Future<void> connected();  // every pipe connected: connection_made, then held-back calls
    void call(Callback fn);
    void process_exited(int returncode);
    void try_finish();
    void call_connection_lost();

    struct Pipe {
        std::shared_ptr<Transport> transport;
        bool disconnected = false;
    };

    EventLoop& loop_;
    std::shared_ptr<SubprocessProtocol> protocol_;  // released after connection_lost
    pid_t pid_;
    std::unique_ptr<ChildWatcher> watcher_;
    Pipe pipes_[3];                    // by the child's fd: 0 stdin, 1 stdout, 2 stderr
    bool has_pipe_[3] = {};            // which of them the options made pipes
    std::vector<Callback> held_back_;  // calls before connection_made (asyncio: _pending_calls)
    bool connected_ = false;
    bool closed_ = false;
    bool finishing_ = false;  // connection_lost is scheduled
    bool finished_ = false;   // connection_lost has run
    std::optional<int> returncode_;
    std::vector<Future<int>> exit_waiters_;
};

namespace detail {

using SubprocessPair =
    std::pair<std::shared_ptr<SubprocessTransport>, std::shared_ptr<SubprocessProtocol>>;

}  // namespace detail

// Starts argv[0] with argv (PATH searched when it has no '/') and returns the transport and the
// protocol factory made, once the pipes are connected and the protocol's connection_made has
// run. Throws NetError if the program cannot be started,
// std::invalid_argument for bad options. Cancelling it kills the child.
template <class Factory>
auto subprocess_exec(EventLoop& loop, Factory factory, std::vector<std::string> argv,
                     SubprocessOptions options = {})
    -> Coro<std::pair<std::shared_ptr<SubprocessTransport>,
                      std::shared_ptr<typename std::invoke_result_t<Factory&>::element_type>>> {
    using P = typename std::invoke_result_t<Factory&>::element_type;
    static_assert(std::is_base_of_v<SubprocessProtocol, P>,
                  "the factory must make a SubprocessProtocol");
    std::shared_ptr<P> protocol(factory());
    if (!protocol) throw std::invalid_argument("subprocess_exec: the factory returned null");
    std::shared_ptr<SubprocessTransport> transport =
        co_await SubprocessTransport::start(loop, protocol, std::move(argv), std::move(options));
    co_return std::pair{std::move(transport), std::move(protocol)};
}

// The same for a shell command line: /bin/sh -c cmd (spawn.hpp's shell_argv).
template <class Factory>
auto subprocess_shell(EventLoop& loop, Factory factory, std::string cmd,
                      SubprocessOptions options = {}) {
    return subprocess_exec(loop, std::move(factory), shell_argv(std::move(cmd)),
                           std::move(options));
}

}  // namespace looplab::net
