// runtime/observe/words.cpp: see words.hpp.
#include "runtime/observe/words.hpp"

#include <cstring>

#include "runtime/event_loop.hpp"
#include "runtime/task.hpp"

namespace looplab::observe {

namespace {

const char* base_name(const char* path) {
    const char* slash = std::strrchr(path, '/');
    return slash ? slash + 1 : path;
}

// "await_suspend<looplab::Coro<...>::promise_type>" -> "await_suspend"; "operator()" stays.
std::string plain_function(const char* function) {
    std::string name = function;
    if (name.rfind("operator", 0) == 0) return name;
    const std::size_t angle = name.find('<');
    if (angle != std::string::npos && angle > 0) name.erase(angle);
    return name;
}

LabelView view_of(const EventLoop& loop, bool live) {
    return {loop.time(), live};
}

// The future a done-callback label is about.
const detail::FutureStateBase* future_of(const Label& label) {
    return static_cast<const detail::FutureStateBase*>(
        static_cast<const Describable*>(label.subject));
}

std::string wakes_up(const TaskBase& task, const detail::FutureStateBase& awaited) {
    return "Task '" + task.get_name() + "' wakes up (" + awaited_text(awaited) + " done)";
}

}  // namespace

std::string site_text(const SourceLocation& where) {
    std::string text = base_name(where.file_name());
    text += ':' + std::to_string(where.line());
    if (*where.function_name()) text += " in " + plain_function(where.function_name());
    return text;
}

std::string awaited_text(const detail::FutureStateBase& future) {
    const std::string words = future.describe_self();
    if (words != "Future" || future.label()) return words;
    return "a Future nobody labelled (loop.create_future)";
}

void AwaitedBy::task_stepped(TaskBase& task, const StepRecord& record) {
    task_done(task);  // whatever it waited on before, it does not any more
    if (record.end != StepEnd::awaits_future || !record.awaited) return;
    by_future_[record.awaited] = &task;
    by_task_[&task] = record.awaited;
}

void AwaitedBy::task_done(TaskBase& task) {
    const auto it = by_task_.find(&task);
    if (it == by_task_.end()) return;
    const auto f = by_future_.find(it->second);
    if (f != by_future_.end() && f->second == &task) by_future_.erase(f);
    by_task_.erase(it);
}

const TaskBase* AwaitedBy::task_of(const void* future) const {
    const auto it = by_future_.find(future);
    return it == by_future_.end() ? nullptr : it->second;
}

std::string callback_text(const EventLoop& loop, const Handle& handle, const AwaitedBy* awaited) {
    const Label& label = handle.label();
    if (!label) return "callback from " + site_text(handle.where());
    if (awaited && labels::is_done_callback(label)) {
        const detail::FutureStateBase* future = future_of(label);
        if (const TaskBase* task = awaited->task_of(future)) return wakes_up(*task, *future);
    }
    return label.text(view_of(loop, true));  // a queued handle holds its callback: live
}

std::string ran_text(const EventLoop& loop, const CallbackRecord& record) {
    const Label& label = record.handle.label();
    if (record.task && labels::is_done_callback(label)) {
        return wakes_up(*record.task, *future_of(label));
    }
    if (label) return label.text(view_of(loop, true));
    if (record.task) return "a step of Task '" + record.task->get_name() + "'";
    return "callback from " + site_text(record.handle.where());
}

}  // namespace looplab::observe
