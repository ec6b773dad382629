#!/usr/bin/env bash
# docs/check_links.sh: checks that the course material names only things that exist.
#
# For every Markdown file given (default: docs/architecture.md, docs/course.md,
# demos/README.md, README.md and docs/student-project/), it extracts
#   - every repository path (`runtime/event_loop.cpp`, demos/echo/README.md, ...): a token
#     with a '/' and a source-like extension, checked with test -e from the repository root;
#   - every backticked name that looks like code (`call_soon`, `EventLoop::run_once`,
#     `Barrier::wait()`): an identifier, optionally qualified, optionally with "()". The last
#     component must occur as a whole word in the sources (runtime/ net/ http/ tools/ demos/
#     tests/ .ci/ docs/*.sh CMakeLists.txt); for `A::b`, some source file must hold both A and b;
#   - every in-page link (#lesson-3-selectors-and-readiness) and link to docs/course.md#...:
#     the anchor must be a heading of the target file (GitHub's rule: lowercase, spaces to '-',
#     punctuation dropped).
# Prints each missing name with the file and line that mentions it; exits 1 if any.
set -euo pipefail
cd "$(dirname "$0")/.."

files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(docs/architecture.md docs/course.md demos/README.md README.md)
fi
sources=(runtime net http tools demos tests benchmarks .ci docs/make_starter.sh docs/check_links.sh
         docs/student-project CMakeLists.txt)
missing=0
report() { echo "$1: missing $2" >&2; missing=$((missing + 1)); }

# GitHub's anchor for each heading of a Markdown file, one per line.
anchors_of() {
  grep -E '^#{1,6} ' "$1" | sed -E 's/^#+ +//' | tr 'A-Z' 'a-z' |
    sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}

for doc in "${files[@]}"; do
  [ -f "$doc" ] || { report "$doc" "the document itself"; continue; }
  # 1. Paths.
  while IFS=: read -r line path; do
    case "$path" in build/* | */build/* | http:* | https:*) continue ;; esac
    [ -e "$path" ] || report "$doc:$line" "file $path"
  done < <(grep -noE '(\.ci|[a-z_]+)/[A-Za-z0-9_./-]*\.(hpp|cpp|md|sh|txt|cmake|in)\b' "$doc" |
           grep -vE ':(https?:)?//' || true)

  # 2. Backticked names.
  while IFS=: read -r line span; do
    name="${span#\`}"; name="${name%\`}"; name="${name%()}"
    [[ "$name" =~ ^[A-Za-z_~][A-Za-z0-9_]*(::[A-Za-z_~][A-Za-z0-9_]*)*$ ]] || continue
    last="${name##*::}"
    if [[ "$name" == *::* ]]; then
      owner="${name%::*}"; owner="${owner##*::}"
      if ! grep -rlw --include='*.hpp' --include='*.cpp' -e "$owner" "${sources[@]}" 2>/dev/null |
           xargs -r grep -lw -e "$last" >/dev/null 2>&1; then
        report "$doc:$line" "\`$name\` ($owner and $last in one source file)"
      fi
    elif ! grep -rqw -e "$last" "${sources[@]}" 2>/dev/null; then
      report "$doc:$line" "\`$name\`"
    fi
  done < <(grep -noE '`[^` ]+`' "$doc" || true)

  # 3. Anchors: (#x) in this file, (docs/course.md#x) or (course.md#x) elsewhere.
  while IFS=: read -r line link; do
    target="${link%%#*}"; anchor="${link#*#}"
    target="${target#(}"
    if [ -z "$target" ]; then target="$doc"
    elif [ ! -f "$target" ]; then target="$(dirname "$doc")/$target"; fi
    [ -f "$target" ] || { report "$doc:$line" "link target $target"; continue; }
    anchors_of "$target" | grep -qxF -e "$anchor" || report "$doc:$line" "anchor #$anchor in $target"
  done < <(grep -noE '\(([A-Za-z0-9_./-]*\.md)?#[a-z0-9_-]+\)' "$doc" | sed -E 's/\)$//; s/:\(/:/' || true)
done

# 4. The "Lesson:" lines of the demos point at lessons that exist.
while IFS=: read -r file line anchor; do
  anchors_of docs/course.md | grep -qxF -e "$anchor" || report "$file:$line" "anchor #$anchor in docs/course.md"
done < <(grep -rnoE 'Lesson: docs/course.md#[a-z0-9_-]+' demos tools 2>/dev/null |
         sed -E 's/:Lesson: docs\/course.md#/:/' || true)

if [ "$missing" -gt 0 ]; then
  echo "check_links: $missing missing name(s)" >&2
  exit 1
fi
echo "check_links: every path, name and anchor in ${files[*]} exists"
