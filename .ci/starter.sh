#!/usr/bin/env bash
# .ci/starter.sh: checks the course's starter copy (docs/make_starter.sh): it must build, every
# test labelled "exercise" must fail in it (the region it grades is gone), and every other test
# must pass (nothing outside the exercises depends on a region).
#
# Usage: .ci/starter.sh [WORK_DIR]     (default /tmp/looplab-starter-ci; wiped first)
#
# Cost: a second full build. To make it cheap, run the main build under ccache too:
#     export CMAKE_CXX_COMPILER_LAUNCHER=ccache CCACHE_BASEDIR=/ CCACHE_NOHASHDIR=1
# (CMake >= 3.17 reads CMAKE_CXX_COMPILER_LAUNCHER from the environment when it configures a
# new build dir, so the README's command stays as written). The starter copy is laid out like
# the repository, with its build dir at WORK_DIR/looplab/build as the README's is at ./build,
# so with CCACHE_BASEDIR every compile line is the same relative to its build dir and every file
# outside the exercises hits the cache. This script sets those variables itself when ccache is
# installed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/looplab-starter-ci}"
starter="$work/looplab"
jobs="${JOBS:-$(nproc)}"

if command -v ccache >/dev/null 2>&1; then
  export CMAKE_CXX_COMPILER_LAUNCHER="${CMAKE_CXX_COMPILER_LAUNCHER:-ccache}"
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-/}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-1}"
  ccache --zero-stats >/dev/null
fi
start=$(date +%s)

rm -rf "$work"
mkdir -p "$work"
"$repo/docs/make_starter.sh" "$starter"

# The README's build command, in the starter copy.
cmake -S "$starter" -B "$starter/build" -G Ninja -DLOOPLAB_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$starter/build" -j "$jobs"
built=$(date +%s)

# Names of the tests in a ctest listing ("  Test  #12: Suite.Name").
test_names() { ctest --test-dir "$starter/build" -N "$@" | sed -n 's/^ *Test *#[0-9]*: //p' | sort; }
test_names > "$work/all.txt"
test_names -L '^exercise$' > "$work/exercise.txt"
if [ ! -s "$work/exercise.txt" ]; then
  echo "starter: no tests labelled 'exercise' found" >&2
  exit 1
fi

# Run everything; failures are expected, so ctest's exit code is not the verdict.
ctest --test-dir "$starter/build" -j "$jobs" --timeout 120 > "$work/ctest.log" 2>&1 || true
failed_log="$starter/build/Testing/Temporary/LastTestsFailed.log"
if [ -f "$failed_log" ]; then
  sed 's/^[0-9]*://' "$failed_log" | sort > "$work/failed.txt"
else
  : > "$work/failed.txt"
fi

status=0
# Exercise tests that passed: a grading test that a missing solution cannot fail is no test.
passed_exercises=$(comm -23 "$work/exercise.txt" "$work/failed.txt")
# Other tests that failed: something outside the exercises depends on a region.
failed_others=$(comm -13 "$work/exercise.txt" "$work/failed.txt")
if [ -n "$passed_exercises" ]; then
  echo "starter: these exercise tests PASS without the solution (they must fail):" >&2
  echo "$passed_exercises" | sed 's/^/  /' >&2
  status=1
fi
if [ -n "$failed_others" ]; then
  echo "starter: these non-exercise tests FAIL in the starter copy (they must pass):" >&2
  echo "$failed_others" | sed 's/^/  /' >&2
  grep -A3 -F "$failed_others" "$work/ctest.log" | head -40 >&2 || true
  status=1
fi
end=$(date +%s)
echo "starter: $(wc -l < "$work/exercise.txt") exercise tests fail as they must; " \
     "$(( $(wc -l < "$work/all.txt") - $(wc -l < "$work/exercise.txt") )) other tests pass" \
     "(build $(( built - start )) s, tests $(( end - built )) s)"
if command -v ccache >/dev/null 2>&1; then
  ccache --show-stats 2>/dev/null | grep -Ei 'hit|miss' | head -4 || true
fi
exit $status
