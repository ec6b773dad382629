#!/usr/bin/env bash
# tests/reliability/attacks.sh: slowhttptest's four slow-HTTP attacks against lab-serve, each
# with many connections held for a while; the service must stay available and lab-serve's
# resident memory under a bound throughout.
#
# slowhttptest: -H slowloris (a head that never ends), -B slow body (R-U-Dead-Yet: a body a
#               few bytes at a time), -X slow read (the client reads 32 bytes now and then
#               with a tiny TCP window), -R range (Apache killer: a Range header with
#               hundreds of overlapping ranges)
# nginx:        what each is answered by there: client_header_timeout, client_body_timeout,
#               send_timeout, and max_ranges
#
#     tests/reliability/attacks.sh build/tools/lab-serve            # 1000 connections, 30 s each
#     CONNECTIONS=100 SECONDS_EACH=5 tests/reliability/attacks.sh build/tools/lab-serve
#
# What is checked, per attack: slowhttptest's own probe (a fresh request every second, with a
# 5 s timeout) never finds the service unavailable, our probe (curl, every second) always gets
# a 200, and lab-serve's VmRSS stays under RSS_LIMIT_MB (64 by default). lab-serve runs with
# one worker and its default limits (http/server/server_options.hpp): the header timeout ends
# slowloris, the minimum body rate the slow body, the minimum send rate the slow read, and a
# Range of several ranges gets the whole file once (so slowhttptest's range run ends at once:
# it finds the server answers 200, not 206 with hundreds of parts). slowhttptest's CSV and HTML reports are
# left in $OUT (a temporary directory by default).
# Exit status: 0 when every attack was withstood, 1 otherwise, 77 (skip) without slowhttptest
# or curl.
set -euo pipefail

LAB_SERVE=${1:?usage: attacks.sh path/to/lab-serve}
CONNECTIONS=${CONNECTIONS:-1000}
SECONDS_EACH=${SECONDS_EACH:-30}
RSS_LIMIT_MB=${RSS_LIMIT_MB:-64}
OUT=${OUT:-$(mktemp -d)}

for tool in slowhttptest curl; do
    if ! command -v "$tool" >/dev/null; then
        echo "attacks.sh: $tool is not installed (Debian: apt-get install $tool); skipped"
        exit 77
    fi
done
# slowhttptest opens CONNECTIONS descriptors of its own.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

static_dir="$OUT/static"
mkdir -p "$static_dir"
head -c 100000 /dev/zero | tr '\0' 'r' >"$static_dir/file.txt"

# lab-serve on a free port: the port is read from its first line.
"$LAB_SERVE" --port 0 --workers 1 --quiet --static "$static_dir" >"$OUT/lab-serve.out" 2>&1 &
server_pid=$!
trap 'kill -TERM $server_pid 2>/dev/null || true; wait $server_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    grep -q "listening on" "$OUT/lab-serve.out" 2>/dev/null && break
    sleep 0.1
done
port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$OUT/lab-serve.out" | head -1)
if [[ -z "$port" ]]; then
    echo "attacks.sh: lab-serve did not start:"
    cat "$OUT/lab-serve.out"
    exit 1
fi
base="http://127.0.0.1:$port"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"; }

failed=0
# run_attack NAME URL SLOWHTTPTEST-ARGS...
run_attack() {
    local name=$1 url=$2
    shift 2
    local peak=0 probes=0 probe_failures=0
    slowhttptest "$@" -c "$CONNECTIONS" -r 500 -l "$SECONDS_EACH" -p 5 -u "$url" \
        -g -o "$OUT/$name" >"$OUT/$name.out" 2>&1 &
    local attacker=$!
    while kill -0 "$attacker" 2>/dev/null; do
        local rss
        rss=$(rss_kb)
        ((rss > peak)) && peak=$rss
        probes=$((probes + 1))
        local code
        code=$(curl -s -o /dev/null -m 5 -w '%{http_code}' "$base/" || true)
        [[ "$code" == 200 ]] || probe_failures=$((probe_failures + 1))
        sleep 1
    done
    wait "$attacker" || true
    # The CSV's last column is slowhttptest's probe: 100 while the service answers, 0 not.
    local unavailable=0
    if [[ -f "$OUT/$name.csv" ]]; then
        unavailable=$(awk -F, 'NR > 1 && $5 == 0' "$OUT/$name.csv" | wc -l)
    else
        echo "attacks.sh: $name: slowhttptest wrote no report:"
        tail -5 "$OUT/$name.out"
        unavailable=1
    fi
    local connected
    connected=$(awk -F, 'NR > 1 && $4 > max {max = $4} END {print max + 0}' "$OUT/$name.csv" \
        2>/dev/null || echo 0)
    local verdict=ok
    if ((peak > RSS_LIMIT_MB * 1024 || probe_failures > 0 || unavailable > 0)); then
        verdict=FAILED
        failed=1
    fi
    printf '%-10s %5d connections at most, peak RSS %6.1f MB (limit %d), probes %d/%d ok, ' \
        "$name" "$connected" "$(awk -v kb="$peak" 'BEGIN {print kb / 1024}')" "$RSS_LIMIT_MB" \
        $((probes - probe_failures)) "$probes"
    printf 'slowhttptest unavailable %d s: %s\n' "$unavailable" "$verdict"
}

echo "attacks.sh: $CONNECTIONS connections, $SECONDS_EACH s per attack, against $base"
run_attack slowloris "$base/" -H -i 5
run_attack slow-body "$base/upload" -B -i 5 -s 100000
run_attack slow-read "$base/bytes/1000000" -X -k 3 -n 3 -w 16 -y 64 -z 32
run_attack range "$base/static/file.txt" -R -a 1 -b 500
echo "attacks.sh: reports in $OUT"
exit $failed
