// runtime/observe/task_dump.cpp: see task_dump.hpp.
#include "runtime/observe/task_dump.hpp"

#include <algorithm>
#include <cstring>
#include <ostream>

#include "runtime/event_loop.hpp"
#include "runtime/observe/words.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace {

TaskState state_of(const EventLoop& loop, const TaskBase& task) {
    if (loop.current_task() == &task) return TaskState::running;
    const detail::FutureStateBase* waited = task.waiting_on();
    // A done future's wake-up is already in the ready queue: the task is scheduled.
    if (waited && !waited->done()) return TaskState::waiting;
    return TaskState::scheduled;
}

const char* base_name(const char* path) {
    const char* slash = std::strrchr(path, '/');
    return slash ? slash + 1 : path;
}

}  // namespace

const char* to_string(TaskState state) {
    switch (state) {
        case TaskState::running:
            return "running";
        case TaskState::scheduled:
            return "scheduled";
        case TaskState::waiting:
            return "waiting";
    }
    return "?";
}

std::vector<TaskSnapshot> snapshot_tasks(const EventLoop& loop) {
    std::vector<TaskSnapshot> out;
    for (const TaskBase* task : loop.all_tasks()) {
        TaskSnapshot s;
        s.name = task->get_name();
        s.state = state_of(loop, *task);
        s.created_at = task->created_at();
        if (s.state == TaskState::waiting) s.awaits = observe::awaited_text(*task->waiting_on());
        out.push_back(std::move(s));
    }
    std::reverse(out.begin(), out.end());  // all_tasks() is newest first
    return out;
}

void dump_tasks(const EventLoop& loop, std::ostream& out) {
    const std::vector<TaskSnapshot> tasks = snapshot_tasks(loop);
    out << "looplab: " << tasks.size() << (tasks.size() == 1 ? " live task" : " live tasks")
        << " at iteration " << loop.iteration_count() << "\n";
    for (const TaskSnapshot& t : tasks) {
        out << "  Task '" << t.name << "'  " << to_string(t.state) << "  created at "
            << base_name(t.created_at.file_name()) << ":" << t.created_at.line();
        if (*t.created_at.function_name()) out << " (" << t.created_at.function_name() << ")";
        if (!t.awaits.empty()) out << ", awaits " << t.awaits;
        out << "\n";
    }
    out.flush();
}

}  // namespace looplab
