#!/usr/bin/env python3
"""Many short request/response TCP conversations on loopback, for the benchmark capture.

SPDX-License-Identifier: GPL-2.0-or-later

Run inside the generator's private network namespace only (tdbench_capture.py
does that): the server listens on 127.0.0.1, each client socket binds to its
own source address and port, chosen from the conversation's index, so that
no 4-tuple is ever reused within one capture (a reused tuple would start a
"new" conversation that TCP analysis sees as the old one; letting the kernel
pick ports would reuse them once TIME_WAIT expires in a long run).

    tdbench_traffic.py server PORT_BASE PORTS
    tdbench_traffic.py client PORT_BASE PORTS CONVERSATIONS CONCURRENCY SEED

Every conversation: handshake, ROUNDS request/response exchanges with
sizes drawn from a seeded generator (so a run is repeatable), client close.
The client prints one JSON line of counts at the end.
"""
import asyncio
import json
import random
import socket
import struct
import sys

ROUNDS = 3
REQUEST_BYTES = (120, 900)
RESPONSE_BYTES = (1500, 4500)   # "a few KB" per conversation: 1 to 4 segments per answer
# Source ports per client address (then the next address). This range and the
# server's ports have no Wireshark dissector registered on tcp.port, so the
# payload goes the generic way (heuristics, then data) instead of some
# dissector that happens to own a port.
CLIENT_PORTS = (34990, 44320)
HEADER = struct.Struct("!I")    # request: 4-byte response size, then padding
CONNECT_TIMEOUT_S = 60


async def serve_one(reader, writer):
    try:
        while True:
            head = await reader.readexactly(HEADER.size)
            (want,) = HEADER.unpack(head)
            (pad,) = HEADER.unpack(await reader.readexactly(HEADER.size))
            await reader.readexactly(pad)
            writer.write(b"s" * want)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def server(port_base, ports):
    servers = [await asyncio.start_server(serve_one, "127.0.0.1", port_base + i, backlog=4096,
                                          reuse_address=True)
               for i in range(ports)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def source_endpoint(index):
    """A distinct (address, port) for every conversation: 127.1.<n/250>.<n%250+1>."""
    per_address = CLIENT_PORTS[1] - CLIENT_PORTS[0]
    n, port = divmod(index, per_address)
    return "127.1.%d.%d" % (n // 250, n % 250 + 1), CLIENT_PORTS[0] + port


async def one_conversation(index, port_base, ports, seed, counts):
    rng = random.Random(seed * 1000003 + index)   # sizes depend on the index, not on scheduling
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(source_endpoint(index))
    sock.setblocking(False)
    try:
        await asyncio.wait_for(asyncio.get_running_loop().sock_connect(
            sock, ("127.0.0.1", port_base + index % ports)), CONNECT_TIMEOUT_S)
        reader, writer = await asyncio.open_connection(sock=sock)
        for _ in range(ROUNDS):
            want = rng.randint(*RESPONSE_BYTES)
            pad = rng.randint(*REQUEST_BYTES)
            writer.write(HEADER.pack(want) + HEADER.pack(pad) + b"c" * pad)
            await writer.drain()
            await reader.readexactly(want)
            counts["bytes"] += want + pad
        writer.close()
        await writer.wait_closed()
        counts["done"] += 1
    except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError):
        counts["failed"] += 1
        sock.close()


async def client(port_base, ports, conversations, concurrency, seed):
    counts = {"done": 0, "failed": 0, "bytes": 0}
    gate = asyncio.Semaphore(concurrency)

    async def gated(i):
        async with gate:
            await one_conversation(i, port_base, ports, seed, counts)

    pending = set()
    for i in range(conversations):
        # Keep the task set small: create tasks as slots free up.
        while len(pending) >= concurrency * 2:
            _, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        pending.add(asyncio.ensure_future(gated(i)))
    if pending:
        await asyncio.wait(pending)
    print(json.dumps(counts), flush=True)


def main(argv):
    role = argv[1]
    port_base, ports = int(argv[2]), int(argv[3])
    if role == "server":
        asyncio.run(server(port_base, ports))
    elif role == "client":
        conversations, concurrency, seed = (int(a) for a in argv[4:7])
        asyncio.run(client(port_base, ports, conversations, concurrency, seed))
    else:
        raise SystemExit("usage: see the module docstring")


if __name__ == "__main__":
    main(sys.argv)
