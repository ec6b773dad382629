#!/usr/bin/env bash
# docs/make_starter.sh DIR: write a starter copy of looplab for the course's graded exercises.
#
# Copies the repository's files (those git knows, tracked or not ignored; without git, every
# file except build directories) to DIR, then replaces the body of every exercise region
#
#     // exercise(NAME): begin
#     ...reference solution...
#     // exercise(NAME): end
#
# with one statement that fails clearly when the code runs:
#
#     throw looplab::ExerciseNotDone("NAME: implement me, see docs/course.md#exercise-NAME");
#
# preceded, when the region is a function's whole body, by a line that casts each of the
# function's named parameters to void: `(void)fd, (void)events;`. Without it the starter copy
# would warn -Wunused-parameter for every parameter only the solution used, and fail to build
# with -DLOOPLAB_WERROR=ON (.ci/starter.sh builds it so). The parameter names are read from the
# signature that ends at the `{` before the begin marker (clang-format keeps `{` on its line).
#
# A throw statement fits in any function body (void or not, coroutine or not), so the starter
# copy compiles; the exercise's grading tests (tests/exercises/, ctest label exercise_NAME)
# fail until the student writes the region, and every other test passes, because no other code
# depends on a region (.ci/starter.sh checks exactly that). The markers themselves are kept,
# so the student sees where to write. Regions sit inside function bodies only; a file with a
# begin and no end (or the reverse) is an error, not a silently broken copy.
#
# Usage: docs/make_starter.sh DIR      (DIR must not exist, or be empty)
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 DIR   (writes a starter copy of the repository to DIR)" >&2
  exit 2
fi
src="$(cd "$(dirname "$0")/.." && pwd)"
dest="$1"
if [ -e "$dest" ] && [ -n "$(ls -A "$dest" 2>/dev/null)" ]; then
  echo "$0: $dest exists and is not empty" >&2
  exit 2
fi
dest="$(realpath -m "$dest")"
case "$dest/" in
  "$src"/*) echo "$0: DIR must be outside the repository ($src)" >&2; exit 2 ;;
esac
mkdir -p "$dest"

# 1. Copy. git ls-files -co --exclude-standard: committed files and new ones not ignored, so a
#    copy made from a work tree with uncommitted exercises is complete too.
cd "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
    [ -e "$f" ] && printf '%s\0' "$f"
  done | tar --null -T - -cf - | tar -xf - -C "$dest"
else
  tar --exclude='./build*' --exclude='./.git' -cf - . | tar -xf - -C "$dest"
fi

# 2. Replace each region's body. awk keeps the markers and the begin marker's indentation.
count=0
while IFS= read -r -d '' file; do
  out="$(mktemp)"
  if ! awk -v file="$file" '
    function fail(msg) { print file ":" NR ": " msg > "/dev/stderr"; bad = 1; exit 1 }
    # The names of the parameters declared in `sig` ("R C::f(int fd, const Url& url) {"), as
    # "(void)fd, (void)url;", or "" when it declares none (or is no function: "if (...) {").
    function void_casts(sig,    i, c, depth, angle, open, params, n, p, out, rest, word) {
      if (sig ~ /^[ \t]*(\}[ \t]*)?(if|for|while|switch|else|do|try|catch)[ \t(]/) return ""
      open = 0; angle = 0
      for (i = 1; i <= length(sig) && !open; i++) {
        c = substr(sig, i, 1)
        if (c == "<") angle++; else if (c == ">") angle--; else if (c == "(" && angle == 0) open = i
      }
      if (!open) return ""
      depth = 0; n = 0; p = ""
      for (i = open + 1; i <= length(sig); i++) {
        c = substr(sig, i, 1)
        if (c ~ /[(<[{]/) depth++
        else if (c ~ /[)>\]}]/) { if (depth == 0) break; depth-- }
        else if (c == "," && depth == 0) { params[++n] = p; p = ""; continue }
        p = p c
      }
      params[++n] = p
      out = ""
      for (i = 1; i <= n; i++) {
        p = params[i]; sub(/=.*$/, "", p); sub(/\[[^]]*\][ \t]*$/, "", p); sub(/[ \t]+$/, "", p)
        if (p ~ /\.\.\./ || !match(p, /[A-Za-z_][A-Za-z0-9_]*$/)) continue
        word = substr(p, RSTART); rest = substr(p, 1, RSTART - 1)
        gsub(/(^|[ \t])(const|volatile)[ \t]/, " ", rest)
        # An unnamed parameter: its last word is its type ("int", "std::string", "Url").
        if (rest ~ /^[ \t]*$/ || rest ~ /::$/ || word ~ /^(void|bool|char|int|long|short|unsigned|signed|float|double|auto)$/) continue
        out = out (out == "" ? "" : ", ") "(void)" word
      }
      return out == "" ? "" : out ";"
    }
    # sig: the lines of the declaration that ends with the latest "{"; pending: the lines of
    # one still being read (a signature wrapped over several lines).
    !inside && /^[ \t]*$|^[ \t]*(\/\/|#)|[;}][ \t]*$/ { pending = "" }
    !inside && /\{[ \t]*$/ && !/\/\/ exercise\(/ { sig = pending " " $0; pending = ""; print; next }
    !inside && /[^;{}][ \t]*$/ && !/^[ \t]*(\/\/|#)/ { pending = pending " " $0 }
    match($0, /\/\/ exercise\([a-z0-9_]+\): begin/) {
      if (inside) fail("exercise region opened inside another one")
      name = substr($0, RSTART + 12); sub(/\).*/, "", name)
      indent = $0; sub(/[^ ].*$/, "", indent)
      print
      casts = void_casts(sig)
      if (casts != "") print indent casts "  // no unused-parameter warning until written"
      print indent "throw looplab::ExerciseNotDone(\"" name ": implement me, see docs/course.md#exercise-" name "\");"
      inside = 1; regions++; next
    }
    match($0, /\/\/ exercise\([a-z0-9_]+\): end/) {
      if (!inside) fail("exercise region end without a begin")
      inside = 0; sig = ""; print; next
    }
    !inside { print }
    END {
      if (bad) exit 1
      if (inside) { print file ": exercise region not closed" > "/dev/stderr"; exit 1 }
      print regions > "/dev/fd/3"
    }' "$dest/$file" > "$out" 3> "$out.count"; then
    rm -f "$out" "$out.count"
    exit 1
  fi
  count=$(( count + $(cat "$out.count") ))
  # Keep the file's mode (scripts stay executable).
  cat "$out" > "$dest/$file"
  rm -f "$out" "$out.count"
done < <(cd "$dest" && grep -rlZ --include='*.cpp' --include='*.hpp' -E '// exercise\([a-z0-9_]+\): begin' .)

if [ "$count" -eq 0 ]; then
  echo "$0: no exercise regions found: is this the looplab repository?" >&2
  exit 1
fi
echo "starter copy in $dest: $count exercise regions replaced"
