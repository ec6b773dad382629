// net/subprocess/process.hpp: Process, create_subprocess_exec and create_subprocess_shell: a
// child process with streams.
//
// asyncio: asyncio.subprocess (subprocess.py): Process, SubprocessStreamProtocol,
//          create_subprocess_exec, create_subprocess_shell.
//
//     SubprocessOptions options;
//     options.std_in = Stdio::pipe;
//     options.std_out = Stdio::pipe;
//     auto proc = co_await create_subprocess_exec(loop, {"sort"}, options);
//     auto [out, err] = co_await proc->communicate("b\na\n");   // out == "a\nb\n"
//
// The stream layer of subprocesses, as streams.hpp is for sockets: a SubprocessStreamProtocol
// under the SubprocessTransport (subprocess_transport.hpp) feeds a StreamReader per output pipe
// and gives stdin a StreamWriter, so a coroutine reads a child's output with readline() and
// writes its input with write() + drain(), exactly as it talks to a socket.
//
// communicate(input) is the one to use when both directions carry a lot: it writes input (then
// closes stdin), and reads stdout and stderr to their end, all three as tasks running at once,
// and then waits for the exit. Doing them one after another can deadlock: a child that fills
// its stdout pipe stops reading its stdin until someone reads, while we block writing its
// stdin, each waiting for the other. (subprocess.Popen.communicate exists for the same reason.)
//
// wait() returns the returncode once the child has exited and every pipe has closed. It does
// not read the pipes: with a pipe the child fills and nobody reads, the reader's buffer fills
// (then its pipe is paused), the child blocks writing, and wait() waits forever. asyncio's
// documentation warns about exactly this; communicate() is the answer.
//
// DIFFERENCE: a write to stdin after the child has gone throws TransportClosedError from write()
// (transport.hpp: looplab does not drop writes on a closed transport); asyncio's write() is
// silent and its drain() raises. communicate() ignores both, as asyncio ignores
// BrokenPipeError and ConnectionResetError there.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "net/stream/stream_reader.hpp"
#include "net/stream/stream_reader_protocol.hpp"
#include "net/stream/stream_writer.hpp"
#include "net/subprocess/subprocess_options.hpp"
#include "net/subprocess/subprocess_protocol.hpp"
#include "net/subprocess/subprocess_transport.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"

namespace looplab::net {

// The protocol behind Process (asyncio: SubprocessStreamProtocol): readers for stdout and
// stderr, a writer for stdin, and closing the transport once the child exited and its output
// pipes ended.
class SubprocessStreamProtocol final : public SubprocessProtocol {
public:
    SubprocessStreamProtocol(EventLoop& loop, std::size_t limit);

    void connection_made(SubprocessTransport& transport) override;
    void pipe_data_received(int fd, std::string_view data) override;
    void pipe_connection_lost(int fd, std::exception_ptr error) override;
    void process_exited() override;
    void pause_writing() override { stdin_flow_->pause_writing(); }
    void resume_writing() override { stdin_flow_->resume_writing(); }

    std::shared_ptr<StreamWriter> std_in;   // null unless stdin is a pipe
    std::shared_ptr<StreamReader> std_out;  // null unless stdout is a pipe
    std::shared_ptr<StreamReader> std_err;  // null unless stderr is a pipe

private:
    StreamReader* reader(int fd) const { return fd == 1 ? std_out.get() : std_err.get(); }
    void maybe_close_transport();

    EventLoop& loop_;
    std::size_t limit_;
    // drain()'s flow control for stdin: a StreamReaderProtocol with no reader, told the stdin
    // pipe's pause / resume / loss (asyncio: the FlowControlMixin this protocol inherits).
    std::shared_ptr<StreamReaderProtocol> stdin_flow_;
    std::shared_ptr<SubprocessTransport> transport_;  // until the transport is closed
    std::vector<int> open_output_fds_;                // 1 and/or 2 until their pipes end
    bool process_exited_ = false;
};

// The captured output of communicate(): nullopt for a stream that was not a pipe.
struct ProcessOutput {
    std::optional<std::string> std_out;
    std::optional<std::string> std_err;
};

class Process {
public:
    Process(std::shared_ptr<SubprocessTransport> transport,
            std::shared_ptr<SubprocessStreamProtocol> protocol);

    [[nodiscard]] pid_t pid() const noexcept { return transport_->get_pid(); }
    // The exit code (-N for a child killed by signal N) once it has been reaped; nullopt
    // while it runs.
    [[nodiscard]] std::optional<int> returncode() const noexcept {
        return transport_->get_returncode();
    }

    // Waits until the child exited and its pipes closed; returns its returncode.
    Coro<int> wait();
    // Writes input to stdin (if given) and closes it, reads stdout and stderr to their end,
    // concurrently, then waits for the exit (see the header). Throws std::invalid_argument if
    // input is given but stdin is not a pipe.
    Coro<ProcessOutput> communicate(std::optional<std::string> input = std::nullopt);

    // Signals to the child; ProcessLookupError once it is gone (subprocess_transport.hpp).
    void send_signal(int sig) { transport_->send_signal(sig); }
    void terminate() { transport_->terminate(); }
    void kill() { transport_->kill(); }

    // asyncio: proc.stdin / proc.stdout / proc.stderr (null unless that stream is a pipe).
    const std::shared_ptr<StreamWriter>& std_in() const noexcept { return protocol_->std_in; }
    const std::shared_ptr<StreamReader>& std_out() const noexcept { return protocol_->std_out; }
    const std::shared_ptr<StreamReader>& std_err() const noexcept { return protocol_->std_err; }

    [[nodiscard]] SubprocessTransport& transport() const noexcept { return *transport_; }

private:
    Coro<void> feed_stdin(std::optional<std::string> input);
    Coro<std::optional<std::string>> read_stream(int fd);

    std::shared_ptr<SubprocessTransport> transport_;
    std::shared_ptr<SubprocessStreamProtocol> protocol_;
};

// Starts argv (subprocess_exec's rules and errors) and returns its Process once the pipes are
// connected. limit is the output readers' buffer limit (StreamReader).
Coro<std::shared_ptr<Process>> create_subprocess_exec(
    EventLoop& loop, std::vector<std::string> argv, SubprocessOptions options = {},
    std::size_t limit = StreamReader::kDefaultLimit);
// The same for a shell command line (/bin/sh -c cmd).
Coro<std::shared_ptr<Process>> create_subprocess_shell(
    EventLoop& loop, std::string cmd, SubprocessOptions options = {},
    std::size_t limit = StreamReader::kDefaultLimit);

}  // namespace looplab::net
