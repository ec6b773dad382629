// runtime/context.hpp: context variables, values that follow a task rather than a thread.
//
// Python:  contextvars (PEP 567): ContextVar, Token, Context, copy_context; asyncio runs every
//          task and every callback in a Context (tasks.py, events.Handle).
// Go:      context.Context carries request-scoped values the same way, but by hand.
//
//     ContextVar<std::string> request_id("request_id", "-");
//
//     Coro<> handle(Request r) {
//         request_id.set(r.id);          // this task's context only
//         co_await log("start");          // log() reads request_id.get(): r.id
//     }
//
// A thread-local is shared by every task on the loop thread, so one request's id would leak
// into the next task that runs. A ContextVar is read and set in the *current context*, and the
// loop switches the current context for each task and each callback:
//   - every task runs in its own context, a copy of the one current when the task was created
//     (create_task(coro, name, context) gives it a Context of your choosing instead): a task
//     sees what its creator had set, and nothing it sets leaks back or into its siblings;
//   - every callback runs in a copy of the context current when it was scheduled (call_soon,
//     call_later, call_at, add_reader, add_writer, call_soon_threadsafe), or in the Context
//     passed to the overloads that take one, where its changes stay;
//   - a done callback runs in the context current when it was added (Future::add_done_callback);
//   - run_in_executor and to_thread run the call in a copy of the caller's context, on the
//     worker thread.
//
// How it is stored. A Context is a handle on a ContextState: a pointer to an immutable map
// (variable -> value), plus two flags. set() never changes a map: it builds a new one (the old
// one copied, one entry changed) and points the current state at it. Copying a context is then
// copying one pointer, which is why every task and callback can have its own copy for free, and
// why a map may be shared with a worker thread (immutable, reference counted with atomics).
// The map is a sorted vector: set() is O(n) in the number of variables set in that context,
// where PEP 567's HAMT is O(log n). n is small (a request id, a locale, a deadline), and copying
// a few pointers beats allocating tree nodes; the variable's identity is a 64-bit id, not its
// address, so a variable destroyed and another made at the same address are never confused.
//
// Which context is current: a thread_local pointer (detail::current_context_state), null
// meaning the thread's own root context. TaskBase::step points it at the task's context around
// each step; phase 6 of the loop points it at a scratch context that every callback without a
// context of its own runs in, emptied again after a callback that changed it.
//
// What it costs when no variable is ever set: the maps are all null, so copying one is a null
// pointer copy with no atomic and no allocation. Scheduling a callback tests one pointer (is the
// current map non-empty?); a task step writes the thread_local pointer twice; phase 6 tests the
// scratch context once per callback. Measured with runtime_bench (CPU ms, the best of 6 runs
// alternating with a build of the runtime without contexts, on a shared 2-core machine at load
// ~18, so noisy): CallSoonChained/1000000 35.5 -> 39.3, TaskSwitch/500000 37.5 -> 39.3. That is
// up to ~10% on a chain of empty callbacks, which is all that row does; still to be measured
// on a quiet machine (first suspects: the shared_ptr HandleState gained, reset on release).
// Once variables are set, each callback scheduled from that context allocates its copy (a
// ContextState), as CPython allocates a Context per Handle; a task's own context lives inside
// the task and costs no allocation.
//
// Threads: a ContextVar may be used from any thread (each thread has its own root context). A
// Context (a ContextState) must be used by one thread at a time; the maps may be shared freely.
// A value set in a context may be destroyed on whichever thread drops the last map holding it
// (a worker, after run_in_executor): do not keep loop-thread-only objects (a Future) in one.
//
// DIFFERENCE: asyncio's loop.run_in_executor does not copy the context (only to_thread does);
// looplab's does, so that a worker thread's root context never carries one call's values into
// the next call on the same thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/errors.hpp"

namespace looplab {

// var.get() with no value in the current context and no default (Python's LookupError).
class LookupError : public std::out_of_range {
public:
    using std::out_of_range::out_of_range;
};

namespace detail {

// The variables' values of one context: immutable once built, shared between copies.
class ContextMap {
public:
    using Value = std::shared_ptr<const void>;

