#!/bin/sh
# demos/echo/check_udp_and_shutdown.sh: runs the UDP echo pair and the graceful shutdown demo
# as demos/README.md shows them, and checks what they print (ctest: demos.udp_and_shutdown).
#
# Usage: check_udp_and_shutdown.sh DIR   (DIR: where echo_udp_* and echo_graceful_shutdown are)
set -u
dir=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; cat "$tmp"/*.txt; exit 1; }

# Waits until file $1 contains $2 (5 s at most).
wait_for() {
    i=0
    while ! grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 50 ] && fail "no '$2' in $1"
        sleep 0.1
    done
}

# 1. UDP: a server on a port the kernel picks, a client that gets its datagram back.
"$dir/echo_udp_server" 0 > "$tmp/udp_server.txt" 2>&1 &
server=$!
wait_for "$tmp/udp_server.txt" "udp echo server on"
port=$(sed -n 's/^udp echo server on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/udp_server.txt")
[ -n "$port" ] || fail "no port in the server's first line"
"$dir/echo_udp_client" "$port" "hello over udp" > "$tmp/udp_client.txt" 2>&1 ||
    fail "echo_udp_client exited with $?"
grep -qx "echoed: hello over udp" "$tmp/udp_client.txt" || fail "the client got no echo"
kill -TERM "$server"
wait "$server"

# 2. UDP to a port where nobody listens: the ICMP error reaches error_received.
"$dir/echo_udp_client" "$port" "anyone?" > "$tmp/udp_refused.txt" 2>&1 &&
    fail "the client succeeded with no server"
grep -q "^error: .*refused" "$tmp/udp_refused.txt" || fail "no 'refused' error"

# 3. Graceful shutdown: SIGTERM, no client connected: exit status 0 and the goodbye.
"$dir/echo_graceful_shutdown" 0 200 > "$tmp/shutdown.txt" 2>&1 &
server=$!
wait_for "$tmp/shutdown.txt" "SIGTERM or Ctrl-C stops it"
kill -TERM "$server"
wait "$server"
status=$?
[ "$status" -eq 0 ] || fail "echo_graceful_shutdown exited with $status"
grep -q "^SIGTERM: not accepting; 0 client(s) get 200 ms to finish$" "$tmp/shutdown.txt" ||
    fail "no SIGTERM line"
grep -q "^all connections closed, bye$" "$tmp/shutdown.txt" || fail "no goodbye"
echo "udp echo, refused udp, graceful shutdown: ok"
