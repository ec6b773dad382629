// runtime/task_registry.hpp: every live task of one loop, for all_tasks() and for close().
//
// asyncio: tasks.py's _scheduled_tasks (a WeakSet) with _register_task / _unregister_task,
//          behind asyncio.all_tasks().
// libuv:   the loop's handle queue (uv_walk walks it), which is the same idea for handles.
//
// Why an intrusive list, and why here. A task links itself in when created and out when it
// finishes (task.cpp), so both are O(1) with no allocation, and the registry never holds a task
// alive: a finished task is gone from it. What the registry knows of a task is only its Node
// (TaskBase derives from it): the links, and how to abandon it at loop close. So the loop holds a
// TaskRegistry without knowing a task's insides, and neither event_loop.cpp nor this file
// includes task.hpp (asyncio keeps this bookkeeping in tasks.py, not in base_events.py).
#pragma once

#include <vector>

namespace looplab {

class TaskBase;

namespace detail {

class TaskRegistry {
public:
    // A registered task, as the registry sees it. TaskBase derives from it.
    class Node {
    public:
        // Loop close: destroys the coroutine of a task that will never finish, reports it, and
        // unlinks it (TaskBase::abandon).
        virtual void abandon() = 0;

    protected:
        explicit Node(TaskBase& task) noexcept : task_(&task) {}
        ~Node() = default;
        Node(const Node&) = delete;
        Node& operator=(const Node&) = delete;

    private:
        friend class TaskRegistry;
        TaskBase* task_;
        Node* older_ = nullptr;
        Node* newer_ = nullptr;
        bool linked_ = false;
    };

    TaskRegistry() = default;
    TaskRegistry(const TaskRegistry&) = delete;
    TaskRegistry& operator=(const TaskRegistry&) = delete;

    // Links a new task in (TaskBase's constructor).
    void add(Node& task) noexcept;
    // Links a task out; does nothing if it is not linked (finished already).
    void remove(Node& task) noexcept;
    bool empty() const noexcept { return newest_ == nullptr; }
    // Every registered task, newest first (the order looplab::run cancels them in at the end).
    std::vector<TaskBase*> all() const;
    // Loop close: abandons every task still pending, newest first, until none is left
    // (abandoning one may finish others).
    void abandon_all();

private:
    Node* newest_ = nullptr;
};

}  // namespace detail
}  // namespace looplab
