#!/usr/bin/env python3
# tests/reliability/interop_clients.py: the Python clients of tests/reliability/interop.sh.
#
#   python3 interop_clients.py requests-413   http://127.0.0.1:8080
#   python3 interop_clients.py aiohttp-expect http://127.0.0.1:8080
#   python3 interop_clients.py h11-strict     http://127.0.0.1:8080
#
# Each check prints one line and exits 0 when the server behaved, 1 when it did not, and 77 when
# the library it needs is not installed (interop.sh reports that as "skipped").
#   requests-413:   requests posts 20 MB to a server whose body limit is 1 MiB and must get the
#                   413, not ConnectionResetError: the server drains the upload it refused
#                   (lingering close) instead of closing on it. Thirty times: without lingering
#                   the reset is a race the client loses only now and then.
#   aiohttp-expect: aiohttp with expect100=True waits for "100 Continue" before it sends the
#                   body; a server that ignores Expect stalls it until its timeout (20 s here).
#   h11-strict:     h11, a strict parser (it raises on anything RFC 9112 forbids), reads every
#                   kind of response the demo routes make, on one kept-alive connection, and
#                   each final response must carry a Date.
import asyncio
import socket
import sys
import urllib.parse

SKIP = 77


def check_requests_413(url):
    try:
        import requests
    except ImportError:
        print("skipped: python3-requests is not installed")
        return SKIP
    body = b"x" * (20 * 1024 * 1024)
    for attempt in range(1, 31):
        try:
            response = requests.post(url + "/echo", data=body, timeout=30)
        except requests.exceptions.ConnectionError as error:
            print(f"FAILED: requests posting 20 MB (try {attempt}) got {error!r}, not a 413")
            return 1
        if response.status_code != 413:
            print(f"FAILED: requests posting 20 MB got {response.status_code}, expected 413")
            return 1
    print(f"ok: requests posting 20 MB got 413 thirty times ({response.text.strip()})")
    return 0


def check_aiohttp_expect(url):
    try:
        import aiohttp
    except ImportError:
        print("skipped: python3-aiohttp is not installed")
        return SKIP

    async def run():
        body = b"y" * 100_000
        timeout = aiohttp.ClientTimeout(total=20)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(url + "/echo", data=body, expect100=True) as response:
                echoed = await response.read()
                return response.status, echoed == body

    try:
        status, same = asyncio.run(run())
    except asyncio.TimeoutError:
        print("FAILED: aiohttp with expect100=True timed out (no 100 Continue?)")
        return 1
    if status != 200 or not same:
        print(f"FAILED: aiohttp with expect100=True got {status}, body echoed: {same}")
        return 1
    print("ok: aiohttp with expect100=True got 100 Continue, then the echo")
    return 0


# (method, target, extra headers, body, expected status) for h11-strict, all on one connection.
H11_REQUESTS = [
    ("GET", "/", [], b"", 200),
    ("GET", "/bytes/100000", [], b"", 200),
    ("GET", "/chunked/70000", [], b"", 200),
    ("HEAD", "/", [], b"", 200),
    ("HEAD", "/chunked/10", [], b"", 200),
    ("GET", "/status/204", [], b"", 204),
    ("GET", "/status/304", [], b"", 304),
    ("GET", "/redirect/1", [], b"", 302),
    ("POST", "/echo", [("Content-Type", "text/plain")], b"hello h11", 200),
    ("POST", "/echo", [("Expect", "100-continue")], b"after a 100", 200),
    ("GET", "/nope", [], b"", 404),
    ("DELETE", "/", [], b"", 405),
    ("PURGE", "/", [], b"", 501),
    ("OPTIONS", "*", [], b"", 200),
    ("GET", "http://example.com/bytes/3", [], b"", 200),
    ("GET", "/", [("Expect", "something-else")], b"", 417),
]


def check_h11_strict(url):
    try:
        import h11
    except ImportError:
        print("skipped: python3-h11 is not installed")
        return SKIP
    parts = urllib.parse.urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    conn = h11.Connection(our_role=h11.CLIENT)

    def next_event():
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(sock.recv(65536))
                continue
            return event

    for method, target, extra, body, expected in H11_REQUESTS:
        headers = [("Host", parts.netloc)] + extra
        if body:
            headers.append(("Content-Length", str(len(body))))
        sock.sendall(conn.send(h11.Request(method=method, target=target, headers=headers)))
        if body:
            sock.sendall(conn.send(h11.Data(data=body)))
        sock.sendall(conn.send(h11.EndOfMessage()))
        try:
            event = next_event()
            while isinstance(event, h11.InformationalResponse):
                event = next_event()
            if not isinstance(event, h11.Response):
                print(f"FAILED: {method} {target}: h11 read {event!r}, not a response")
                return 1
            status = event.status_code
            fields = {name.lower(): value for name, value in event.headers}
            while not isinstance(event, h11.EndOfMessage):
                event = next_event()
                if isinstance(event, h11.ConnectionClosed):
                    print(f"FAILED: {method} {target}: the connection closed mid-response")
                    return 1
        except h11.RemoteProtocolError as error:
            print(f"FAILED: {method} {target}: h11 refused the response: {error}")
            return 1
        if status != expected:
            print(f"FAILED: {method} {target}: status {status}, expected {expected}")
            return 1
        if fields.get(b"date") is None:
            print(f"FAILED: {method} {target}: no Date header")
            return 1
        if conn.their_state is h11.MUST_CLOSE:
            print(f"FAILED: {method} {target}: the server closed the kept-alive connection")
            return 1
        conn.start_next_cycle()
    sock.close()
    print(f"ok: h11 read {len(H11_REQUESTS)} responses strictly on one connection")
    return 0


CHECKS = {
    "requests-413": check_requests_413,
    "aiohttp-expect": check_aiohttp_expect,
    "h11-strict": check_h11_strict,
}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CHECKS:
        print(f"usage: {sys.argv[0]} {{{'|'.join(CHECKS)}}} URL", file=sys.stderr)
        sys.exit(2)
    sys.exit(CHECKS[sys.argv[1]](sys.argv[2].rstrip("/")))
