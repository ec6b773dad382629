// tests/reliability/support/fd_limit.hpp: raise this process's descriptor limit for a load test.
#pragma once

#include <sys/resource.h>

namespace looplab::reliability {

// Raises the soft RLIMIT_NOFILE to the hard one (10,000 connections need 10,000 descriptors)
// and returns the new soft limit.
inline rlim_t raise_fd_limit() {
    rlimit limit{};
    ::getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
    return limit.rlim_cur;
}

}  // namespace looplab::reliability
