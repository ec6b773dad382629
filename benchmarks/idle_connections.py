#!/usr/bin/env python3
"""benchmarks/idle_connections.py: hold many idle keep-alive HTTP connections open against a server.

nginx: what its documentation's "memory per idle keep-alive connection" figure measures;
       wrk/ab only measure busy connections, so this is the other half of a server's cost.

Each connection sends one GET, reads its whole reply (Content-Length framing) and then stays
open and silent: an idle keep-alive connection, the state a browser leaves hundreds of. When
all are idle it prints "idle N" and holds them until stdin closes or HOLD seconds pass, so a
caller (benchmarks/serve_compare.sh) can read the server's VmRSS meanwhile. Connections are
opened in batches of BATCH, the next batch only once the previous one is answered, so the
server's listen backlog never overflows and every connection is counted.

    python3 benchmarks/idle_connections.py --port 8080 --connections 10000 --hold 5
"""
import argparse
import selectors
import socket
import sys
import time

REQUEST = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


def reply_complete(data: bytes) -> bool:
    """True once data holds a head and the Content-Length bytes after it."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return False
    length = 0
    for line in data[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return len(data) >= end + 4 + length


def open_batch(host: str, port: int, count: int, timeout: float) -> list:
    """Opens count connections, each answered once; returns the sockets (raises on failure)."""
    sel = selectors.DefaultSelector()
    pending = {}
    for _ in range(count):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex((host, port))
        pending[sock] = b""
        sel.register(sock, selectors.EVENT_WRITE)
    sent = set()
    done = []
    deadline = time.monotonic() + timeout
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} connections were not answered in {timeout} s")
        for key, _ in sel.select(0.5):
            sock = key.fileobj
            if sock not in sent:
                sock.send(REQUEST)
                sent.add(sock)
                sel.modify(sock, selectors.EVENT_READ)
                continue
            chunk = sock.recv(65536)
            if not chunk:
                raise RuntimeError("the server closed a connection before answering")
            pending[sock] += chunk
            if reply_complete(pending[sock]):
                del pending[sock]
                sel.unregister(sock)
                done.append(sock)
    sel.close()
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--hold", type=float, default=3600.0, help="seconds to hold them")
    args = parser.parse_args()

    held = []
    while len(held) < args.connections:
        count = min(args.batch, args.connections - len(held))
        held += open_batch(args.host, args.port, count, timeout=30.0)
    print(f"idle {len(held)}", flush=True)
    sel = selectors.DefaultSelector()
    try:
        sel.register(sys.stdin, selectors.EVENT_READ)
    except (PermissionError, ValueError):
        pass  # stdin is a file (or /dev/null), which epoll cannot watch: hold for --hold
    deadline = time.monotonic() + args.hold
    while time.monotonic() < deadline:
        timeout = min(1.0, deadline - time.monotonic())
        if not sel.get_map():
            time.sleep(timeout)
        elif sel.select(timeout) and not sys.stdin.readline():
            break  # stdin closed: the caller has measured
    for sock in held:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
