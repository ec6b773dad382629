"""benchmarks/peers/aiohttp_peer.py: aiohttp doing http_load's work.

    aiohttp_peer.py [--uvloop] URL CONNECTIONS REQUESTS [close]

One ClientSession with TCPConnector(limit=CONNECTIONS); CONNECTIONS tasks each GET URL and
read its body in turn until REQUESTS have been made. Prints the same line as http_load: wall
seconds, requests/s, CPU microseconds per request, peak RSS in MiB. https: the default SSL
context, which honours SSL_CERT_FILE (compare.sh's run-time CA). "close": force_close=True,
a new connection and TLS handshake per request.
"""
import asyncio
import resource
import sys
import time

import aiohttp


async def load(url, connections, requests, close):
    left = [requests]
    failed = [0]

    async def worker(session):
        while left[0] > 0:
            left[0] -= 1
            try:
                async with session.get(url) as response:
                    await response.read()
                    if response.status != 200:
                        failed[0] += 1
            except Exception as e:  # counted and reported, as http_load does
                if failed[0] == 0:
                    print(f"aiohttp_peer: {e!r}", file=sys.stderr)
                failed[0] += 1

    connector = aiohttp.TCPConnector(limit=connections, force_close=close)
    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(session) for _ in range(connections)))
    return failed[0]


def main(argv):
    use_uvloop = "--uvloop" in argv
    close = "close" in argv[3:]
    args = [a for a in argv if a not in ("--uvloop", "close")]
    if len(args) != 3 or not args[1].isdigit() or not args[2].isdigit():
        sys.exit("usage: aiohttp_peer.py [--uvloop] URL CONNECTIONS REQUESTS [close]")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    url, connections, requests = args[0], int(args[1]), int(args[2])
    if use_uvloop:
        import uvloop
        uvloop.install()
    start = time.perf_counter()
    failed = asyncio.run(load(url, min(connections, requests), requests, close))
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(f"{wall:.4f} {requests / wall:.1f} {cpu * 1e6 / requests:.2f} {usage.ru_maxrss / 1024:.1f}")
    if failed:
        sys.exit(f"aiohttp_peer: {failed} of {requests} requests failed")


if __name__ == "__main__":
    main(sys.argv[1:])
