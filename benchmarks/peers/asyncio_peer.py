"""benchmarks/peers/asyncio_peer.py: asyncio (or uvloop) doing the runtime and net rows' work.

    asyncio_peer.py [--uvloop] chained N    each callback call_soon()s the next: M callbacks/s
    asyncio_peer.py [--uvloop] batched N    N call_soon(), then run them: M callbacks/s
    asyncio_peer.py [--uvloop] timers N     N call_later(0), run until all fired: ns per timer
    asyncio_peer.py [--uvloop] pingpong N   one loop is TCP client and server (Protocols) on
                                            127.0.0.1, 64-byte messages echoed N times:
                                            k round trips/s
Prints one number, per second of CPU time (time.process_time, as Google Benchmark measures
looplab's rows), for compare.sh.
"""
import asyncio
import socket
import sys
import time


def chained(loop, n):
    remaining = [n]
    done = loop.create_future()

    def step():
        remaining[0] -= 1
        if remaining[0] > 0:
            loop.call_soon(step)
        else:
            done.set_result(None)

    start = time.process_time()
    loop.call_soon(step)
    loop.run_until_complete(done)
    return n / (time.process_time() - start) / 1e6


def batched(loop, n):
    ran = [0]

    def step():
        ran[0] += 1

    start = time.process_time()
    for _ in range(n):
        loop.call_soon(step)
    loop.call_soon(loop.stop)
    loop.run_forever()
    took = time.process_time() - start
    assert ran[0] == n
    return n / took / 1e6


def timers(loop, n):
    fired = [0]
    done = loop.create_future()

    def on_timer():
        fired[0] += 1
        if fired[0] == n:
            done.set_result(None)

    start = time.process_time()
    for _ in range(n):
        loop.call_later(0, on_timer)
    loop.run_until_complete(done)
    return (time.process_time() - start) * 1e9 / n


class Echo(asyncio.Protocol):
    def connection_made(self, transport):
        transport.get_extra_info("socket").setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.transport = transport

    def data_received(self, data):
        self.transport.write(data)


class Pinger(asyncio.Protocol):
    def __init__(self, rounds, done):
        self.rounds, self.done, self.got = rounds, done, 0
        self.ping = b"p" * 64

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.got += len(data)
        if self.got < 64:
            return
        self.got = 0
        self.rounds -= 1
        if self.rounds > 0:
            self.transport.write(self.ping)
        else:
            self.done.set_result(None)


def pingpong(loop, n):
    server = loop.run_until_complete(loop.create_server(Echo, "127.0.0.1", 0))
    port = server.sockets[0].getsockname()[1]
    done = loop.create_future()
    transport, pinger = loop.run_until_complete(
        loop.create_connection(lambda: Pinger(n, done), "127.0.0.1", port))
    start = time.process_time()
    transport.write(pinger.ping)
    loop.run_until_complete(done)
    took = time.process_time() - start
    transport.close()
    server.close()
    return n / took / 1e3


def main(argv):
    use_uvloop = "--uvloop" in argv
    args = [a for a in argv if a != "--uvloop"]
    rows = {"chained": chained, "batched": batched, "timers": timers, "pingpong": pingpong}
    if len(args) != 2 or args[0] not in rows or not args[1].isdigit() or int(args[1]) <= 0:
        sys.exit("usage: asyncio_peer.py [--uvloop] chained|batched|timers|pingpong N")
    if use_uvloop:
        import uvloop
        loop = uvloop.new_event_loop()
    else:
        loop = asyncio.new_event_loop()
    print(f"{rows[args[0]](loop, int(args[1])):.4f}")
    loop.close()


if __name__ == "__main__":
    main(sys.argv[1:])
