// runtime/task_registry.cpp: see task_registry.hpp.
#include "runtime/task_registry.hpp"

#include "runtime/task.hpp"

namespace looplab::detail {

void TaskRegistry::add(TaskBase& task) noexcept {
    TaskBase::RegistryLinks& links = task.registry_links_;
    links.older = newest_;
    links.newer = nullptr;
    links.linked = true;
    if (newest_) newest_->registry_links_.newer = &task;
    newest_ = &task;
}

void TaskRegistry::remove(TaskBase& task) noexcept {
    TaskBase::RegistryLinks& links = task.registry_links_;
    if (!links.linked) return;
    if (links.newer) {
        links.newer->registry_links_.older = links.older;
    } else {
        newest_ = links.older;
    }
    if (links.older) links.older->registry_links_.newer = links.newer;
    links = {};
}

std::vector<TaskBase*> TaskRegistry::all() const {
    std::vector<TaskBase*> out;
    for (TaskBase* t = newest_; t; t = t->registry_links_.older) out.push_back(t);
    return out;
}

void TaskRegistry::abandon_all() {
    while (newest_) newest_->abandon();
}

}  // namespace looplab::detail
