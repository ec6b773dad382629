// http/proto/body_reader.cpp: the per-framing body reading of http/proto/detail/body_reader.hpp.
#include "http/proto/detail/body_reader.hpp"

#include <algorithm>
#include <string>

#include "http/proto/protocol_error.hpp"

namespace looplab::http::detail {

namespace {
constexpr int kContentTooLarge = 413;
using Kind = BodyFraming::Kind;
}  // namespace

void BodyReader::start(BodyFraming framing) noexcept {
    framing_ = framing;
    received_ = 0;
    chunked_.reset();
}

BodyReader::Step BodyReader::read(std::string_view input, bool eof) {
    switch (framing_.kind) {
        case Kind::none:
        case Kind::switched:
            return Step{0, {}, true};
        case Kind::length: {
            const std::uint64_t remaining = framing_.length - received_;
            if (remaining == 0) return Step{0, {}, true};
            if (input.empty()) {
                if (eof) fail_truncated();
                return Step{};
            }
            const auto n =
                static_cast<std::size_t>(std::min<std::uint64_t>(remaining, input.size()));
            received_ += n;  // Content-Length was checked against the limit up front
            return Step{n, input.substr(0, n), false};
        }
        case Kind::chunked: {
            // The decoder checks max_body_size against each chunk's declared size.
            const Step step = chunked_.decode(input);
            if (step.data.empty() && !step.done && eof) fail_truncated();
            received_ += step.data.size();
            return step;
        }
        case Kind::until_close: {
            if (input.empty()) return Step{0, {}, eof};
            // Hand out bytes up to the limit, and fail at the first byte past it: the same
            // outcome whether the excess arrives in the same read or a later one.
            const std::uint64_t budget = limits_.max_body_size - received_;
            if (budget == 0) fail_too_large();
            const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(budget, input.size()));
            received_ += n;
            return Step{n, input.substr(0, n), false};
        }
    }
    return Step{0, {}, true};  // unreachable: every Kind is handled above
}

void BodyReader::fail_too_large() const {
    throw ProtocolError(std::string(kind_ == MessageKind::request ? "request" : "response") +
                            " body too large (over " + std::to_string(limits_.max_body_size) +
                            " bytes)",
                        kContentTooLarge);
}

Headers BodyReader::take_trailers() {
    return framing_.kind == Kind::chunked ? chunked_.take_trailers() : Headers{};
}

void BodyReader::fail_truncated() const {
    std::string got = "got " + std::to_string(received_);
    if (framing_.kind == Kind::length)
        got += " of " + std::to_string(framing_.length) + " bytes";
    else
        got += " bytes of a chunked body that had not ended";
    throw ProtocolError("connection closed before the body was complete (" + got + ")");
}

}  // namespace looplab::http::detail
