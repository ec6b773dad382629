// http/server/stream_response.cpp: see stream_response.hpp.
#include "http/server/stream_response.hpp"

#include <stdexcept>

#include "http/server/response_channel.hpp"

namespace looplab::http {

Coro<void> StreamResponse::prepare(ServerRequest& request) {
    if (channel_) throw std::logic_error("StreamResponse::prepare called twice");
    if (!request.channel) throw std::logic_error("StreamResponse::prepare outside a server");
    request.channel->send_head(status, headers, content_length);
    channel_ = request.channel;
    co_return;
}

Coro<void> StreamResponse::write(std::string_view data) {
    if (!channel_) throw std::logic_error("StreamResponse::write before prepare");
    co_await channel_->send_body(data);
}

Coro<void> StreamResponse::write_file(int fd, std::uint64_t offset, std::uint64_t count) {
    if (!channel_) throw std::logic_error("StreamResponse::write_file before prepare");
    co_await channel_->send_file(fd, offset, count);
}

Coro<void> StreamResponse::write_eof() {
    if (!channel_) throw std::logic_error("StreamResponse::write_eof before prepare");
    channel_->send_end();
    co_return;
}

ServerResponse StreamResponse::finished() const {
    ServerResponse response;
    response.status = status;
    response.streamed = true;
    return response;
}

}  // namespace looplab::http
