// net/subprocess/subprocess_protocol.hpp: SubprocessProtocol, the callbacks of a child process.
//
// asyncio: asyncio.SubprocessProtocol (protocols.py).
// libuv:   uv_process_options_t.exit_cb plus one uv_pipe_t per standard stream.
//
// A child process is up to three pipes and one exit, and the protocol hears about each, fd by
// fd (0: the child's stdin, 1: its stdout, 2: its stderr):
//
//     start -> connection_made -> ( pipe_data_received(fd)* -> pipe_connection_lost(fd) )
//                                  for each pipe, interleaved
//                               -> process_exited (any time after connection_made)
//                               -> connection_lost (once the process exited AND every pipe
//                                  is closed)
//
//   - connection_made: once, first, when every pipe is connected.
//   - pipe_data_received(fd, data): bytes from the child's stdout (1) or stderr (2); data is
//     valid only during the call.
//   - pipe_connection_lost(fd, error): that pipe is closed (the child closed its end, or
//     exited, or the transport closed it); error null for a normal end. For fd 0, a
//     BrokenPipeError means the child stopped reading with data still unsent.
//   - process_exited: the child has exited and been reaped; get_returncode() is set. Output
//     may still be arriving (pipes drain after the exit).
//   - pause_writing / resume_writing: the stdin pipe's write buffer crossed its water marks.
//   - connection_lost: once, last.
// Every method has an empty default, as asyncio's do.
#pragma once

#include <exception>
#include <string_view>

namespace looplab::net {

class SubprocessTransport;

class SubprocessProtocol {
public:
    virtual ~SubprocessProtocol() = default;

    virtual void connection_made(SubprocessTransport& transport) { (void)transport; }
    virtual void pipe_data_received(int fd, std::string_view data) {
        (void)fd;
        (void)data;
    }
    virtual void pipe_connection_lost(int fd, std::exception_ptr error) {
        (void)fd;
        (void)error;
    }
    virtual void process_exited() {}
    virtual void connection_lost(std::exception_ptr error) { (void)error; }
    virtual void pause_writing() {}
    virtual void resume_writing() {}
};

}  // namespace looplab::net
