// tests/demos/support/demo_process.hpp: run `looplab-demo` as a child process and capture it.
//
// The demo tests drive the real binary, the way a student runs it: its exit status, its stdout
// (text, or one JSON object with --json) and its stderr (where failures go with --json). The
// binary's path comes from the build (LOOPLAB_DEMO_PATH, set in tests/CMakeLists.txt).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace looplab::demos::testing {

struct DemoOutput {
    int exit_code = -1;  // the child's exit status; 128 + n if it died of signal n
    std::string out;
    std::string err;

    // stdout parsed as JSON; fails the calling test (and returns null) if it is not JSON.
    nlohmann::json json() const;
};

// Whether the tests know where the binary is (false: the demos were not built).
bool demo_available();

// Runs looplab-demo with `args` and waits for it. Both streams are drained concurrently, so a
// chatty demo cannot deadlock on a full pipe. A sanitizer report on stderr fails the test.
DemoOutput run_demo(const std::vector<std::string>& args);

// The same for any program (the echo demos): `path` with `args`.
DemoOutput run_program(const std::string& path, const std::vector<std::string>& args);

// A TCP port on 127.0.0.1 where nothing listens (bound to find it, then closed).
std::uint16_t closed_port();

// A fresh path in the temporary directory (the file does not exist yet).
std::string temp_path(const std::string& suffix);

// The lines of `text`, without their '\n'.
std::vector<std::string> lines_of(const std::string& text);

}  // namespace looplab::demos::testing

// First line of every demo test: skips it when the demos were not built.
#define LOOPLAB_REQUIRE_DEMO()                                                      \
    do {                                                                            \
        if (!::looplab::demos::testing::demo_available()) {                         \
            GTEST_SKIP() << "looplab-demo was not built (LOOPLAB_DEMO_PATH unset)"; \
        }                                                                           \
    } while (false)
