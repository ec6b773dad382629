// runtime/errors.cpp: out-of-line parts of runtime/errors.hpp.
#include "runtime/errors.hpp"

namespace looplab {

namespace {
std::string group_message(const std::string& msg, const std::vector<std::exception_ptr>& errors) {
    std::string text = msg + " (" + std::to_string(errors.size()) + " sub-exception" +
                       (errors.size() == 1 ? "" : "s") + ")";
    for (const auto& e : errors) text += "\n  - " + describe(e);
    return text;
}
}  // namespace

ExceptionGroup::ExceptionGroup(const std::string& msg, std::vector<std::exception_ptr> errors)
    : std::runtime_error(group_message(msg, errors)), errors_(std::move(errors)) {}

std::string describe(const std::exception_ptr& error) noexcept {
    if (!error) return "no exception";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        try {
            return e.what();
        } catch (...) {
            return "exception";
        }
    } catch (const BaseException& e) {
        try {
            return e.what();
        } catch (...) {
            return "exception";
        }
    } catch (...) {
        return "unknown exception";
    }
}

}  // namespace looplab
