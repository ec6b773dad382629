// runtime/task_registry.hpp: every live task of one loop, for all_tasks() and for close().
//
// asyncio: tasks.py's _scheduled_tasks (a WeakSet) with _register_task / _unregister_task,
//          behind asyncio.all_tasks().
// libuv:   the loop's handle queue (uv_walk walks it), which is the same idea for handles.
//
// Why an intrusive list, and why here. A task links itself in when created and out when it
// finishes (task.cpp), so both are O(1) with no allocation, and the registry never holds a task
// alive: a finished task is gone from it. The links are TaskBase's own (TaskBase::RegistryLinks);
// only this class touches them, so the loop holds a TaskRegistry without knowing anything of a
// task's insides, and event_loop.cpp does not include task.hpp (asyncio keeps this bookkeeping in
// tasks.py, not in base_events.py, for the same reason).
#pragma once

#include <vector>

namespace looplab {

class TaskBase;

namespace detail {

class TaskRegistry {
public:
    TaskRegistry() = default;
    TaskRegistry(const TaskRegistry&) = delete;
    TaskRegistry& operator=(const TaskRegistry&) = delete;

    // Links a new task in (TaskBase's constructor).
    void add(TaskBase& task) noexcept;
    // Links a task out; does nothing if it is not linked (finished already).
    void remove(TaskBase& task) noexcept;
    bool empty() const noexcept { return newest_ == nullptr; }
    // Every registered task, newest first (the order looplab::run cancels them in at the end).
    std::vector<TaskBase*> all() const;
    // Loop close: abandons every task still pending (TaskBase::abandon destroys its coroutine
    // and unlinks it), newest first, until none is left; abandoning one may finish others.
    void abandon_all();

private:
    TaskBase* newest_ = nullptr;
};

}  // namespace detail
}  // namespace looplab
