#!/usr/bin/env bash
# tests/reliability/interop.sh: looplab's HTTP server against real clients that nobody here
# wrote, each required to finish with zero errors (issue 19).
#
#   tests/reliability/interop.sh build/tools/lab-serve          # starts lab-serve, runs all
#   tests/reliability/interop.sh build/tools/lab-serve ab curl  # only these checks
#   tests/reliability/interop.sh --url http://127.0.0.1:8080    # a server already running
#
# Checks (each needs its tool; one that is not installed is skipped, with a message):
#   ab        ab -k -n 20000 -c 50: HTTP/1.0 keep-alive, so "Connection: keep-alive" must come
#             back (without it ab waits for a close and completes nothing)
#   wrk       wrk, 50 connections for 3 s: no socket errors, no non-2xx
#   httperf   200 connections x 20 requests, pipelined 5 at a time
#   siege     siege -b, 20 users x 50 requests
#   curl      Expect: 100-continue answered at once (curl's own wait is set to 30 s and the run
#             is cut at 20 s, so an ignored Expect fails instead of stalling), a 404 for an
#             Expect without the body being sent, and ::1 when the server listens on localhost
#   requests  python requests posting 20 MB gets a clean 413 (no ConnectionResetError)
#   aiohttp   aiohttp with expect100=True
#   h11       h11 as a strict client parsing every kind of response on one connection
# (the Python checks are in interop_clients.py beside this script).
#
# Exit status: 0 if every check that ran passed, 1 if one failed, 77 if none could run (every
# tool missing). Debian packages: apache2-utils wrk httperf siege curl python3-requests
# python3-aiohttp python3-h11. AB_REQUESTS overrides ab's -n (default 20000).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
all_checks=(ab wrk httperf siege curl requests aiohttp h11)

url=""
server_pid=""
if [ "${1:-}" = "--url" ]; then
  url=${2:?--url needs a URL}
  shift 2
elif [ -n "${1:-}" ] && [ -x "$1" ]; then
  serve=$1
  shift
else
  echo "usage: $0 (PATH/TO/lab-serve | --url http://HOST:PORT) [check...]" >&2
  echo "checks: ${all_checks[*]}" >&2
  exit 2
