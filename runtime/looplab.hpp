// runtime/looplab.hpp: everything in runtime/, for programs that want it all at once.
//
// The layers, bottom up (asyncio's order): selector -> event loop (handles, timers) ->
// futures -> coroutines and tasks -> combinators and sync primitives -> executor bridge.
#pragma once

#include "runtime/as_completed.hpp"
#include "runtime/clock.hpp"
#include "runtime/context.hpp"
#include "runtime/coro.hpp"
#include "runtime/errors.hpp"
#include "runtime/event_loop.hpp"
#include "runtime/executor/run_coroutine_threadsafe.hpp"
#include "runtime/executor/run_in_executor.hpp"
#include "runtime/executor/thread_pool_executor.hpp"
#include "runtime/future.hpp"
#include "runtime/gather.hpp"
#include "runtime/run.hpp"
#include "runtime/runner.hpp"
#include "runtime/shield.hpp"
#include "runtime/sleep.hpp"
#include "runtime/sync/barrier.hpp"
#include "runtime/sync/condition.hpp"
#include "runtime/sync/event.hpp"
#include "runtime/sync/lock.hpp"
#include "runtime/sync/queue.hpp"
#include "runtime/sync/semaphore.hpp"
#include "runtime/task.hpp"
#include "runtime/task_group.hpp"
#include "runtime/timeout.hpp"
#include "runtime/wait.hpp"
