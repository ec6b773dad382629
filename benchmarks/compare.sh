#!/usr/bin/env bash
# benchmarks/compare.sh: looplab against its peers, alternately, in one run on one machine.
#
#   benchmarks/compare.sh [--quick] [--rounds N] [--build DIR] [--no-http]
#
# Builds looplab's benchmarks and the peers (Release) in DIR (default: build-compare/ at the
# top of the clone), then, for each round, runs every row once for looplab and once for each
# installed peer, one after the other, so that the machine's background noise falls on all of
# them alike. Prints a markdown table (median of the rounds, min-max, and the ratio of
# looplab to the best peer, oriented so that > 1 means looplab is ahead) and writes it, and
# the same as CSV, to DIR/compare/. Peers that are not installed are skipped with a note.
#
# Peers: libuv, Boost.Asio (runtime + TCP rows), Python asyncio and uvloop (runtime + TCP
# rows), aiohttp (with and without uvloop), libcurl multi, an Asio C++20-coroutine client
# (peers/asio_http_peer.cpp, http:// rows only) and wrk (HTTP rows). The HTTP rows
# run against ONE lab-serve process and ONE nginx process (1 worker, echo module for
# /delay/100), each shared by every client. Debian packages: libuv1-dev libboost-dev
# libcurl4-openssl-dev python3-aiohttp python3-uvloop wrk nginx libnginx-mod-http-echo.
#
# The https rows (issue 17) run against the same two servers listening with TLS as well
# (lab-serve --tls-cert/--tls-key, nginx's second server block), with a CA and a certificate
# made by the openssl command at the start of the run: keep-alive GETs on 1 and 64 connections,
# and new TLS connections per second (64 at once, none reused: a TCP connect and a handshake
# per request, resumed by looplab and libcurl, full by aiohttp). The clients trust the CA through SSL_CERT_FILE (OpenSSL's: looplab,
# aiohttp) and CURL_CA_BUNDLE (curl_multi_peer passes it to libcurl); wrk checks nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD="$ROOT/build-compare"
ROUNDS=3
QUICK=0
HTTP=1
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) QUICK=1; ROUNDS=1 ;;
        --rounds) ROUNDS="$2"; shift ;;
        --build) BUILD="$2"; shift ;;
        --no-http) HTTP=0 ;;
        -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "compare.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's python3: where python3-aiohttp/uvloop live
[[ -x $PYTHON ]] || PYTHON=$(command -v python3 || true)
OUT="$BUILD/compare"
mkdir -p "$OUT"
RAW="$OUT/raw.csv"
NOTES="$OUT/notes.txt"
: > "$RAW"
: > "$NOTES"
note() { echo "$*" | tee -a "$NOTES" >&2; }

# Sizes: the full run is the issue's; --quick is for trying the script out.
if [[ $QUICK == 1 ]]; then
    N_CALLS=1000000; N_TIMERS=200000; N_PING=10000; N_HTTP=5000; N_DELAY=1000; N_TLS=1000; PY_DIV=10
else
    N_CALLS=10000000; N_TIMERS=1000000; N_PING=50000; N_HTTP=50000; N_DELAY=10000; N_TLS=5000; PY_DIV=10
fi

echo "== building (Release) in $BUILD" >&2
GEN=()
command -v ninja > /dev/null && GEN=(-G Ninja)
cmake -S "$ROOT" -B "$BUILD" "${GEN[@]}" -DCMAKE_BUILD_TYPE=Release -DLOOPLAB_BUILD_TESTS=OFF \
    -DLOOPLAB_BUILD_DEMOS=OFF -DLOOPLAB_BUILD_BENCHMARKS=ON -DLOOPLAB_BUILD_PEERS=ON > "$OUT/cmake.log"
TARGETS=(runtime_bench net_bench http_load lab-serve)
KNOWN=$(cmake --build "$BUILD" --target help)
for peer in libuv_peer asio_peer asio_http_peer curl_multi_peer; do
    grep -qw "$peer" <<< "$KNOWN" && TARGETS+=("$peer")
