// net/transport/connect_pipe.hpp: connect_read_pipe() and connect_write_pipe(), a pipe as a
// transport + protocol.
//
// asyncio: loop.connect_read_pipe(protocol_factory, pipe) and loop.connect_write_pipe(...)
//          (unix_events.py).
// libuv:   uv_pipe_open(handle, fd).
//
//     PipeEnds ends = make_pipe();
//     auto [reader, protocol] = co_await connect_read_pipe(loop, factory, std::move(ends.read));
//
// The transport takes the descriptor over (it is made non-blocking and closed after
// connection_lost), as asyncio's takes the file object. Returns once connection_made has run.
// Throws std::invalid_argument for a descriptor that is not a pipe, socket or character device
// (read_pipe_transport.hpp says why), or whatever the factory or connection_made threw.
#pragma once

#include <memory>
#include <type_traits>
#include <utility>

#include "net/transport/protocol.hpp"
#include "net/transport/read_pipe_transport.hpp"
#include "net/transport/write_pipe_transport.hpp"
#include "net/unique_fd.hpp"
#include "runtime/coro.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/future.hpp"
#include "runtime/task.hpp"

namespace looplab::net {

namespace detail {

// Makes the transport with a waiter and awaits connection_made (closing it if cancelled).
template <class TransportT, class Factory>
auto connect_pipe(EventLoop& loop, Factory factory, UniqueFd pipe)
    -> Coro<std::pair<std::shared_ptr<TransportT>,
                      std::shared_ptr<typename std::invoke_result_t<Factory&>::element_type>>> {
    using P = typename std::invoke_result_t<Factory&>::element_type;
    static_assert(std::is_base_of_v<Protocol, P>, "the factory must make a Protocol");
    std::shared_ptr<P> protocol(factory());
    if (!protocol) throw std::invalid_argument("connect pipe: the factory returned null");
    Future<void> made = loop.create_future<void>();
    std::shared_ptr<TransportT> transport = TransportT::make(loop, std::move(pipe), protocol, made);
    try {
        co_await made;
    } catch (...) {
        transport->close();
        throw;
    }
    co_return std::pair{std::move(transport), std::move(protocol)};
}

}  // namespace detail

template <class Factory>
auto connect_read_pipe(EventLoop& loop, Factory factory, UniqueFd pipe) {
    return detail::connect_pipe<ReadPipeTransport>(loop, std::move(factory), std::move(pipe));
}

template <class Factory>
auto connect_write_pipe(EventLoop& loop, Factory factory, UniqueFd pipe) {
    return detail::connect_pipe<WritePipeTransport>(loop, std::move(factory), std::move(pipe));
}

}  // namespace looplab::net