fi
checks=("$@")
[ ${#checks[@]} -eq 0 ] && checks=("${all_checks[@]}")

work=$(mktemp -d)
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$url" ]; then
  # localhost: 127.0.0.1 and ::1 on one port (the curl check reaches both).
  "$serve" --host localhost --port 0 --quiet >"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do
    url=$(sed -n 's|^lab-serve: listening on \(http://[^/]*\)/$|\1|p' "$work/serve.log")
    [ -n "$url" ] && break
    sleep 0.05
  done
  if [ -z "$url" ]; then
    echo "lab-serve did not start:" >&2
    cat "$work/serve.log" >&2
    exit 1
  fi
fi
url=${url%/}
hostport=${url#http://}
host=${hostport%:*}
port=${hostport##*:}
echo "== interop against $url"

# The first python3 on PATH (or /usr/bin/python3, Debian's) that can import module $1.
python_with() {
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null && "$py" -c "import $1" 2>/dev/null; then
      echo "$py"
      return
    fi
  done
}

ran=0
failed=()
skipped=()
skip() {
  echo "-- $1: skipped ($2)"
  skipped+=("$1")
  return 77
}
fail() {
  echo "-- $1: FAILED: $2"
  return 1
}

check_ab() {
  command -v ab >/dev/null || { skip ab "ab not installed (apache2-utils)"; return; }
  local n=${AB_REQUESTS:-20000}
  ab -k -n "$n" -c 50 -s 20 "$url/" >"$work/ab.log" 2>&1
  local complete failed_requests keep_alive non2xx
  complete=$(sed -n 's/^Complete requests: *\([0-9]*\)/\1/p' "$work/ab.log")
  failed_requests=$(sed -n 's/^Failed requests: *\([0-9]*\)/\1/p' "$work/ab.log")
  keep_alive=$(sed -n 's/^Keep-Alive requests: *\([0-9]*\)/\1/p' "$work/ab.log")
  non2xx=$(sed -n 's/^Non-2xx responses: *\([0-9]*\)/\1/p' "$work/ab.log")
  if [ "$complete" != "$n" ] || [ "$failed_requests" != 0 ] || [ -n "$non2xx" ] ||
    [ "$keep_alive" != "$n" ]; then
    tail -n 25 "$work/ab.log"
    fail ab "complete $complete/$n, failed ${failed_requests:-?}, keep-alive ${keep_alive:-0}, non-2xx ${non2xx:-0}"
    return
  fi
  echo "-- ab: ok ($n requests, all kept alive, $(sed -n 's/^Requests per second: *\([0-9.]*\).*/\1/p' "$work/ab.log") req/s)"
}

check_wrk() {
  command -v wrk >/dev/null || { skip wrk "wrk not installed"; return; }
  wrk -t 2 -c 50 -d 3s --timeout 10s "$url/" >"$work/wrk.log" 2>&1
  local requests
  requests=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' "$work/wrk.log")
  if [ -z "$requests" ] || [ "$requests" -eq 0 ] || grep -qE "Socket errors|Non-2xx" "$work/wrk.log"; then
    cat "$work/wrk.log"
    fail wrk "errors (or no requests) in wrk's report"
    return
  fi
  echo "-- wrk: ok ($requests requests, $(sed -n 's/^Requests\/sec: *//p' "$work/wrk.log") req/s)"
}

check_httperf() {
  command -v httperf >/dev/null || { skip httperf "httperf not installed"; return; }
  httperf --server "${host#[}" --port "$port" --uri /bytes/1000 --num-conns 200 --num-calls 20 \
    --burst-length 5 --timeout 10 >"$work/httperf.log" 2>&1
  if ! grep -q "^Reply status: 1xx=0 2xx=4000 3xx=0 4xx=0 5xx=0" "$work/httperf.log" ||
    ! grep -q "^Errors: total 0 " "$work/httperf.log"; then
    cat "$work/httperf.log"
    fail httperf "not 4000 2xx replies with 0 errors"
    return
  fi
  echo "-- httperf: ok (4000 replies, 5 pipelined at a time, 0 errors)"
}

check_siege() {
  command -v siege >/dev/null || { skip siege "siege not installed"; return; }
  # siege writes its configuration into $HOME on first use: give it a home of its own.
  HOME="$work" siege -b -c 20 -r 50 "$url/" >"$work/siege.log" 2>&1
  if ! grep -qE '"failed_transactions":[[:space:]]*0,' "$work/siege.log" ||
    ! grep -qE '"successful_transactions":[[:space:]]*1000,' "$work/siege.log"; then
    cat "$work/siege.log"
    fail siege "not 1000 successful transactions with 0 failed"
    return
  fi
  echo "-- siege: ok (1000 transactions, 0 failed)"
}

check_curl() {
  command -v curl >/dev/null || { skip curl "curl not installed"; return; }
  head -c 524288 /dev/zero >"$work/body.bin"
  local expect=(--expect100-timeout 30 -m 20 -H "Expect: 100-continue" --data-binary "@$work/body.bin")
  if ! curl -sS -v -o "$work/echo.out" "${expect[@]}" "$url/echo" 2>"$work/curl.log"; then
    cat "$work/curl.log"
    fail curl "POST with Expect: 100-continue failed (stalled?)"
    return
  fi
  if ! grep -q "^< HTTP/1.1 100 Continue" "$work/curl.log" || ! cmp -s "$work/echo.out" "$work/body.bin"; then
    grep "^[<>]" "$work/curl.log"
    fail curl "no 100 Continue, or the echo differs"
    return
  fi
  local status
  status=$(curl -sS -o /dev/null -w '%{http_code}' "${expect[@]}" "$url/nope")
  if [ "$status" != 404 ]; then
    fail curl "Expect: 100-continue to a missing path got '$status', expected 404"
    return
  fi
  if curl -sS -6 -o /dev/null "http://[::1]:$port/" 2>/dev/null; then
    echo "-- curl: ok (100 Continue then the echo; 404 without the body; ::1 answers)"
  elif [ -n "$server_pid" ] && ip -6 addr show lo 2>/dev/null | grep -q "::1"; then
    fail curl "lab-serve --host localhost does not answer on [::1]:$port"
  else
    echo "-- curl: ok (100 Continue then the echo; 404 without the body; ::1 not checked)"
  fi
}

check_python() {
  local name=$1 module=$2 package=$3 check=$4 py
  py=$(python_with "$module")
  [ -n "$py" ] || { skip "$name" "$package not installed"; return; }
  if "$py" "$here/interop_clients.py" "$check" "$url"; then
    echo "-- $name: ok"
  else
    fail "$name" "see above"
  fi
}
check_requests() { check_python requests requests python3-requests requests-413; }
check_aiohttp() { check_python aiohttp aiohttp python3-aiohttp aiohttp-expect; }
check_h11() { check_python h11 h11 python3-h11 h11-strict; }

for c in "${checks[@]}"; do
  case " ${all_checks[*]} " in
    *" $c "*) ;;
    *) echo "unknown check '$c' (checks: ${all_checks[*]})" >&2; exit 2 ;;
  esac
  "check_$c"
  rc=$?
  [ $rc -eq 77 ] && continue
  ran=$((ran + 1))
  [ $rc -ne 0 ] && failed+=("$c")
done

if [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null; then
  echo "== lab-serve died during the run:"
  cat "$work/serve.log"
  failed+=("lab-serve")
fi
if [ ${#failed[@]} -gt 0 ]; then
  echo "== interop FAILED: ${failed[*]}"
  exit 1
fi
if [ $ran -eq 0 ]; then
  echo "== interop: nothing ran (skipped: ${skipped[*]})"
  exit 77
fi
echo "== interop: $ran checks passed${skipped:+, skipped: ${skipped[*]}}"
