#!/usr/bin/env bash
# .ci/format.sh: every C++ file of the repository is exactly as clang-format leaves it (the
# repository's .clang-format, Debian's clang-format 14). Prints the files it would change and
# exits 1 if there are any; `clang-format -i FILE` mends one.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format > /dev/null || { echo "format: clang-format is not installed" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h' '*.cc')
bad=()
for f in "${files[@]}"; do
    clang-format --dry-run -Werror "$f" > /dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
    echo "format: clang-format would change ${#bad[@]} file(s):" >&2
    printf '  %s\n' "${bad[@]}" >&2
    exit 1
fi
echo "format: ${#files[@]} files, all as clang-format leaves them"
