// tests/support/sanitizers.hpp: which sanitizer this test binary was built with, as two macros
// that are always defined (0 or 1), so a test can say `#if LOOPLAB_UNDER_TSAN`.
//
// Why one header: g++ tells with __SANITIZE_ADDRESS__ / __SANITIZE_THREAD__, clang (before 14's
// partial support of those) with __has_feature(address_sanitizer / thread_sanitizer), and
// `__has_feature` cannot even appear in an #if on a compiler that lacks it. That dance, written
// once here, was repeated in every test that scales its load, lifts a memory bound or silences
// a known report under a sanitizer.
#pragma once

#if defined(__SANITIZE_ADDRESS__)
#define LOOPLAB_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LOOPLAB_UNDER_ASAN 1
#endif
#endif
#ifndef LOOPLAB_UNDER_ASAN
#define LOOPLAB_UNDER_ASAN 0
#endif

#if defined(__SANITIZE_THREAD__)
#define LOOPLAB_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOOPLAB_UNDER_TSAN 1
#endif
#endif
#ifndef LOOPLAB_UNDER_TSAN
#define LOOPLAB_UNDER_TSAN 0
#endif
