// tests/net/support/default_sigpipe.hpp: SIGPIPE set to its default action (kill) for a scope.
//
// A test that writes to a dead connection and survives proves MSG_NOSIGNAL works only if
// SIGPIPE would otherwise have killed it. The disposition is inherited from whatever started the
// test binary, and some runners ignore SIGPIPE, which would let a write() slip through unnoticed.
// So such tests put the default back for their duration.
#pragma once

#include <signal.h>

namespace looplab::net::testing {

class DefaultSigpipe {
public:
    DefaultSigpipe() {
        struct sigaction action {};
        action.sa_handler = SIG_DFL;
        ::sigaction(SIGPIPE, &action, &saved_);
    }
    ~DefaultSigpipe() { ::sigaction(SIGPIPE, &saved_, nullptr); }
    DefaultSigpipe(const DefaultSigpipe&) = delete;
    DefaultSigpipe& operator=(const DefaultSigpipe&) = delete;

private:
    struct sigaction saved_ {};  // the disposition to restore
};

}  // namespace looplab::net::testing
