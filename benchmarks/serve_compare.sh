#!/usr/bin/env bash
# benchmarks/serve_compare.sh: lab-serve against nginx, server side: req/s, server CPU per
# request and RSS per idle keep-alive connection, with one worker and with every core.
#
# nginx: the reference an event-loop HTTP server is measured against (benchmarks/peers/nginx.conf,
#        worker_processes set to the same count as lab-serve's --workers)
# wrk:   the load (one thread, 1 and 64 keep-alive connections, GET / answering "Hello World!")
#
#     benchmarks/serve_compare.sh build/tools/lab-serve               # 2 rounds, 3 s per wrk run
#     ROUNDS=1 SECONDS_EACH=2 IDLE=2000 benchmarks/serve_compare.sh build/tools/lab-serve
#
# What each figure is:
#   req/s          wrk's Requests/sec
#   CPU us/req     the server's utime+stime over the wrk run (/proc/PID/stat of every process
#                  of the server: lab-serve is one process, nginx a master and its workers),
#                  divided by the requests wrk completed: what a request costs the server, which
#                  a busy machine disturbs far less than req/s (wrk competes for the same cores)
#   idle B/conn    VmRSS with IDLE idle keep-alive connections open (each answered once, then
#                  silent: benchmarks/idle_connections.py) minus VmRSS before, divided by IDLE
# The two servers run alternately, round after round (lab-serve, nginx, lab-serve, ...), so a
# change in the machine's load hits both; each figure is the median over the rounds. The
# ratio is lab-serve's advantage: above 1.00 lab-serve is ahead (more req/s, less CPU, less
# memory). Needs wrk, nginx (with its echo module, which nginx.conf loads), python3, openssl;
# exits 77 (skip) without them.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
LAB_SERVE=${1:-$ROOT/build/tools/lab-serve}
ROUNDS=${ROUNDS:-2}
SECONDS_EACH=${SECONDS_EACH:-3}
IDLE=${IDLE:-10000}
CORES=$(nproc)
OUT=$(mktemp -d)

for tool in wrk nginx python3 openssl; do
    if ! command -v "$tool" > /dev/null; then
        echo "serve_compare.sh: $tool is not installed; skipped"
        exit 77
    fi
done
[[ -x $LAB_SERVE ]] || { echo "serve_compare.sh: no lab-serve at $LAB_SERVE" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
CLK_TCK=$(getconf CLK_TCK)

SERVER_PIDS=()
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
    rm -rf "$OUT"
}
trap cleanup EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=127.0.0.1 \
    -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2> /dev/null

# start_server NAME WORKERS: sets PORT and PIDS (every process of the server).
start_server() {
    local name=$1 workers=$2
    PORT=$(free_port)
    if [[ $name == lab-serve ]]; then
        "$LAB_SERVE" --port "$PORT" --workers "$workers" --quiet > "$OUT/lab-serve.log" 2>&1 &
        MAIN_PID=$!
    else
        local dir="$OUT/nginx"
        mkdir -p "$dir"
        sed -e "s#@PREFIX@#$dir#g" -e "s#@PORT@#$PORT#g" -e "s#@TLS_PORT@#$(free_port)#g" \
            -e "s#@CERT@#$OUT/cert.pem#g" -e "s#@KEY@#$OUT/key.pem#g" \
            -e "s#^worker_processes 1;#worker_processes $workers;#" \
            "$ROOT/benchmarks/peers/nginx.conf" > "$dir/nginx.conf"
        nginx -c "$dir/nginx.conf" -p "$dir" 2> "$dir/stderr.log" &
        MAIN_PID=$!
    fi
    SERVER_PIDS=("$MAIN_PID")
    for _ in $(seq 50); do
        curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2> /dev/null && break
        sleep 0.1
    done
    PIDS="$MAIN_PID $( (pgrep -P "$MAIN_PID" || true) | tr "\n" " ")"
}

stop_server() {
    kill -TERM "$MAIN_PID" 2> /dev/null || true
    wait "$MAIN_PID" 2> /dev/null || true
    SERVER_PIDS=()
}

cpu_ticks() {  # utime + stime of every server process
    local total=0 pid
    for pid in $PIDS; do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    echo "$total"
}

