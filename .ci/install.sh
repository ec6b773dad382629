#!/usr/bin/env bash
# .ci/install.sh BUILD_DIR: installs a built looplab to a temporary prefix, then configures,
# builds and runs docs/student-project against it with find_package(looplab), the way a
# course assignment uses looplab. Fails if the install is incomplete (a header or the package
# config missing), if the installed targets drag the build's warning or sanitizer flags along,
# or if the program does not run.
#
# Usage: .ci/install.sh build      (a build dir already built by `cmake --build`)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -ne 1 ] || [ ! -f "$1/CMakeCache.txt" ]; then
  echo "usage: $0 BUILD_DIR   (a configured and built looplab build directory)" >&2
  exit 2
fi
build="$(cd "$1" && pwd)"
work="$(mktemp -d /tmp/looplab-install-XXXXXX)"
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
for f in include/runtime/looplab.hpp include/net/net.hpp include/http/client/client_session.hpp \
         include/http/proto/detail/receive_buffer.hpp lib/cmake/looplab/looplab-config.cmake \
         lib/cmake/looplab/looplab-config-version.cmake; do
  [ -f "$work/prefix/$f" ] || { echo "install: $f is missing" >&2; exit 1; }
done
# looplab_options (-Wall ..., -fsanitize=...) is for building looplab, not for its users.
if grep -rq -e 'looplab_options' -e 'fsanitize' "$work/prefix/lib/cmake/looplab"; then
  echo "install: the exported targets leak looplab_options / sanitizer flags:" >&2
  grep -rn -e 'looplab_options' -e 'fsanitize' "$work/prefix/lib/cmake/looplab" >&2
  exit 1
fi

# The student project, built as a student would: only CMAKE_PREFIX_PATH points at looplab.
# A sanitizer build's libraries need the same runtime in the program that links them.
extra=()
sanitize=$(sed -n 's/^LOOPLAB_SANITIZE:STRING=//p' "$build/CMakeCache.txt")
if [ -n "$sanitize" ]; then
  flag="-fsanitize=$sanitize"
  [ "$sanitize" = address ] && flag="-fsanitize=address,undefined"
  extra=(-DCMAKE_CXX_FLAGS="$flag" -DCMAKE_EXE_LINKER_FLAGS="$flag")
fi
compiler=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
cmake -S "$repo/docs/student-project" -B "$work/student-build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_CXX_COMPILER="$compiler" "${extra[@]}" >/dev/null
cmake --build "$work/student-build"
"$work/student-build/student-main"
echo "install: find_package(looplab) from $work/prefix works (student project built and ran)"