done
cmake --build "$BUILD" -j2 --target "${TARGETS[@]}" > "$OUT/build.log"
B="$BUILD/benchmarks"
have() { [[ -x $B/peers/$1 ]]; }
have libuv_peer || note "libuv not installed (libuv1-dev): libuv column skipped"
have asio_peer || note "Boost not installed (libboost-dev): Asio columns skipped"
have asio_peer && ! have asio_http_peer &&
    note "Boost.Asio has no C++20 coroutines with this compiler: no Asio column on the HTTP rows"
have curl_multi_peer || note "libcurl not installed (libcurl4-openssl-dev): libcurl column skipped"
HAVE_UVLOOP=0; HAVE_AIOHTTP=0
if [[ -n $PYTHON ]]; then
    "$PYTHON" -c 'import uvloop' 2> /dev/null && HAVE_UVLOOP=1
    "$PYTHON" -c 'import aiohttp' 2> /dev/null && HAVE_AIOHTTP=1
else
    note "python3 not found: asyncio, uvloop and aiohttp columns skipped"
fi
[[ $HAVE_UVLOOP == 1 ]] || note "uvloop not installed (python3-uvloop): uvloop columns skipped"
[[ $HAVE_AIOHTTP == 1 ]] || note "aiohttp not installed (python3-aiohttp): aiohttp columns skipped"
command -v wrk > /dev/null || note "wrk not installed: wrk column skipped"
HAVE_NGINX=0
if command -v nginx > /dev/null && [[ -f /usr/lib/nginx/modules/ngx_http_echo_module.so ]]; then
    HAVE_NGINX=1
else
    note "nginx or its echo module not installed (nginx libnginx-mod-http-echo): nginx rows skipped"
fi

# record FIGURE IMPL VALUE: one measurement into the raw CSV (empty values are failures).
ROUND=0
record() {
    if [[ -z ${3:-} ]]; then
        note "round $ROUND: $2 failed on $1"
        return
    fi
    echo "\"$1\",$2,$ROUND,$3" >> "$RAW"
    printf '  %-28s %-16s %s\n' "$1" "$2" "$3" >&2
}

# A Google Benchmark row's items per CPU second of the benchmark thread (json output, one
# repetition). The runtime and TCP peers measure CPU time too: on a busy shared machine, wall
# time would measure the scheduler (time spent runnable but not running), not the code. The
# HTTP rows, which involve a server process, are wall time for every client.
gbench_items_per_s() {
    "$1" --benchmark_filter="$2" --benchmark_min_time=0.5 --benchmark_format=json 2> /dev/null |
        "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["benchmarks"][0]["items_per_second"])'
}
scale() { awk -v v="$1" -v f="$2" 'BEGIN { if (v == "") print ""; else printf "%.4f\n", v * f }'; }
inverse_ns() { awk -v v="$1" 'BEGIN { if (v == "" || v == 0) print ""; else printf "%.1f\n", 1e9 / v }'; }

