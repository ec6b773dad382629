// runtime/sync/queue.hpp: a queue between producer and consumer tasks, optionally bounded.
//
// asyncio: asyncio.Queue, asyncio.LifoQueue, asyncio.PriorityQueue (queues.py).
//
//     Queue<std::string> jobs(100);               // at most 100 waiting items
//     co_await jobs.put(url);                     // producer: waits while full
//     std::string url = co_await jobs.get();      // consumer: waits while empty
//     jobs.task_done();                           // consumer: finished with that item
//     co_await jobs.join();                       // someone: wait until every item is done
//
// Three queues, one mechanism: BasicQueue does the waiting and counting, and a storage
// policy decides which item comes out next (FIFO deque, LIFO stack, or a min-heap like
// heapq). asyncio does the same with overridable _put/_get methods; here the policy is a
// template parameter, a plain class with push/pop/size.
//
// Waiting, as asyncio does it: items always live in the storage, never in a future. put()
// on a full queue queues a putter future and waits; each get frees a slot and wakes the first
// pending putter, which then loops back and tries again (and get() mirrors that). Getters and
// putters are woken in the order they started waiting. Unlike Lock, this is not hand-off,
// for two reasons: which item a getter receives is the storage policy's choice at the moment
// it takes one (a PriorityQueue getter woken by put(5) must still get the 2 put just after),
// and put_nowait()/get_nowait() must succeed whenever there is room / an item. So a task that
// does not wait (a nowait call, or a put()/get() that finds room / an item) can take the slot
// or item a woken waiter was about to take; that waiter then finds the queue full/empty again
// and queues anew, at the back (as in asyncio).
//
// Cancellation loses nothing. A getter that was woken (an item is there for it) but is
// cancelled before it runs wakes the next getter on its way out, so the item is not left
// sitting in the queue with consumers asleep; a putter likewise passes on a free slot. A
// cancelled put() never inserts its item.
//
// task_done()/join() count unfinished items: put adds one, task_done() takes one away, and
// join() waits for zero (on an Event, as asyncio does).
//
// Shutting down (asyncio 3.13): shutdown() makes every later put (and every putter waiting)
// throw QueueShutDown, while gets go on taking what is queued and throw QueueShutDown once it is
// empty (getters waiting on an empty queue are woken to throw it). shutdown(immediate) also
// drops every queued item, counting each as done for join(), so a join() waiting only on
// queued items returns; items already taken still need their task_done().
//
//     open --shutdown()--> shut down (gets drain) --empty--> every get throws
//       \--shutdown(immediate)--> shut down and empty
//
// DIFFERENCE: task_done() called too many times throws InvalidStateError (asyncio: ValueError).
//
// Loop-thread only; can be constructed outside a running loop (see waiter_queue.hpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <functional>
#include <utility>
#include <vector>

#include "runtime/coro.hpp"
#include "runtime/errors.hpp"
#include "runtime/sync/event.hpp"
#include "runtime/sync/waiter_queue.hpp"
#include "runtime/task.hpp"

namespace looplab {

namespace detail {

// First in, first out (asyncio.Queue).
template <class T>
class FifoStorage {
public:
    void push(T item) { items_.push_back(std::move(item)); }
    T pop() {
        T item = std::move(items_.front());
        items_.pop_front();
        return item;
    }
    std::size_t size() const noexcept { return items_.size(); }

private:
    std::deque<T> items_;
};

// Last in, first out (asyncio.LifoQueue).
template <class T>
class LifoStorage {
public:
    void push(T item) { items_.push_back(std::move(item)); }
    T pop() {
        T item = std::move(items_.back());
        items_.pop_back();
        return item;
    }
    std::size_t size() const noexcept { return items_.size(); }

private:
    std::vector<T> items_;
};

// Smallest first by Compare, like heapq (asyncio.PriorityQueue). The std heap algorithms keep
// the *largest* element by their comparator on top, so they get Compare with the arguments
// swapped. Equal items come out in no particular order, as with heapq.
template <class T, class Compare>
class HeapStorage {
public:
    void push(T item) {
        items_.push_back(std::move(item));
        std::push_heap(items_.begin(), items_.end(), greater());
    }
    T pop() {
        std::pop_heap(items_.begin(), items_.end(), greater());
        T item = std::move(items_.back());
        items_.pop_back();
        return item;
    }
    std::size_t size() const noexcept { return items_.size(); }

private:
    auto greater() const {
        return [this](const T& a, const T& b) { return compare_(b, a); };
    }
    std::vector<T> items_;
    Compare compare_;
};

// The queue itself; Storage is one of the policies above. Use the aliases below.
template <class T, class Storage>
class BasicQueue {
public:
    // maxsize 0 means unbounded.
    explicit BasicQueue(std::size_t maxsize = 0) : maxsize_(maxsize) { finished_.set(); }
    BasicQueue(const BasicQueue&) = delete;
    BasicQueue& operator=(const BasicQueue&) = delete;

