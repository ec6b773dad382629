// runtime/errors.hpp: the exceptions the runtime itself raises.
//
// asyncio: asyncio.CancelledError, asyncio.InvalidStateError, TimeoutError,
//          ExceptionGroup (raised by TaskGroup), asyncio.QueueFull / QueueEmpty.
//
// They are plain exception types (not error codes) because a coroutine stores an
// exception_ptr and rethrows it at the co_await: exactly how an asyncio exception travels
// from the innermost await to whoever awaits the task.
#pragma once

#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace looplab {

// The root of what is not an error but control flow (Python's BaseException, whose other
// children are KeyboardInterrupt and SystemExit). It deliberately does NOT derive from
// std::exception, which plays the part of Python's Exception here.
//
// Why. A CancelledError that derives from std::exception is swallowed by every
// `catch (const std::exception& e) { log(e); }`, the catch-all that error handling is made of:
// the cancelled task then goes on as if nothing happened (a timeout that never fires, a
// looplab::run shutdown that waits forever). Python had exactly this bug until 3.8, when
// asyncio.CancelledError moved from Exception to BaseException: `except Exception:` no longer
// catches a cancellation, only a bare `except:` (here: `catch (...)`) does, and code that
// writes that is saying "everything, even cancellation". Two other designs were weighed:
//   - keep std::exception and let debug mode report a task that swallowed its cancellation:
//     the bug is then found only in a debug run that happens to cancel at the right moment,
//     and the program is still wrong in production. Debug mode does add that report
//     (runtime/observe/debug.hpp) for the `catch (...)` that remains possible;
//   - no exception at all (a status the coroutine must check): every co_await would need a
//     check, and C++ coroutines have no other way to unwind a frame.
// The cost: a `catch (const std::exception&)` that *meant* to catch cancellation must now say
// `catch (const CancelledError&)` too, and what() is this class's own, not std::exception's.
class BaseException {
public:
    virtual ~BaseException() = default;
    virtual const char* what() const noexcept = 0;
};

// Thrown into a coroutine at its current await point when its task is cancelled, and by
// Future::result() on a cancelled future. A coroutine may catch it to clean up, but should
// rethrow it (as in asyncio, swallowing it makes the task look like it finished normally).
// Not a std::exception: see BaseException.
class CancelledError : public BaseException {
public:
    explicit CancelledError(const std::string& msg = "")
        : message_(msg), what_(msg.empty() ? "cancelled" : "cancelled: " + msg) {}
    // The message given to cancel(msg); empty when none was given.
    const std::string& message() const noexcept { return message_; }
    const char* what() const noexcept override { return what_.c_str(); }

private:
    std::string message_;
    std::string what_;
};

// An operation that is not valid in the object's current state: result() of a pending
// future, set_result() on a future that is already done, run_forever() on a running loop.
class InvalidStateError : public std::logic_error {
public:
    using std::logic_error::logic_error;
};

// A deadline passed: wait_for(), timeout(), Queue::get with a timeout, result(timeout).
class TimeoutError : public std::runtime_error {
public:
    explicit TimeoutError(const std::string& msg = "timed out") : std::runtime_error(msg) {}
};

// Several tasks failed together (TaskGroup). Holds every error, in the order they happened.
class ExceptionGroup : public std::runtime_error {
public:
    ExceptionGroup(const std::string& msg, std::vector<std::exception_ptr> errors);
    const std::vector<std::exception_ptr>& exceptions() const noexcept { return errors_; }

private:
    std::vector<std::exception_ptr> errors_;
};

// Queue::put_nowait on a full queue / get_nowait on an empty one.
class QueueFull : public std::runtime_error {
public:
    QueueFull() : std::runtime_error("queue is full") {}
};
class QueueEmpty : public std::runtime_error {
public:
    QueueEmpty() : std::runtime_error("queue is empty") {}
};
// A put on a queue that was shut down, or a get on one shut down and empty (asyncio 3.13).
class QueueShutDown : public std::runtime_error {
public:
    QueueShutDown() : std::runtime_error("queue is shut down") {}
};

// The text of an exception_ptr, for messages and the default exception handler:
// what() for std::exception and BaseException (CancelledError), "unknown exception" otherwise.
// Never throws.
std::string describe(const std::exception_ptr& error) noexcept;

// Whether `error` holds a T (or a type derived from it); false for a null pointer.
// exception_ptr has no dynamic_cast: the only way to ask is to rethrow it and catch a T, which
// costs a throw, so this is for error paths (classifying a failure), never for a hot loop.
template <class T>
bool holds(const std::exception_ptr& error) noexcept {
    if (!error) return false;
    try {
        std::rethrow_exception(error);
    } catch (const T&) {
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace looplab