runtime_rows() {
    local v
    v=$(gbench_items_per_s "$B/runtime_bench" '^CallSoonChained/1000000$' || true)
    record "call_soon chained (M/s)" looplab "$(scale "$v" 1e-6)"
    have asio_peer && record "call_soon chained (M/s)" asio "$("$B/peers/asio_peer" chained $N_CALLS || true)"
    have libuv_peer && record "call_soon chained (M/s)" libuv "$("$B/peers/libuv_peer" chained $N_CALLS || true)"
    [[ $HAVE_UVLOOP == 1 ]] && record "call_soon chained (M/s)" uvloop "$("$PYTHON" "$ROOT/benchmarks/peers/asyncio_peer.py" --uvloop chained $((N_CALLS / PY_DIV)) || true)"
    [[ -n $PYTHON ]] && record "call_soon chained (M/s)" asyncio "$("$PYTHON" "$ROOT/benchmarks/peers/asyncio_peer.py" chained $((N_CALLS / PY_DIV)) || true)"

    v=$(gbench_items_per_s "$B/runtime_bench" '^CallSoonBatched/1000000$' || true)
    record "call_soon batched (M/s)" looplab "$(scale "$v" 1e-6)"
    have asio_peer && record "call_soon batched (M/s)" asio "$("$B/peers/asio_peer" batched $N_CALLS || true)"
    have libuv_peer && record "call_soon batched (M/s)" libuv "$("$B/peers/libuv_peer" batched $N_CALLS || true)"
    [[ $HAVE_UVLOOP == 1 ]] && record "call_soon batched (M/s)" uvloop "$("$PYTHON" "$ROOT/benchmarks/peers/asyncio_peer.py" --uvloop batched $((N_CALLS / PY_DIV)) || true)"
    [[ -n $PYTHON ]] && record "call_soon batched (M/s)" asyncio "$("$PYTHON" "$ROOT/benchmarks/peers/asyncio_peer.py" batched $((N_CALLS / PY_DIV)) || true)"

    v=$(gbench_items_per_s "$B/runtime_bench" '^TimersZeroTimeout/' || true)
    record "timer, zero timeout (ns)" looplab "$(inverse_ns "$v")"
    have asio_peer && record "timer, zero timeout (ns)" asio "$("$B/peers/asio_peer" timers $N_TIMERS || true)"
    have libuv_peer && record "timer, zero timeout (ns)" libuv "$("$B/peers/libuv_peer" timers $N_TIMERS || true)"
    [[ $HAVE_UVLOOP == 1 ]] && record "timer, zero timeout (ns)" uvloop "$("$PYTHON" "$ROOT/benchmarks/peers/asyncio_peer.py" --uvloop timers $((N_TIMERS / PY_DIV)) || true)"
    [[ -n $PYTHON ]] && record "timer, zero timeout (ns)" asyncio "$("$PYTHON" "$ROOT/benchmarks/peers/asyncio_peer.py" timers $((N_TIMERS / PY_DIV)) || true)"

    v=$(gbench_items_per_s "$B/net_bench" '^TcpPingPong/' || true)
    record "TCP ping-pong 64 B (k/s)" looplab "$(scale "$v" 1e-3)"
    have asio_peer && record "TCP ping-pong 64 B (k/s)" asio "$("$B/peers/asio_peer" pingpong $N_PING || true)"
    have libuv_peer && record "TCP ping-pong 64 B (k/s)" libuv "$("$B/peers/libuv_peer" pingpong $N_PING || true)"
    [[ $HAVE_UVLOOP == 1 ]] && record "TCP ping-pong 64 B (k/s)" uvloop "$("$PYTHON" "$ROOT/benchmarks/peers/asyncio_peer.py" --uvloop pingpong $((N_PING / PY_DIV)) || true)"
    [[ -n $PYTHON ]] && record "TCP ping-pong 64 B (k/s)" asyncio "$("$PYTHON" "$ROOT/benchmarks/peers/asyncio_peer.py" pingpong $((N_PING / PY_DIV)) || true)"
    return 0
}

# ---- HTTP: one lab-serve and one nginx, shared by every client -------------------------------
SERVER_PIDS=()
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2> /dev/null || true; done
    wait 2> /dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that EXIT runs cleanup when interrupted

free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_servers() {
    ulimit -n "$(ulimit -Hn)" 2> /dev/null || true
    local port
    port=$(free_port)
    # One worker, as nginx.conf has: the rows compare one loop with one nginx worker.
    "$BUILD/tools/lab-serve" --port "$port" --workers 1 --quiet > "$OUT/lab-serve.log" 2>&1 &
    SERVER_PIDS+=($!)
    LAB_URL="http://127.0.0.1:$port"
    make_certificates
    port=$(free_port)
    "$BUILD/tools/lab-serve" --port "$port" --quiet --tls-cert "$TLS/cert.pem" \
        --tls-key "$TLS/key.pem" > "$OUT/lab-serve-tls.log" 2>&1 &
    SERVER_PIDS+=($!)
    LAB_TLS_URL="https://127.0.0.1:$port"
    if [[ $HAVE_NGINX == 1 ]]; then
        port=$(free_port)
        local dir="$OUT/nginx"
        mkdir -p "$dir"
        local tls_port
        tls_port=$(free_port)
        sed -e "s#@PREFIX@#$dir#g" -e "s#@PORT@#$port#g" -e "s#@TLS_PORT@#$tls_port#g" \
            -e "s#@CERT@#$TLS/cert.pem#g" -e "s#@KEY@#$TLS/key.pem#g" \
            "$ROOT/benchmarks/peers/nginx.conf" > "$dir/nginx.conf"
        nginx -c "$dir/nginx.conf" -p "$dir" 2> "$dir/stderr.log" &
        SERVER_PIDS+=($!)
        NGINX_URL="http://127.0.0.1:$port"
        NGINX_TLS_URL="https://127.0.0.1:$tls_port"
    fi
    sleep 1
}

