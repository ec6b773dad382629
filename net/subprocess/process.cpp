// net/subprocess/process.cpp: the stream protocol of a child, Process, and its constructors.
//
// asyncio: subprocess.py; the method names follow its (_feed_stdin, _read_stream,
//          _maybe_close_transport).
#include "net/subprocess/process.hpp"

#include <algorithm>
#include <stdexcept>

#include "net/errors.hpp"
#include "runtime/gather.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

// ---- SubprocessStreamProtocol -------------------------------------------------------------

SubprocessStreamProtocol::SubprocessStreamProtocol(EventLoop& loop, std::size_t limit)
    : loop_(loop),
      limit_(limit),
      stdin_flow_(std::make_shared<StreamReaderProtocol>(loop, nullptr)) {}

void SubprocessStreamProtocol::connection_made(SubprocessTransport& transport) {
    transport_ = transport.shared_from_this();
    for (int fd = 1; fd <= 2; ++fd) {
        Transport* pipe = transport.get_pipe_transport(fd);
        if (!pipe) continue;
        auto reader = std::make_shared<StreamReader>(loop_, limit_);
        reader->set_transport(pipe->shared_from_this());  // for pausing it under backpressure
        (fd == 1 ? std_out : std_err) = std::move(reader);
        open_output_fds_.push_back(fd);
    }
    if (Transport* pipe = transport.get_pipe_transport(0)) {
        stdin_flow_->connection_made(*pipe);
        std_in =
            std::make_shared<StreamWriter>(loop_, pipe->shared_from_this(), stdin_flow_, nullptr);
    }
}

void SubprocessStreamProtocol::pipe_data_received(int fd, std::string_view data) {
    if (StreamReader* r = reader(fd)) r->feed_data(data);
}

void SubprocessStreamProtocol::pipe_connection_lost(int fd, std::exception_ptr error) {
    if (fd == 0) {
        stdin_flow_->connection_lost(error);  // wakes a drain() waiting on a paused stdin
        return;
    }
    if (StreamReader* r = reader(fd)) {
        if (error) {
            r->set_exception(error);
        } else {
            r->feed_eof();
        }
    }
    std::erase(open_output_fds_, fd);
    maybe_close_transport();
}

void SubprocessStreamProtocol::process_exited() {
    process_exited_ = true;
    maybe_close_transport();
}

// The child is gone and its output has all arrived: close stdin (if still open) and let the
// transport finish, which answers wait().
void SubprocessStreamProtocol::maybe_close_transport() {
    if (!open_output_fds_.empty() || !process_exited_ || !transport_) return;
    std::exchange(transport_, nullptr)->close();
}

// ---- Process ------------------------------------------------------------------------------

Process::Process(std::shared_ptr<SubprocessTransport> transport,
                 std::shared_ptr<SubprocessStreamProtocol> protocol)
    : transport_(std::move(transport)), protocol_(std::move(protocol)) {}

Coro<int> Process::wait() {
    return transport_->wait();
}

// asyncio: _feed_stdin. A child that stopped reading (exited) is not an error here.
Coro<void> Process::feed_stdin(std::optional<std::string> input) {
    std::shared_ptr<StreamWriter> writer = std_in();
    try {
        if (input && !input->empty()) {
            writer->write(*input);
            co_await writer->drain();
        }
    } catch (const BrokenPipeError&) {
    } catch (const ConnectionResetError&) {
    } catch (const TransportClosedError&) {  // the DIFFERENCE in process.hpp
    }
    writer->close();
}

// asyncio: _read_stream. Everything to the end, then the pipe is closed.
Coro<std::optional<std::string>> Process::read_stream(int fd) {
    std::shared_ptr<StreamReader> reader = fd == 1 ? std_out() : std_err();
    if (!reader) co_return std::nullopt;
    std::string output = co_await reader->read();
    if (Transport* pipe = transport_->get_pipe_transport(fd)) pipe->close();
    co_return output;
}

Coro<ProcessOutput> Process::communicate(std::optional<std::string> input) {
    if (input && !std_in()) {
        throw std::invalid_argument("communicate: input given, but stdin is not a pipe");
    }
    Coro<void> feed = std_in() ? feed_stdin(std::move(input)) : Coro<void>();
    Coro<std::optional<std::string>> out = read_stream(1);
    Coro<std::optional<std::string>> err = read_stream(2);
    std::optional<std::string> out_text;
    std::optional<std::string> err_text;
    if (feed) {
        auto [fed, o, e] = co_await gather(std::move(feed), std::move(out), std::move(err));
        out_text = std::move(o);
        err_text = std::move(e);
    } else {
        auto [o, e] = co_await gather(std::move(out), std::move(err));
        out_text = std::move(o);
        err_text = std::move(e);
    }
    co_await wait();
    co_return ProcessOutput{std::move(out_text), std::move(err_text)};
}

// ---- create_subprocess_exec / create_subprocess_shell -------------------------------------

Coro<std::shared_ptr<Process>> create_subprocess_exec(EventLoop& loop,
                                                      std::vector<std::string> argv,
                                                      SubprocessOptions options,
                                                      std::size_t limit) {
    // Named, not a temporary inside the co_await: see getaddrinfo.cpp (a g++ 12 bug).
    auto factory = [&loop, limit] {
        return std::make_shared<SubprocessStreamProtocol>(loop, limit);
    };
    auto [transport, protocol] =
        co_await subprocess_exec(loop, std::move(factory), std::move(argv), std::move(options));
    co_return std::make_shared<Process>(std::move(transport), std::move(protocol));
}

Coro<std::shared_ptr<Process>> create_subprocess_shell(EventLoop& loop, std::string cmd,
                                                       SubprocessOptions options,
                                                       std::size_t limit) {
    return create_subprocess_exec(loop, shell_argv(std::move(cmd)), std::move(options), limit);
}

}  // namespace looplab::net
