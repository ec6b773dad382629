// runtime/unique_function.hpp: a move-only std::function that keeps small callables inline.
//
// asyncio: a callback is any Python callable; CPython stores a reference to it in a Handle.
// libuv:   a C function pointer plus a void* in each handle.
//
// Why not std::function: it requires copyable callables (a lambda holding a unique_ptr or a
// coroutine handle owner cannot go in), and libstdc++ only stores 16 bytes inline, so a lambda
// capturing three pointers allocates on every call_soon. This type stores up to InlineSize
// bytes in place and falls back to the heap for larger callables. A Callback keeps 64 bytes
// inline: enough for a lambda capturing eight pointers, and in particular for the runtime's
// own "run this future's done callback" closure (a future reference plus a 56-byte
// done-callback), so scheduling a done callback never allocates. Measured by the
// call_soon benchmark (benchmarks/runtime_bench.cpp): no allocation per call in steady state.
//
// std::move_only_function would do this too, but it is C++23 and not in GCC 12's C++20 mode.
#pragma once

#include <cstddef>
#include <cstring>
#include <functional>
#include <new>
#include <type_traits>
#include <utility>

namespace looplab::detail {

template <class Signature, std::size_t InlineSize = 48>
class UniqueFunction;

template <class R, class... Args, std::size_t InlineSize>
class UniqueFunction<R(Args...), InlineSize> {
public:
    static constexpr std::size_t kInlineSize = InlineSize;

    UniqueFunction() noexcept = default;
    UniqueFunction(std::nullptr_t) noexcept {}

    template <class F, class D = std::decay_t<F>,
              class = std::enable_if_t<!std::is_same_v<D, UniqueFunction> &&
                                       std::is_invocable_r_v<R, D&, Args...>>>
    UniqueFunction(F&& f) {  // NOLINT(google-explicit-constructor): used like std::function
        if constexpr (fits_inline<D>()) {
            ::new (static_cast<void*>(storage_)) D(std::forward<F>(f));
            ops_ = &inline_ops<D>;
        } else {
            heap_ = new D(std::forward<F>(f));
            ops_ = &heap_ops<D>;
        }
    }

    UniqueFunction(UniqueFunction&& other) noexcept { take(other); }
    UniqueFunction& operator=(UniqueFunction&& other) noexcept {
        if (this != &other) {
            reset();
            take(other);
        }
        return *this;
    }
    UniqueFunction(const UniqueFunction&) = delete;
    UniqueFunction& operator=(const UniqueFunction&) = delete;
    ~UniqueFunction() { reset(); }

    explicit operator bool() const noexcept { return ops_ != nullptr; }

    // Calls the stored callable. Precondition: not empty.
    R operator()(Args... args) { return ops_->invoke(target(), std::forward<Args>(args)...); }

    void reset() noexcept {
        if (ops_) {
            if (!ops_->trivially_destructible) ops_->destroy(*this);
            ops_ = nullptr;
        }
    }

private:
    // trivially_copyable / trivially_destructible: an inline callable made of plain data (a
    // few pointers, as most of the loop's own callbacks are) is moved with a copy of its bytes
    // and destroyed by forgetting it, no indirect call. A call_soon moves its callback at least
    // once and destroys it once (callgrind, runtime_bench CallSoonChained: the two indirect
    // calls were 29 instructions per link).
    struct Ops {
        R (*invoke)(void*, Args&&...);
        void (*move)(UniqueFunction& from, UniqueFunction& to) noexcept;
        void (*destroy)(UniqueFunction&) noexcept;
        bool is_inline;
        bool trivially_copyable;
        bool trivially_destructible;
    };

    template <class D>
    static constexpr bool fits_inline() {
        return sizeof(D) <= kInlineSize && alignof(D) <= alignof(std::max_align_t) &&
               std::is_nothrow_move_constructible_v<D>;
    }

    template <class D>
    static constexpr Ops inline_ops{
        [](void* p, Args&&... args) -> R {
            return std::invoke(*static_cast<D*>(p), std::forward<Args>(args)...);
        },
        [](UniqueFunction& from, UniqueFunction& to) noexcept {
            auto* src = std::launder(reinterpret_cast<D*>(from.storage_));
            ::new (static_cast<void*>(to.storage_)) D(std::move(*src));
            src->~D();
        },
        [](UniqueFunction& self) noexcept {
            std::launder(reinterpret_cast<D*>(self.storage_))->~D();
        },
        true,
        std::is_trivially_copyable_v<D>,
        std::is_trivially_destructible_v<D>};

    template <class D>
    static constexpr Ops heap_ops{
        [](void* p, Args&&... args) -> R {
            return std::invoke(*static_cast<D*>(p), std::forward<Args>(args)...);
        },
        [](UniqueFunction& from, UniqueFunction& to) noexcept {
            to.heap_ = from.heap_;
            from.heap_ = nullptr;
        },
        [](UniqueFunction& self) noexcept { delete static_cast<D*>(self.heap_); },
        false,
        false,
        false};

    void* target() noexcept { return ops_->is_inline ? static_cast<void*>(storage_) : heap_; }

    void take(UniqueFunction& other) noexcept {
        if (other.ops_) {
            if (other.ops_->trivially_copyable) {
                std::memcpy(storage_, other.storage_, kInlineSize);
            } else {
                other.ops_->move(other, *this);
            }
            ops_ = other.ops_;
            other.ops_ = nullptr;
        }
    }

    const Ops* ops_ = nullptr;
    union {
        alignas(std::max_align_t) unsigned char storage_[kInlineSize];
        void* heap_;
    };
};

}  // namespace looplab::detail

namespace looplab {
// What call_soon / call_later / add_reader take: any callable with no arguments.
using Callback = detail::UniqueFunction<void(), 64>;
}  // namespace looplab