rss_kb() {  # VmRSS of every server process
    local total=0 pid
    for pid in $PIDS; do
        total=$((total + $(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")))
    done
    echo "$total"
}

# wrk_row CONNECTIONS: prints "req/s us/req".
wrk_row() {
    local before after out requests rps
    before=$(cpu_ticks)
    out=$(wrk -t1 -c"$1" -d"${SECONDS_EACH}s" "http://127.0.0.1:$PORT/")
    after=$(cpu_ticks)
    requests=$(awk '/requests in/ {print $1}' <<< "$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
    awk -v r="$rps" -v n="$requests" -v t=$((after - before)) -v hz="$CLK_TCK" \
        'BEGIN {printf "%.0f %.2f\n", r, (n > 0 ? t * 1e6 / hz / n : 0)}'
}

# idle_row: prints the RSS bytes per idle keep-alive connection.
idle_row() {
    local before after fifo="$OUT/idle.fifo"
    before=$(rss_kb)
    rm -f "$fifo"
    mkfifo "$fifo"
    python3 "$ROOT/benchmarks/idle_connections.py" --port "$PORT" --connections "$IDLE" \
        --hold 120 < "$fifo" > "$OUT/idle.out" 2>&1 &
    local client=$!
    exec 9> "$fifo"  # the client's stdin: closing it ends the hold
    for _ in $(seq 1200); do
        grep -q '^idle' "$OUT/idle.out" 2> /dev/null && break
        kill -0 "$client" 2> /dev/null || break
        sleep 0.1
    done
    sleep 0.5
    after=$(rss_kb)
    exec 9>&-
    wait "$client" || true
    if ! grep -q "^idle $IDLE" "$OUT/idle.out"; then
        echo "serve_compare.sh: the idle client failed: $(tail -1 "$OUT/idle.out")" >&2
        echo nan
        return
    fi
    awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN {printf "%.0f\n", (a - b) * 1024 / n}'
}

declare -A RESULT  # "server|workers|figure" -> space-separated values, one per round
record() { RESULT["$1|$2|$3"]+="$4 "; }

measure() {
    local name=$1 workers=$2 line
    start_server "$name" "$workers"
    line=$(wrk_row 1)
    record "$name" "$workers" "1 conn req/s" "${line% *}"
    record "$name" "$workers" "1 conn CPU us/req" "${line#* }"
    line=$(wrk_row 64)
    record "$name" "$workers" "64 conns req/s" "${line% *}"
    record "$name" "$workers" "64 conns CPU us/req" "${line#* }"
    record "$name" "$workers" "idle B/conn ($IDLE)" "$(idle_row)"
    stop_server
}

median() {
    tr ' ' '\n' <<< "$1" | grep -v '^$' | sort -g |
        awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

worker_counts="1"
((CORES > 1)) && worker_counts="1 $CORES"
for workers in $worker_counts; do
    for round in $(seq "$ROUNDS"); do
        measure lab-serve "$workers"
        measure nginx "$workers"
    done
done

echo "serve_compare.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $CORES cores ($(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; $ROUNDS round(s), median; wrk -t1 for ${SECONDS_EACH} s"
echo
echo "| workers | figure | lab-serve | nginx | lab-serve ahead by |"
echo "| ---: | --- | ---: | ---: | ---: |"
for workers in $worker_counts; do
    for figure in "1 conn req/s" "1 conn CPU us/req" "64 conns req/s" "64 conns CPU us/req" \
        "idle B/conn ($IDLE)"; do
        lab=$(median "${RESULT["lab-serve|$workers|$figure"]}")
        ngx=$(median "${RESULT["nginx|$workers|$figure"]}")
        # req/s: more is better; CPU and memory: less is better.
        ratio=$(awk -v l="$lab" -v n="$ngx" -v f="$figure" 'BEGIN {
            if (l + 0 <= 0 || n + 0 <= 0) { print "-"; exit }
            printf "%.2f\n", (f ~ /req\/s/) ? l / n : n / l }')
        echo "| $workers | $figure | $lab | $ngx | $ratio |"
    done
done