    // Adds item, first waiting (FIFO among putters) while the queue is full. Throws
    // CancelledError if the task is cancelled while waiting; the item is then not added.
    // QueueShutDown once the queue is shut down (also while waiting).
    Coro<void> put(T item);
    // Removes and returns the next item, first waiting (FIFO among getters) while the queue is
    // empty. Throws CancelledError if the task is cancelled while waiting; no item is taken.
    // QueueShutDown when the queue is shut down and empty.
    Coro<T> get();

    // Adds item without waiting; throws QueueShutDown after shutdown(), QueueFull if the queue
    // is full.
    void put_nowait(T item) {
        if (is_shutdown_) throw QueueShutDown();
        if (full()) throw QueueFull();
        items_.push(std::move(item));
        ++unfinished_tasks_;
        finished_.clear();
        getters_.wake_one();
    }
    // Removes and returns the next item without waiting; throws QueueEmpty if there is none,
    // QueueShutDown if there is none and the queue was shut down.
    T get_nowait() {
        if (empty()) {
            if (is_shutdown_) throw QueueShutDown();
            throw QueueEmpty();
        }
        T item = items_.pop();
        putters_.wake_one();
        return item;
    }

    std::size_t qsize() const noexcept { return items_.size(); }
    bool empty() const noexcept { return items_.size() == 0; }
    bool full() const noexcept { return maxsize_ > 0 && items_.size() >= maxsize_; }
    std::size_t maxsize() const noexcept { return maxsize_; }

    // A consumer is done with an item it got. Throws InvalidStateError (a std::logic_error)
    // "task_done() called too many times" if more calls than items put.
    void task_done() {
        if (unfinished_tasks_ == 0) throw InvalidStateError("task_done() called too many times");
        if (--unfinished_tasks_ == 0) finished_.set();
    }
    // Returns once every item ever put has been matched by a task_done() (at once if so
    // already).
    Coro<void> join() {
        if (unfinished_tasks_ > 0) co_await finished_.wait();
    }

    // Shuts the queue down (see the header). Wakes every waiting getter and putter so that they
    // look again (and throw QueueShutDown where they must). Idempotent; never suspends.
    void shutdown(bool immediate = false) {
        is_shutdown_ = true;
        if (immediate) {
            while (!empty()) {
                items_.pop();
                if (unfinished_tasks_ > 0) --unfinished_tasks_;
            }
            if (unfinished_tasks_ == 0) finished_.set();
        }
        getters_.wake(static_cast<std::size_t>(-1));
        putters_.wake(static_cast<std::size_t>(-1));
    }
    bool is_shutdown() const noexcept { return is_shutdown_; }

private:
    Storage items_;
    WaiterQueue getters_{"Queue"};  // tasks in get(), waiting for an item
    WaiterQueue putters_{"Queue"};  // tasks in put(), waiting for a free slot
    std::size_t maxsize_;
    std::size_t unfinished_tasks_ = 0;  // put() calls not yet matched by task_done()
    Event finished_;                    // set exactly when unfinished_tasks_ == 0
    bool is_shutdown_ = false;          // shutdown() was called
};

template <class T, class Storage>
Coro<void> BasicQueue<T, Storage>::put(T item) {
    while (full()) {
        if (is_shutdown_) throw QueueShutDown();
        Future<void> putter = putters_.enqueue("Queue.put");
        try {
            co_await putter;
        } catch (const CancelledError&) {
            putters_.remove(putter);
            // Woken for a free slot we will not use: wake the next putter for it.
            if (putter.done() && !putter.cancelled() && !full()) putters_.wake_one();
            throw;
        }
    }
    put_nowait(std::move(item));
}

template <class T, class Storage>
Coro<T> BasicQueue<T, Storage>::get() {
    while (empty()) {
        if (is_shutdown_) throw QueueShutDown();
        Future<void> getter = getters_.enqueue("Queue.get");
        try {
            co_await getter;
        } catch (const CancelledError&) {
            getters_.remove(getter);
            // Woken for an item we will not take: wake the next getter for it.
            if (getter.done() && !getter.cancelled() && !empty()) getters_.wake_one();
            throw;
        }
    }
    co_return get_nowait();
}

}  // namespace detail

// First in, first out.
template <class T>
using Queue = detail::BasicQueue<T, detail::FifoStorage<T>>;

// Last in, first out.
template <class T>
using LifoQueue = detail::BasicQueue<T, detail::LifoStorage<T>>;

// Smallest first (by Compare), like asyncio.PriorityQueue over heapq: put (priority, value)
// pairs to order by priority.
template <class T, class Compare = std::less<T>>
using PriorityQueue = detail::BasicQueue<T, detail::HeapStorage<T, Compare>>;

}  // namespace looplab
