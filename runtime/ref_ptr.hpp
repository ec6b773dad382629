// runtime/ref_ptr.hpp: an intrusive reference-counted pointer, for loop-thread objects.
//
// asyncio: every object is reference counted by CPython; a Handle, a Future or a Task lives
//          as long as someone (the ready queue, a done-callback list, the user) refers to it.
//
// Handles, futures and tasks here are shared the same way. std::shared_ptr would work, but
// its count is atomic (a locked instruction per copy) and its control block is a second
// allocation unless make_shared is used everywhere. These objects never leave the loop's
// thread, so a plain integer count inside the object is enough: T provides add_ref() and
// release(), and release() frees the object when the count reaches zero.
#pragma once

#include <cstddef>
#include <utility>

namespace looplab::detail {

template <class T>
class RefPtr {
public:
    RefPtr() noexcept = default;
    RefPtr(std::nullptr_t) noexcept {}
    // Adopts one new reference to p (the count goes up by one).
    explicit RefPtr(T* p) noexcept : p_(p) {
        if (p_) p_->add_ref();
    }
    RefPtr(const RefPtr& o) noexcept : RefPtr(o.p_) {}
    RefPtr(RefPtr&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
    template <class U>
    RefPtr(const RefPtr<U>& o) noexcept : RefPtr(static_cast<T*>(o.get())) {}
    template <class U>
    RefPtr(RefPtr<U>&& o) noexcept : p_(static_cast<T*>(o.detach())) {}
    RefPtr& operator=(RefPtr o) noexcept {
        std::swap(p_, o.p_);
        return *this;
    }
    ~RefPtr() {
        if (p_) p_->release();
    }

    T* get() const noexcept { return p_; }
    T* operator->() const noexcept { return p_; }
    T& operator*() const noexcept { return *p_; }
    explicit operator bool() const noexcept { return p_ != nullptr; }
    // Gives up ownership without changing the count.
    T* detach() noexcept { return std::exchange(p_, nullptr); }
    void reset() noexcept { RefPtr().swap(*this); }
    void swap(RefPtr& o) noexcept { std::swap(p_, o.p_); }

    friend bool operator==(const RefPtr& a, const RefPtr& b) noexcept { return a.p_ == b.p_; }

private:
    T* p_ = nullptr;
};

}  // namespace looplab::detail
