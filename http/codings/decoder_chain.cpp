// http/codings/decoder_chain.cpp: see decoder_chain.hpp.
#include "http/codings/decoder_chain.hpp"

#include <algorithm>

#include "http/codings/supported_codings.hpp"
#include "http/proto/detail/grammar.hpp"

namespace looplab::http::codings {

namespace {

// Every element of every field named `name`, in order.
std::vector<std::string> list_elements(const Headers& headers, std::string_view name) {
    std::vector<std::string> out;
    for (const std::string_view field : headers.get_all(name)) {
        detail::for_each_list_element(field, [&](std::string_view element) {
            out.emplace_back(element);
            return true;
        });
    }
    return out;
}

}  // namespace

DecoderChain DecoderChain::for_response(const Headers& headers, bool content, DecodeLimits limits) {
    std::vector<std::string> applied;  // in the order the server applied them
    if (content) {
        std::vector<std::string> codings = list_elements(headers, "Content-Encoding");
        std::erase_if(codings, [](const std::string& c) { return detail::iequals(c, "identity"); });
        // One coding we cannot undo means the bytes cannot be decoded at all: pass them on.
        if (std::all_of(codings.begin(), codings.end(),
                        [](const std::string& c) { return can_decode(c); }))
            applied = std::move(codings);
    }
    for (std::string& coding : list_elements(headers, "Transfer-Encoding")) {
        if (!detail::iequals(coding, "chunked") && !detail::iequals(coding, "identity"))
            applied.push_back(std::move(coding));
    }
    DecoderChain chain;
    chain.limits_ = limits;
    for (auto it = applied.rbegin(); it != applied.rend(); ++it) {
        std::unique_ptr<Decoder> decoder = make_decoder(*it);
        if (!decoder)  // a transfer-coding the parser let through that this build lacks
            throw DecodingError("cannot decode transfer-coding '" + *it + "' in this build");
        chain.stages_.push_back(std::move(decoder));
    }
    for (const std::string& name : applied) {
        if (!chain.names_.empty()) chain.names_ += ", ";
        chain.names_ += name;
    }
    return chain;
}

std::uint64_t DecoderChain::budget(std::size_t more_in) const {
    const std::uint64_t in = in_ + more_in;
    const auto by_ratio = static_cast<std::uint64_t>(limits_.max_ratio * static_cast<double>(in));
    const std::uint64_t allowed =
        std::min(limits_.max_size, std::max(limits_.ratio_grace, by_ratio));
    return allowed > out_ ? allowed - out_ : 0;
}

void DecoderChain::over_limit(std::size_t more_in) const {
    const std::uint64_t in = in_ + more_in;
    const auto by_ratio = static_cast<std::uint64_t>(limits_.max_ratio * static_cast<double>(in));
    if (std::max(limits_.ratio_grace, by_ratio) < limits_.max_size) {
        throw DecodingError("the " + names_ + " body decodes to more than " +
                            std::to_string(static_cast<long long>(limits_.max_ratio)) +
                            " times its " + std::to_string(in) +
                            " encoded bytes: refused as a decompression bomb (the ratio limit)");
    }
    throw DecodingError("the " + names_ + " body decodes to more than " +
                        std::to_string(limits_.max_size) +
                        " bytes: refused as a decompression bomb (the decoded-size limit)");
}

void DecoderChain::decode(std::string_view in, std::string& out) {
    if (stages_.empty()) {
        out.append(in);
        in_ += in.size();
        out_ += in.size();
        return;
    }
    const std::uint64_t allowed = budget(in.size());
    const auto max_out = static_cast<std::size_t>(std::min<std::uint64_t>(allowed, SIZE_MAX / 2));
    std::string piece;  // an intermediate stage's output (only with stacked codings)
    std::string next;
    std::string_view current = in;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        const bool last = i + 1 == stages_.size();
        std::string& target = last ? out : next;
        const std::size_t before = target.size();
        if (!stages_[i]->decode(current, target, max_out)) over_limit(in.size());
        if (last) {
            out_ += target.size() - before;
        } else {
            piece = std::move(next);
            next.clear();
            current = piece;
        }
    }
    in_ += in.size();
}

void DecoderChain::finish() {
    for (const std::unique_ptr<Decoder>& stage : stages_) stage->finish();
}

}  // namespace looplab::http::codings
