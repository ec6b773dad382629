// tests/tls/support/tsan_suppressions.cpp: what ThreadSanitizer must not report from inside
// OpenSSL, and why that hides nothing of ours.
//
// TSan: __tsan_default_suppressions(), the program's built-in suppressions (as a file given
//       with TSAN_OPTIONS=suppressions=... would be), read once at start-up.
//
// libssl and libcrypto are Debian's, not compiled with -fsanitize=thread. TSan still sees the
// memcpy, memcmp and free they call (it intercepts those in every library), but not the
// atomics they synchronise with: an SSL_SESSION's or an X509's reference count, the "already
// computed" flag of a certificate's cached extensions. So two threads sharing one SSLContext
// (legal: OpenSSL's SSL_CTX is thread-safe, ssl_context.hpp) show up as races inside OpenSSL:
// one thread freeing a session after its last reference is dropped, another having copied it
// before dropping its own; one thread caching a CA certificate's extensions under that
// certificate's lock, another reading them after the atomic flag said they were ready.
//
// called_from_lib silences only accesses made by code of those two libraries. Every access
// of looplab's own (the engine's state, the session cache under its mutex, the shared_ptrs
// around sessions) is instrumented and still checked; SSLObject_EnginesOfOneContextRunOn-
// SeveralThreadsAtOnce exists to check exactly that.
// Relative: looplab-demo compiles this file too, without tests/ on its include path.
#include "../../support/sanitizers.hpp"

#if LOOPLAB_UNDER_TSAN
extern "C" const char* __tsan_default_suppressions() {
    return "called_from_lib:libcrypto.so.3\n"
           "called_from_lib:libssl.so.3\n";
}
#endif
