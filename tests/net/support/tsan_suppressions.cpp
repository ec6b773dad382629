// tests/net/support/tsan_suppressions.cpp: the one ThreadSanitizer report net_tests expects,
// and why it is a known leak rather than a race.
//
// TSan: __tsan_default_suppressions(), read once at start-up (tests/tls/support/ has the same
//       mechanism for OpenSSL).
//
// SubprocessTest.CancellingTheCreationKillsAndReapsTheChild/Thread closes the loop before the
// thread watcher (net/subprocess/child_watcher.cpp) has delivered the killed child's exit. The
// watcher thread then cannot post to the closed loop, and ThreadsafeInbox::abandon keeps the
// callback rather than destroy loop-thread objects on another thread. That callback holds the
// watcher's state, which holds the transport, which holds the watcher and its std::thread: the
// thread has finished (the child is reaped, no zombie), but its handle is never joined, which
// TSan reports as a "thread leak" at exit. It is a bounded leak (one thread handle and one
// transport per child whose exit arrives after its loop closed), not a data race; breaking
// that cycle at loop close is left as a known issue (child_watcher.hpp). Only thread-leak
// reports of threads started by SubprocessTransport::start are silenced; races stay checked.
#if defined(__SANITIZE_THREAD__)
#define LOOPLAB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LOOPLAB_TSAN 1
#endif
#endif

#ifdef LOOPLAB_TSAN
extern "C" const char* __tsan_default_suppressions() {
    return "thread:looplab::net::SubprocessTransport::start\n";
}
#endif
