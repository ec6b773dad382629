#!/usr/bin/env bash
# .ci/fuzz.sh: builds the libFuzzer targets of tests/fuzz/ with clang++ and runs each one for a
# bounded time. Fails (exit 1) if any target finds a crash, a leak, a timeout, an out-of-memory
# or a broken invariant; libFuzzer leaves the offending input as crash-*/leak-*/timeout-* in
# the directory it was run from (printed below), ready to become a regression test.
#
#   .ci/fuzz.sh                     # 60 s per target
#   FUZZ_SECONDS=600 .ci/fuzz.sh    # longer
#   FUZZ_BUILD_DIR=/tmp/fuzz .ci/fuzz.sh
#
# Each run starts from a copy of the seed corpus in tests/fuzz/corpus/<target>/ (in a temporary
# directory, so what libFuzzer learns never grows the repository) with the target's dictionary.
# Needs clang++ with libFuzzer (Debian: the clang package brings it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD_DIR:-build-fuzz}
targets=(response_parser request_parser chunked_decoder url)

cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOOPLAB_BUILD_FUZZERS=ON -DLOOPLAB_BUILD_TESTS=OFF -DLOOPLAB_BUILD_BENCHMARKS=OFF \
  -DLOOPLAB_BUILD_DEMOS=OFF -DLOOPLAB_WERROR=ON
cmake --build "$build" --target fuzzers -j "$(nproc)"
build=$(cd "$build" && pwd)  # absolute from here on

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=()
for t in "${targets[@]}"; do
  echo "== fuzzing $t for $seconds s"
  mkdir -p "$work/$t/corpus" "$work/$t/artifacts"
  cp "$root/tests/fuzz/corpus/$t/"* "$work/$t/corpus/"
  # -error_exitcode / -timeout_exitcode: libFuzzer's defaults (77 / 70) are non-zero already;
  # set them so any finding fails this script the same way. detect_leaks is on by default.
  if ! "$build/tests/fuzz/${t}_fuzz" "$work/$t/corpus" -dict="$root/tests/fuzz/$t.dict" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -error_exitcode=1 \
      -timeout_exitcode=1 -print_final_stats=1 -artifact_prefix="$work/$t/artifacts/" \
      >"$work/$t/log" 2>&1; then
    failed+=("$t")
    tail -n 60 "$work/$t/log"
    mkdir -p "$build/fuzz-findings/$t"
    cp "$work/$t/artifacts/"* "$build/fuzz-findings/$t/" 2>/dev/null || true
    echo "== $t FAILED; inputs kept in $build/fuzz-findings/$t/"
  else
    grep -E "^(Done|stat::number_of_executed_units)" "$work/$t/log" || true
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== fuzzing found problems in: ${failed[*]}"
  exit 1
fi
echo "== fuzzing: all ${#targets[@]} targets ran $seconds s each without findings"
