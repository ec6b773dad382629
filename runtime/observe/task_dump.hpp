// runtime/observe/task_dump.hpp: "where is every task, and what is it waiting for?"
//
// asyncio: asyncio.all_tasks() with Task.get_stack() / print_stack(); aiomonitor's `ps`.
// tokio:   tokio-console's task list (name, state, location, waker info).
//
//     dump_tasks(loop, std::cerr);
//     // looplab: 2 live tasks at iteration 7
//     //   Task 'main'    running    created at app.cpp:40 (main_coro)
//     //   Task 'fetch'   waiting    created at app.cpp:12 (start_fetch), awaits sleep 100 ms
//     //                                                                  (due in 42 ms)
//
// "Where is my task blocked?" has been asyncio's most requested debug feature since 2013:
// a task is a coroutine frame nobody can see from outside. looplab's answer is this list,
// built from the loop's own bookkeeping (the intrusive list behind all_tasks(), each task's
// creation site and the future it waits on), so it costs nothing until asked. A coroutine
// frame has no portable stack to walk, so "what it awaits" names the awaited future in the
// words its maker gave it (runtime/label.hpp, observe/words.hpp: "sleep 100 ms (due in 42
// ms)", "Lock.acquire (2nd in line)", "Task 'get'") rather than a line.
//
// In debug mode, SIGUSR1 prints the dump to stderr (debug.hpp says how, safely), and the
// watchdog (watchdog.hpp) says at once, from its own thread, what the loop is stuck in if it
// is stuck.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "runtime/source_location.hpp"

namespace looplab {

class EventLoop;

// What a live task is doing right now.
enum class TaskState {
    running,    // its step is on the stack (the dump was asked for from inside it)
    scheduled,  // its next step is in the ready queue (new, woken, or after sleep(0))
    waiting,    // suspended on a future that is not done yet
};
const char* to_string(TaskState state);

// One line of the dump, as data (tests, and the trace exporters, read these).
struct TaskSnapshot {
    std::string name;
    TaskState state = TaskState::scheduled;
    SourceLocation created_at;
    std::string awaits;  // what it waits for (observe::awaited_text); empty unless waiting
};

// Every live task of `loop`, oldest first. Loop thread only.
std::vector<TaskSnapshot> snapshot_tasks(const EventLoop& loop);
// Writes the dump: a heading, then one line per snapshot. Loop thread only.
void dump_tasks(const EventLoop& loop, std::ostream& out);

}  // namespace looplab