# A CA and a certificate for 127.0.0.1 (EC P-256, as tests/tls and the demos make), trusted by
# every client of this run only.
make_certificates() {
    TLS="$OUT/tls"
    mkdir -p "$TLS"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=compare.sh CA" -keyout "$TLS/ca.key" -out "$TLS/ca.pem" 2> /dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
        -keyout "$TLS/key.pem" -out "$TLS/cert.csr" 2> /dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$TLS/ext.cnf"
    openssl x509 -req -in "$TLS/cert.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" \
        -CAcreateserial -days 1 -extfile "$TLS/ext.cnf" -out "$TLS/cert.pem" 2> /dev/null
    export SSL_CERT_FILE="$TLS/ca.pem" CURL_CA_BUNDLE="$TLS/ca.pem"
}

# The fourth field of a load line is the peak RSS, the third the CPU per request, the
# second requests/s, the first the wall time.
field() { awk -v f="$1" '{ print $f }' <<< "${2:-}"; }

http_client() {  # IMPL URL CONNECTIONS REQUESTS [close] -> the load line
    local impl=$1
    shift
    case "$impl" in
        looplab) "$B/http_load" "$@" ;;
        asio) "$B/peers/asio_http_peer" "$@" ;;
        libcurl) "$B/peers/curl_multi_peer" "$@" ;;
        aiohttp) "$PYTHON" "$ROOT/benchmarks/peers/aiohttp_peer.py" "$@" ;;
        aiohttp+uvloop) "$PYTHON" "$ROOT/benchmarks/peers/aiohttp_peer.py" --uvloop "$@" ;;
    esac
}

http_clients() {
    CLIENTS=(looplab)
    have asio_http_peer && CLIENTS+=(asio)
    have curl_multi_peer && CLIENTS+=(libcurl)
    [[ $HAVE_AIOHTTP == 1 ]] && CLIENTS+=(aiohttp)
    [[ $HAVE_AIOHTTP == 1 && $HAVE_UVLOOP == 1 ]] && CLIENTS+=(aiohttp+uvloop)
    return 0
}

http_rows() {  # SERVER_NAME URL
    local server=$1 url=$2 line impl n
    for impl in "${CLIENTS[@]}"; do
        n=$N_HTTP
        [[ $impl == aiohttp* ]] && n=$((N_HTTP / PY_DIV))
        line=$(http_client "$impl" "$url/" 1 $n || true)
        record "$server: keep-alive, 1 conn (req/s)" "$impl" "$(field 2 "$line")"
        record "$server: keep-alive, 1 conn, client CPU (us/req)" "$impl" "$(field 3 "$line")"
    done
    if command -v wrk > /dev/null; then
        line=$(wrk -t1 -c1 -d2s "$url/" | awk '/Requests\/sec/ { print $2 }' || true)
        record "$server: keep-alive, 1 conn (req/s)" wrk "$line"
    fi
    for impl in "${CLIENTS[@]}"; do
        n=$N_HTTP
        [[ $impl == aiohttp* ]] && n=$((N_HTTP / PY_DIV))
        line=$(http_client "$impl" "$url/" 64 $n || true)
        record "$server: 64 conns, client CPU (us/req)" "$impl" "$(field 3 "$line")"
        record "$server: 64 conns (req/s)" "$impl" "$(field 2 "$line")"
    done
    if command -v wrk > /dev/null; then
        line=$(wrk -t1 -c64 -d2s "$url/" | awk '/Requests\/sec/ { print $2 }' || true)
        record "$server: 64 conns (req/s)" wrk "$line"
    fi
    for impl in "${CLIENTS[@]}"; do
        line=$(http_client "$impl" "$url/delay/100" 10 10 || true)
        record "$server: 10 x /delay/100 (s)" "$impl" "$(field 1 "$line")"
    done
    for impl in "${CLIENTS[@]}"; do
        sleep 3  # let the last run's TIME_WAIT sockets clear
        line=$(http_client "$impl" "$url/delay/100" $N_DELAY $N_DELAY || true)
        record "$server: $N_DELAY x /delay/100 (s)" "$impl" "$(field 1 "$line")"
        record "$server: $N_DELAY x /delay/100, peak RSS (MiB)" "$impl" "$(field 4 "$line")"
    done
}

