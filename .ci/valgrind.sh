#!/usr/bin/env bash
# .ci/valgrind.sh BUILD_DIR: memcheck over a small demo run and the tests that exercise the HTTP
# engine and the server's error paths, in a plain (unsanitized) build.
#
#   cmake -S . -B build -G Ninja && cmake --build build
#   .ci/valgrind.sh build            # or: cmake --build build --target valgrind
#
# ASan already runs the whole suite in CI; valgrind adds a second opinion that needs no
# recompilation: it checks the very binaries a student runs (uninitialised reads, which ASan
# does not see, and leaks at exit). It is 20-50 times slower, so it runs a subset chosen to
# cover the parsers, both clients and the server on malformed, truncated and reset input, and
# skips tests whose short timeouts (200-300 ms) a 30x slowdown would turn into false failures,
# and the two 1,000-request AsyncClient tests (scale, not new paths: their 30 s budget is
# about 40 s under valgrind on a busy machine; the other AsyncClient tests cover their code).
# Fails (exit 1) on any memcheck error or definite/indirect leak. About 2-3 minutes.
set -euo pipefail
build=${1:?usage: .ci/valgrind.sh BUILD_DIR}
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind not found (Debian: apt-get install valgrind)"; exit 1; }
if grep -Eq '^LOOPLAB_SANITIZE:STRING=.+' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "$build is a sanitizer build; valgrind needs a plain one"; exit 1
fi

vg=(valgrind --quiet --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --num-callers=30)
run() {
  echo "== valgrind: ${*#"$build/"}"
  "${vg[@]}" "$@"
}

for t in looplab-demo http_tests reliability_tests; do
  case $t in looplab-demo) f="$build/demos/$t" ;; *) f="$build/tests/$t" ;; esac
  [ -x "$f" ] || { echo "$f is missing: cmake --build $build --target $t"; exit 1; }
done

run "$build/demos/looplab-demo" compare --requests 4 --delay-ms 50
run "$build/tests/http_tests" --gtest_brief=1 \
  --gtest_filter='ResponseParser.*:RequestParser.*:ChunkedDecoder.*:Url.*:Headers.*:Serializer*:HttpServerTest.*:KeepAlive.*:BlockingClient.*:AsyncClient.*:-AsyncClient.Thousand*'
run "$build/tests/reliability_tests" --gtest_brief=1 \
  --gtest_filter='ParserSplitRegression.*:HttpServer/*:HostileServer/*:HostileClient.*:SlowReader.*:ThreadsafeStorm.*'
echo "== valgrind: no errors, no leaks"
