#!/usr/bin/env bash
# .ci/starter.sh: checks the course's grading, as a student and a teacher use it.
#
# In the reference tree (REFERENCE_BUILD, a configured build of this repository) and in a
# starter copy (docs/make_starter.sh, built here from scratch with -DLOOPLAB_WERROR=ON), for
# every exercise listed in tests/exercises/CMakeLists.txt:
#   - the documented grading command, `ctest -L exercise_NAME --no-tests=error`, selects
#     tests, the same ones in both trees;
#   - in the reference every one of them passes, and so does `cmake --build ... --target
#     check_NAME`;
#   - in the starter copy every one of them fails (the region it grades is gone), and so does
#     check_NAME;
# and, in the starter copy, every other test passes (nothing outside the exercises depends on
# a region), and a grading command whose label selects nothing fails instead of passing.
#
# Usage: .ci/starter.sh [REFERENCE_BUILD [WORK_DIR]]
#        (defaults: build, and /tmp/looplab-starter-ci, which is wiped first)
#
# Cost: a second build of the tests (about 4 minutes on CI's 2 cores), made cheaper than the
# reference build in two ways that do not weaken the check: no debug information (nobody
# debugs this copy) and only the targets the tests run (no benchmarks, no echo demos but the
# one a test runs). ccache did not shorten it: the starter copy lives at another absolute path,
# and even with CCACHE_BASEDIR=/, CCACHE_NOHASHDIR=1 and include_file_mtime sloppiness, the
# preprocessed output of the same file hashed differently in the two trees, so a fresh CI run
# had 0 hits in 184 compiles.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
reference="${1:-$repo/build}"
work="${2:-/tmp/looplab-starter-ci}"
starter="$work/looplab"
jobs="${JOBS:-$(nproc)}"
if [ ! -f "$reference/CMakeCache.txt" ]; then
  echo "usage: $0 [REFERENCE_BUILD [WORK_DIR]]   ($reference is not a configured build)" >&2
  exit 2
fi
reference="$(cd "$reference" && pwd)"

start=$(date +%s)
exercises=($(sed -n 's/^looplab_exercise(\([a-z0-9_]*\) .*/\1/p' "$repo/tests/exercises/CMakeLists.txt"))
if [ ${#exercises[@]} -eq 0 ]; then
  echo "starter: no looplab_exercise(...) in tests/exercises/CMakeLists.txt" >&2
  exit 1
fi
status=0
fail() { echo "starter: $*" >&2; status=1; }

# Names of the tests a label selects ("  Test  #12: Suite.Name" in ctest -N's listing).
selected() { ctest --test-dir "$1" -N -L "$2" | sed -n 's/^ *Test *#[0-9]*: //p' | sort; }
# The grading command as docs/course.md writes it; prints "FAILED of TOTAL" from its summary.
grade() {
  local out
  out=$(ctest --test-dir "$1" -L "exercise_$2" --no-tests=error --output-on-failure 2>&1) && rc=0 || rc=$?
  echo "$out" > "$work/grade-$(basename "$1")-$2.log"
  echo "$rc $(echo "$out" | sed -n 's/.* \([0-9]*\) tests* failed out of \([0-9]*\)$/\1 \2/p')"
}

rm -rf "$work"
mkdir -p "$work"

# 1. The reference: every grading command selects tests and passes.
targets=()
for e in "${exercises[@]}"; do targets+=("exercise_${e}_tests"); done
cmake --build "$reference" -j "$jobs" --target "${targets[@]}"
for e in "${exercises[@]}"; do
  selected "$reference" "exercise_$e" > "$work/reference-$e.txt"
  [ -s "$work/reference-$e.txt" ] || fail "reference: -L exercise_$e selects no test"
  read -r rc failed total <<< "$(grade "$reference" "$e")"
  [ "$rc" -eq 0 ] || fail "reference: exercise $e does not pass ($failed of $total tests fail):" \
    "$(cat "$work/grade-$(basename "$reference")-$e.log")"
  cmake --build "$reference" --target "check_$e" > "$work/check-reference-$e.log" 2>&1 ||
    fail "reference: cmake --build --target check_$e fails"
done

# 2. The starter copy, built as a student builds it, warnings as errors.
"$repo/docs/make_starter.sh" "$starter"
cmake -S "$starter" -B "$starter/build" -G Ninja -DLOOPLAB_WERROR=ON \
  -DLOOPLAB_BUILD_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" >/dev/null
cmake --build "$starter/build" -j "$jobs" --target all_tests
built=$(date +%s)

for e in "${exercises[@]}"; do
  selected "$starter/build" "exercise_$e" > "$work/starter-$e.txt"
  if [ ! -s "$work/starter-$e.txt" ]; then
    fail "starter: -L exercise_$e selects no test"
    continue
  fi
  cmp -s "$work/starter-$e.txt" "$work/reference-$e.txt" ||
    fail "starter: -L exercise_$e selects other tests than in the reference"
  read -r rc failed total <<< "$(grade "$starter/build" "$e")"
  if [ "$rc" -eq 0 ] || [ "$failed" != "$total" ]; then
    # A grading test that a missing solution cannot fail is no test.
    fail "starter: only $failed of the $total tests of exercise $e fail without the solution:"
    comm -23 "$work/starter-$e.txt" \
      <(sed 's/^[0-9]*://' "$starter/build/Testing/Temporary/LastTestsFailed.log" | sort) |
      sed 's/^/  passes: /' >&2
  fi
  if cmake --build "$starter/build" --target "check_$e" > "$work/check-starter-$e.log" 2>&1; then
    fail "starter: cmake --build --target check_$e passes without the solution"
  fi
done

# 3. A label that selects nothing is an error, not a pass.
if ctest --test-dir "$starter/build" -L exercise_no_such_exercise --no-tests=error >/dev/null 2>&1; then
  fail "ctest -L exercise_no_such_exercise --no-tests=error exits 0"
fi

# 4. Everything that is not an exercise passes in the starter copy.
if ! ctest --test-dir "$starter/build" -LE '^exercise_' --no-tests=error -j "$jobs" \
    --timeout 120 > "$work/others.log" 2>&1; then
  fail "these non-exercise tests FAIL in the starter copy (they must pass):"
  sed -n '/The following tests FAILED/,$p' "$work/others.log" >&2
fi

end=$(date +%s)
if [ $status -eq 0 ]; then
  n_ex=$(cat "$work"/starter-*.txt | wc -l)
  n_other=$(sed -n 's/.*tests passed, 0 tests failed out of \([0-9]*\)$/\1/p' "$work/others.log")
  echo "starter: ${#exercises[@]} exercises (${exercises[*]}): each label selects its tests," \
       "all $n_ex pass in the reference and fail in the starter copy; the other $n_other" \
       "tests pass there (build $(( built - start )) s, checks $(( end - built )) s)"
fi
exit $status
