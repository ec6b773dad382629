#!/usr/bin/env bash
# .ci/starter.sh: checks the course's starter copy (docs/make_starter.sh): it must build, every
# test labelled "exercise" must fail in it (the region it grades is gone), and every other test
# must pass (nothing outside the exercises depends on a region).
#
# Usage: .ci/starter.sh [WORK_DIR]     (default /tmp/looplab-starter-ci; wiped first)
#
# Cost: a second full build (about 6 minutes on CI's 2 cores). ccache did not shorten it: the
# starter copy lives at another absolute path, and even with CCACHE_BASEDIR=/,
# CCACHE_NOHASHDIR=1 and include_file_mtime sloppiness, the preprocessed output of the same file
# hashed differently in the two trees, so a fresh CI run had 0 hits in 184 compiles.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="${1:-/tmp/looplab-starter-ci}"
starter="$work/looplab"
jobs="${JOBS:-$(nproc)}"

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
if [ $status -eq 0 ]; then
  echo "starter: $(wc -l < "$work/exercise.txt") exercise tests fail as they must; " \
       "$(( $(wc -l < "$work/all.txt") - $(wc -l < "$work/exercise.txt") )) other tests pass" \
       "(build $(( built - start )) s, tests $(( end - built )) s)"
fi
exit $status