    // The value of variable `id`, or nullptr.
    const Value* find(std::uint64_t id) const noexcept;
    std::size_t size() const noexcept { return entries_.size(); }
    // A new map: `base` (may be null) with variable `id` set to `value` (null: removed). Null
    // when the result would be empty, so that "no variable set" is always a null map.
    static std::shared_ptr<const ContextMap> with(const std::shared_ptr<const ContextMap>& base,
                                                  std::uint64_t id, Value value);

private:
    std::vector<std::pair<std::uint64_t, Value>> entries_;  // sorted by id
};

using ContextMapPtr = std::shared_ptr<const ContextMap>;

// What a Context is: the current map, and whether someone is running in it.
struct ContextState {
    ContextMapPtr map;     // null: no variable set
    std::uint64_t id = 0;  // names the context for Token checks; 0 until a token needs it
    bool entered = false;  // Context::run (or a task's step, or a callback) is inside it
};

// The current context of this thread; null means the thread's root context. constinit: read
// and written without a TLS initialisation check (it is on the path of every task step).
extern constinit thread_local ContextState* current_context_state;

// The thread's root context (what current_context_state == nullptr means).
ContextState& root_context() noexcept;

inline ContextState& current_context() noexcept {
    ContextState* state = current_context_state;
    return state ? *state : root_context();
}

// The current map, copied (a null pointer, without atomics, when no variable is set).
inline ContextMapPtr current_map() {
    return current_context().map;
}

// A new id for a variable or a context (process-wide, never reused).
std::uint64_t next_context_id() noexcept;

// Makes `state` current for the scope's lifetime (and marks it entered).
class [[nodiscard]] ContextScope {
public:
    explicit ContextScope(ContextState& state) noexcept
        : state_(state), previous_(current_context_state), was_entered_(state.entered) {
        state_.entered = true;
        current_context_state = &state_;
    }
    ~ContextScope() {
        current_context_state = previous_;
        state_.entered = was_entered_;
    }
    ContextScope(const ContextScope&) = delete;
    ContextScope& operator=(const ContextScope&) = delete;

private:
    ContextState& state_;
    ContextState* previous_;
    bool was_entered_;
};

[[noreturn]] void throw_context_entered();

}  // namespace detail

template <class T>
class ContextVar;

// A Context: a set of variables' values that code can run in (contextvars.Context).
// Copies of a Context object share one context (as Python's references do); copy() and
// copy_context() make a new context with the same values.
class Context {
public:
    // A new, empty context.
    Context() : state_(std::make_shared<detail::ContextState>()) {}

    // Runs fn() with this context current, and returns what it returns; what fn sets stays in
    // this context. InvalidStateError if this context is already entered (running inside
    // itself, or in another task's step right now).
    template <class F>
    decltype(auto) run(F&& fn) {
        if (state_->entered) detail::throw_context_entered();
        detail::ContextScope scope(*state_);
        return std::forward<F>(fn)();
    }

    // A new context with the same values (contextvars.Context.copy).
    Context copy() const { return Context(state_->map); }

    // The value var has in this context, or nullopt (ctx.get(var)).
    template <class T>
    std::optional<T> get(const ContextVar<T>& var) const;
    // Whether var has a value in this context (var in ctx).
    template <class T>
    bool contains(const ContextVar<T>& var) const {
        return state_->map && state_->map->find(var.id()) != nullptr;
    }
    // How many variables have a value here (len(ctx)).
    std::size_t size() const noexcept { return state_->map ? state_->map->size() : 0; }

