// runtime/task_registry.cpp: see task_registry.hpp.
#include "runtime/task_registry.hpp"

namespace looplab::detail {

void TaskRegistry::add(Node& task) noexcept {
    task.older_ = newest_;
    task.newer_ = nullptr;
    task.linked_ = true;
    if (newest_) newest_->newer_ = &task;
    newest_ = &task;
}

void TaskRegistry::remove(Node& task) noexcept {
    if (!task.linked_) return;
    if (task.newer_) {
        task.newer_->older_ = task.older_;
    } else {
        newest_ = task.older_;
    }
    if (task.older_) task.older_->newer_ = task.newer_;
    task.older_ = task.newer_ = nullptr;
    task.linked_ = false;
}

std::vector<TaskBase*> TaskRegistry::all() const {
    std::vector<TaskBase*> out;
    for (const Node* t = newest_; t; t = t->older_) out.push_back(t->task_);
    return out;
}

void TaskRegistry::abandon_all() {
    while (newest_) newest_->abandon();
}

}  // namespace looplab::detail
