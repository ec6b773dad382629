#!/usr/bin/env bash
# tests/docs/check_step.sh: runs one step of docs/steps/ exactly as docs/steps/README.md says,
# and checks its output against the expected output printed there.
#
#     tests/docs/check_step.sh N WORKDIR            compile and run step N with the README's
#                                                   command, in WORKDIR (a scratch directory)
#     tests/docs/check_step.sh N WORKDIR BINARY     run BINARY instead (step 8: CMake built it)
#
# The README's "## Step N: ..." section holds a ```sh block (the command) and then a ```text
# block (the output). Both are taken from the README, so the documented command is the one
# tested and the documented output is the one expected: the two cannot drift apart.
# Timings ("after 52 ms", "took 156 ms") differ from run to run and are compared as "N ms";
# everything else (the lines, their order, the labels) must match exactly.
set -euo pipefail
here="$(cd "$(dirname "$0")/../.." && pwd)"
readme="$here/docs/steps/README.md"
step="$1"
work="$2"
binary="${3:-}"

# The n-th fenced block of kind $2 (sh or text) in step $1's section.
block() {
    awk -v step="## Step $1:" -v kind="$2" '
        index($0, step) == 1 { in_step = 1; next }
        in_step && /^## / { exit }
        in_step && !inside && $0 == "```" kind { inside = 1; next }
        inside && $0 == "```" { exit }
        inside { print }
    ' "$readme"
}
mask() { sed -E 's/(after|took) [0-9]+ ms/\1 N ms/g'; }

command=$(block "$step" sh)
expected=$(block "$step" text | mask)
[ -n "$command" ] || { echo "check_step: no \`\`\`sh block under '## Step $step:' in $readme" >&2; exit 1; }
[ -n "$expected" ] || { echo "check_step: no \`\`\`text block under '## Step $step:' in $readme" >&2; exit 1; }

mkdir -p "$work"
if [ -n "$binary" ]; then
    echo "check_step: running $binary (the README's command builds it with CMake: $command)"
    actual=$("$binary" | mask)
else
    cp "$here"/docs/steps/step"$step"_*.cpp "$work"/
    echo "check_step: in $work: $command"
    actual=$(cd "$work" && bash -c "$command" | mask)
fi
if [ "$actual" != "$expected" ]; then
    echo "check_step: step $step printed something else than docs/steps/README.md shows:" >&2
    diff -u <(echo "$expected") <(echo "$actual") >&2 || true
    exit 1
fi
echo "check_step: step $step printed what docs/steps/README.md shows ($(echo "$actual" | wc -l) lines)"