    // Machinery: the shared state (the loop runs a callback's context through it).
    const std::shared_ptr<detail::ContextState>& state() const noexcept { return state_; }
    // A new context holding `map`.
    explicit Context(detail::ContextMapPtr map)
        : state_(std::make_shared<detail::ContextState>(detail::ContextState{std::move(map)})) {}

private:
    std::shared_ptr<detail::ContextState> state_;
};

// A copy of the current context (contextvars.copy_context()).
inline Context copy_context() {
    return Context(detail::current_map());
}

// What set() returns: enough to undo that set() with reset() (contextvars.Token).
template <class T>
class Token {
public:
    const ContextVar<T>& var() const noexcept { return *var_; }
    // The value before the set(), or nullopt if there was none (Python's Token.MISSING).
    std::optional<T> old_value() const {
        if (!old_) return std::nullopt;
        return *static_cast<const T*>(old_.get());
    }
    bool used() const noexcept { return used_; }

private:
    friend class ContextVar<T>;
    Token(const ContextVar<T>& var, std::uint64_t context_id, detail::ContextMap::Value old)
        : var_(&var), context_id_(context_id), old_(std::move(old)) {}

    const ContextVar<T>* var_;
    std::uint64_t context_id_;
    detail::ContextMap::Value old_;
    bool used_ = false;
};

// A variable whose value depends on the current context (contextvars.ContextVar). Usually a
// global or a static: its identity is what the contexts map. T must be copyable (get() returns
// a copy: the context may change while the value is in use). Not copyable itself.
template <class T>
class ContextVar {
    static_assert(std::is_copy_constructible_v<T>, "ContextVar<T>: T must be copyable");

public:
    explicit ContextVar(std::string name)
        : id_(detail::next_context_id()), name_(std::move(name)) {}
    ContextVar(std::string name, T default_value)
        : id_(detail::next_context_id()),
          name_(std::move(name)),
          default_(std::move(default_value)) {}
    ContextVar(const ContextVar&) = delete;
    ContextVar& operator=(const ContextVar&) = delete;

    const std::string& name() const noexcept { return name_; }
    std::uint64_t id() const noexcept { return id_; }

    // The value in the current context, else the default; LookupError if it has neither.
    T get() const {
        if (const detail::ContextMap::Value* v = find()) return as_value(*v);
        if (default_) return *default_;
        throw LookupError("ContextVar '" + name_ + "' has no value in the current context");
    }
    // The value in the current context, else `fallback` (var.get(default)).
    T get(T fallback) const {
        if (const detail::ContextMap::Value* v = find()) return as_value(*v);
        return fallback;
    }

    // Sets the value in the current context; the token undoes exactly this.
    Token<T> set(T value) {
        detail::ContextState& context = detail::current_context();
        if (context.id == 0) context.id = detail::next_context_id();
        const detail::ContextMap::Value* old = context.map ? context.map->find(id_) : nullptr;
        Token<T> token(*this, context.id, old ? *old : nullptr);
        context.map =
            detail::ContextMap::with(context.map, id_, std::make_shared<const T>(std::move(value)));
        return token;
    }

    // Puts back the value the variable had before token's set(). InvalidStateError if the token
    // was used already; std::invalid_argument if it comes from another variable or another
    // context (PEP 567's RuntimeError and ValueErrors).
    void reset(Token<T>& token) {
        if (token.used_) throw InvalidStateError("Token has already been used once");
        if (token.var_ != this) {
            throw std::invalid_argument("Token was created by a different ContextVar");
        }
        detail::ContextState& context = detail::current_context();
        if (token.context_id_ != context.id) {
            throw std::invalid_argument("Token was created in a different Context");
        }
        context.map = detail::ContextMap::with(context.map, id_, token.old_);
        token.used_ = true;
    }

private:
    const detail::ContextMap::Value* find() const {
        const detail::ContextMapPtr& map = detail::current_context().map;
        return map ? map->find(id_) : nullptr;
    }
    static const T& as_value(const detail::ContextMap::Value& v) {
        return *static_cast<const T*>(v.get());
    }

    std::uint64_t id_;
    std::string name_;
    std::optional<T> default_;
};

template <class T>
std::optional<T> Context::get(const ContextVar<T>& var) const {
    if (!state_->map) return std::nullopt;
    const detail::ContextMap::Value* v = state_->map->find(var.id());
    if (!v) return std::nullopt;
    return *static_cast<const T*>(v->get());
}

}  // namespace looplab