https_rows() {  # SERVER_NAME URL (https)
    local server=$1 url=$2 line impl n
    local c tls_clients=()
    for c in "${CLIENTS[@]}"; do [[ $c == asio ]] || tls_clients+=("$c"); done
    local CLIENTS=("${tls_clients[@]}")  # the Asio client speaks http:// only
    for impl in "${CLIENTS[@]}"; do
        n=$N_HTTP
        [[ $impl == aiohttp* ]] && n=$((N_HTTP / PY_DIV))
        line=$(http_client "$impl" "$url/" 1 $n || true)
        record "$server https: keep-alive, 1 conn (req/s)" "$impl" "$(field 2 "$line")"
    done
    for impl in "${CLIENTS[@]}"; do
        n=$N_HTTP
        [[ $impl == aiohttp* ]] && n=$((N_HTTP / PY_DIV))
        line=$(http_client "$impl" "$url/" 64 $n || true)
        record "$server https: 64 conns, client CPU (us/req)" "$impl" "$(field 3 "$line")"
        record "$server https: 64 conns (req/s)" "$impl" "$(field 2 "$line")"
    done
    if command -v wrk > /dev/null; then
        line=$(wrk -t1 -c64 -d2s "$url/" | awk '/Requests\/sec/ { print $2 }' || true)
        record "$server https: 64 conns (req/s)" wrk "$line"
    fi
    for impl in "${CLIENTS[@]}"; do
        sleep 2  # let the last run's TIME_WAIT sockets clear
        n=$N_TLS
        [[ $impl == aiohttp* ]] && n=$((N_TLS / PY_DIV))
        line=$(http_client "$impl" "$url/" 64 $n close || true)
        record "$server https: new TLS conns (conn/s)" "$impl" "$(field 2 "$line")"
        record "$server https: new TLS conns, client CPU (us/conn)" "$impl" "$(field 3 "$line")"
    done
}

if [[ $HTTP == 1 ]]; then
    if [[ -z $PYTHON ]]; then
        note "python3 is needed to pick free ports: HTTP rows skipped"
        HTTP=0
    else
        http_clients
        start_servers
    fi
fi

for ((ROUND = 1; ROUND <= ROUNDS; ++ROUND)); do
    echo "== round $ROUND of $ROUNDS" >&2
    runtime_rows
    if [[ $HTTP == 1 ]]; then
        http_rows lab-serve "$LAB_URL"
        [[ $HAVE_NGINX == 1 ]] && http_rows nginx "$NGINX_URL"
        https_rows lab-serve "$LAB_TLS_URL"
        [[ $HAVE_NGINX == 1 ]] && https_rows nginx "$NGINX_TLS_URL"
    fi
done

MACHINE="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), Linux $(uname -r), $(c++ --version | head -1)"
"$PYTHON" "$ROOT/benchmarks/compare_table.py" "$RAW" "$OUT/table.csv" "$MACHINE" "$ROUNDS" "$NOTES" | tee "$OUT/table.md"
echo "(written: $OUT/table.md, $OUT/table.csv, raw rounds in $RAW)" >&2
