#!/usr/bin/env bash
# tools/setup.sh: installs the Debian / Ubuntu packages looplab needs that this machine lacks.
#
#   tools/setup.sh                  # build + test: what README's two commands need
#   tools/setup.sh build test ci    # what .ci/run needs (it calls exactly this)
#   tools/setup.sh --check [GROUP...]  # only say what is missing (exit 1 if anything is)
#   tools/setup.sh --list [GROUP...]   # print the packages, one a line
#
# The one list of looplab's system packages is `packages` below, one package a line, each in a
# group and with what needs it. Adding a dependency is adding a line (and the code that needs
# it). Groups:
#   build   compile the libraries, looplab-demo and the tools (README command 1)
#   test    the test suite and the benchmarks (README command 2)
#   ci      what only CI's extra checks use (.ci/run: sanitizers, fuzzing, valgrind)
#   peers   the other runtimes benchmarks/compare.sh measures looplab against (optional: the
#           script skips a missing one with a note)
#
# Nothing that is already installed is touched, and the package index is refreshed
# (`apt-get update`) only when something has to be installed, so a second run, or a run on a
# ready machine, is a quick no-op that needs neither the network nor root. Installing needs
# root: the script uses sudo when it is not run as root.
set -euo pipefail

# group  package                 what needs it
packages=(
  "build cmake                   the build (CMakeLists.txt, 3.20 or newer)"
  "build ninja-build             the build (README's -G Ninja)"
  "build g++                     the C++20 compiler (g++ 12 on Debian 12)"
  "build libcli11-dev            options of looplab-demo, lab-get and lab-serve (CLI11)"
  "build nlohmann-json3-dev      looplab-demo's --json output; tests/demos reads it back"
  "build libssl-dev              net/tls (OpenSSL 3): the looplab::tls target and HTTPS"
  "build ca-certificates         the system trust store TLS clients verify servers against"
  "build zlib1g-dev              http/codings: gzip and deflate bodies (the clients' decoders)"
  "build pkg-config              finds libbrotlidec and libidn2 (CMakeLists.txt)"
  "build libbrotli-dev           http/codings: br bodies (optional: without it br is not offered)"
  "build libidn2-dev             http/idna: non-ASCII host names (optional: refused with a message)"
  "test  libgtest-dev            the test suite (GoogleTest)"
  "test  libgmock-dev            the test suite (GoogleMock matchers)"
  "test  libbenchmark-dev        benchmarks/ (Google Benchmark; ctest label bench)"
  "test  libxml2-utils           xmllint: tests check that the SVG timelines are valid XML"
  "test  chromium                headless: tests/docs/explorer_check.py renders the loop explorer page"
  "test  tinyproxy               tests/http/proxy_test.cpp: both proxy paths against a real proxy"
  "ci    clang                   the TSan build and the libFuzzer targets (.ci/fuzz.sh)"
  "ci    valgrind                .ci/valgrind.sh (memcheck of a demo and two test binaries)"
  "ci    clang-format            .ci/format.sh (every C++ file as .clang-format leaves it)"
  "ci    curl                    tests/reliability/interop: a real client against lab-serve"
  "ci    apache2-utils           tests/reliability/interop: ab"
  "ci    wrk                     tests/reliability/interop: wrk"
  "ci    httperf                 tests/reliability/interop: httperf"
  "ci    siege                   tests/reliability/interop: siege"
  "ci    python3-requests        tests/reliability/interop: requests"
  "ci    python3-aiohttp         tests/reliability/interop: aiohttp's client"
  "ci    python3-h11             tests/reliability/interop: h11"
  "ci    slowhttptest            tests/reliability/attacks.sh: slowloris, slow body, slow read, range"
  "ci    nginx                   tests/http/nginx_tls_test.cpp: both clients against nginx's TLS"
  "peers libuv1-dev              benchmarks/peers: the libuv echo and timer peers"
  "peers libboost-dev            benchmarks/peers: the Boost.Asio peers"
  "peers libcurl4-openssl-dev    benchmarks/peers: the libcurl multi client"
  "peers python3-aiohttp         benchmarks/peers: asyncio + aiohttp client and server"
  "peers python3-uvloop          benchmarks/peers: the same on uvloop"
  "peers wrk                     benchmarks/compare.sh: the HTTP load generator"
  "peers nginx                   benchmarks/compare.sh: the reference HTTP server"
  "peers libnginx-mod-http-echo  benchmarks/compare.sh: nginx's echo_sleep for /delay/<ms>"
  "peers openssl                 benchmarks/compare.sh: the https rows' run-time CA and certificate"
)
all_groups="build test ci peers"

usage() {
  echo "usage: $0 [--check | --list] [GROUP...]   (groups: $all_groups; default: build test)" >&2
  exit 2
}

mode=install
case "${1:-}" in
  --check) mode=check; shift ;;
  --list) mode=list; shift ;;
  -h | --help) usage ;;
esac
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build test)
for g in "${groups[@]}"; do
  [[ " $all_groups " == *" $g "* ]] || { echo "$0: unknown group '$g'" >&2; usage; }
done

# The packages of the groups asked for, in the list's order.
wanted=()
for line in "${packages[@]}"; do
  read -r group package _ <<< "$line"
  [[ " ${groups[*]} " == *" $group "* ]] || continue
  [[ " ${wanted[*]} " == *" $package "* ]] || wanted+=("$package")  # a package two groups name
done
if [ "$mode" = list ]; then
  printf '%s\n' "${wanted[@]}"
  exit 0
fi

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
  echo "$0: not a Debian or Ubuntu system (no dpkg / apt-get). Install the equivalents of:" >&2
  printf '  %s\n' "${wanted[@]}" >&2
  exit 1
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing=()
for p in "${wanted[@]}"; do
  installed "$p" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#wanted[@]} packages of '${groups[*]}' are installed"
  exit 0
fi
if [ "$mode" = check ]; then
  echo "setup: missing: ${missing[*]}"
  exit 1
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "$0: installing ${missing[*]} needs root, and sudo is not installed" >&2
    exit 1
  }
  as_root=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
