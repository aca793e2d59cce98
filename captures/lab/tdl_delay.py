#!/usr/bin/python3
"""tdl_delay.py - a delay line and reorderer for the capture lab, built on NFQUEUE (stdlib only).

SPDX-License-Identifier: GPL-2.0-or-later

netem is not available on the lab kernel, and tbf/htb only delay a packet while a queue
stands in front of it. This program holds every packet nft hands it (`queue num N`) for a
fixed time, and optionally a random subset for longer (host reordering), then accepts it.

  tdl_delay.py --queue N --delay-ms D [--reorder-pct P --reorder-extra-ms E]
               [--seed S] [--log FILE]

Run inside the router namespace (nft queues are per namespace). It stops on SIGTERM or when
stdin closes. --log gets one JSON line per packet held for the extra (reordering) time:
{"t": realtime when queued, "release": realtime when accepted, "id", "src", "dst", "sport",
"dport", "seq", "len"} - the reordering truth.

Limits (documented in captures/lab/README-random.md): the verdict loop is Python, so the delay
has ~0.1-1 ms of scheduling jitter and the line carries a few thousand packets a second
under load; the queue holds at most 4096 packets (more are dropped by the kernel: counted).
"""
import argparse
import heapq
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import threading
import time

NETLINK_NETFILTER = 12
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET, NFQNL_MSG_VERDICT, NFQNL_MSG_CONFIG = 0, 1, 2
NFQA_CFG_CMD, NFQA_CFG_PARAMS, NFQA_CFG_QUEUE_MAXLEN = 1, 2, 3
NFQA_PACKET_HDR, NFQA_VERDICT_HDR, NFQA_PAYLOAD = 1, 2, 10
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_PACKET = 2
NF_ACCEPT = 1
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLMSG_ERROR = 2
COPY_BYTES = 80          # IPv6 + TCP header up to the sequence number, with room
QUEUE_MAXLEN = 4096


def _attr(kind, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, kind) + payload + b"\0" * ((4 - n % 4) % 4)


def _msg(msg_type, queue, attrs, flags=NLM_F_REQUEST):
    body = struct.pack("=BB", socket.AF_UNSPEC, 0) + struct.pack(">H", queue) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags,
                       0, 0) + body


def _attrs(buf):
    out = {}
    i = 0
    while i + 4 <= len(buf):
        n, kind = struct.unpack_from("=HH", buf, i)
        if n < 4:
            break
        out[kind & 0x7fff] = buf[i + 4:i + n]
        i += (n + 3) & ~3
    return out


def parse_tcp(pkt):
    """(src, dst, sport, dport, seq, payload length) of an IPv4/IPv6 TCP packet head."""
    if not pkt:
        return None
    v = pkt[0] >> 4
    if v == 4 and len(pkt) >= 28 and pkt[9] == 6:
        ihl = (pkt[0] & 15) * 4
        total = struct.unpack_from(">H", pkt, 2)[0]
        src, dst = socket.inet_ntop(socket.AF_INET, pkt[12:16]), socket.inet_ntop(socket.AF_INET, pkt[16:20])
        l4 = pkt[ihl:]
        plen = total - ihl
    elif v == 6 and len(pkt) >= 48 and pkt[6] == 6:
        plen = struct.unpack_from(">H", pkt, 4)[0]
        src, dst = socket.inet_ntop(socket.AF_INET6, pkt[8:24]), socket.inet_ntop(socket.AF_INET6, pkt[24:40])
        l4 = pkt[40:]
    else:
        return None
    if len(l4) < 13:
        return None
    sport, dport, seq = struct.unpack_from(">HHI", l4, 0)
    doff = (l4[12] >> 4) * 4
    return src, dst, sport, dport, seq, plen - doff


class DelayLine:
    def __init__(self, queue, delay, reorder_pct, extra, seed, log):
        self.queue, self.delay, self.reorder_pct, self.extra = queue, delay, reorder_pct, extra
        self.rnd = random.Random(seed)
        self.log = log
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind((0, 0))
        self.heap = []
        self.order = 0
        self.cv = threading.Condition()
        self.stop = False
        self.last_release = 0.0
        self._config(_attr(NFQA_CFG_CMD, struct.pack(">BBH", NFQNL_CFG_CMD_BIND, 0, 0)))
        self._config(_attr(NFQA_CFG_PARAMS, struct.pack(">IB", COPY_BYTES, NFQNL_COPY_PACKET)))
        self._config(_attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack(">I", QUEUE_MAXLEN)))

    def _config(self, attr):
        self.sock.send(_msg(NFQNL_MSG_CONFIG, self.queue, [attr], NLM_F_REQUEST | NLM_F_ACK))
        reply = self.sock.recv(65536)
        length, kind = struct.unpack_from("=IH", reply, 0)
        if kind == NLMSG_ERROR:
            err = struct.unpack_from("=i", reply, 16)[0]
            if err != 0:
                raise OSError(-err, "nfqueue config failed: %s" % os.strerror(-err))

    def _verdict(self, pid):
        self.sock.send(_msg(NFQNL_MSG_VERDICT, self.queue,
                            [_attr(NFQA_VERDICT_HDR, struct.pack(">II", NF_ACCEPT, pid))]))

    def releaser(self):
        with self.cv:
            while not self.stop:
                if not self.heap:
                    self.cv.wait(0.5)
                    continue
                due = self.heap[0][0] - time.monotonic()
                if due > 0:
                    self.cv.wait(due)
                    continue
                _, _, pid, rec = heapq.heappop(self.heap)
                self._verdict(pid)
                if rec is not None:
                    rec["release"] = round(time.time(), 6)
                    self.log.write(json.dumps(rec) + "\n")
                    self.log.flush()

    def receive(self):
        while not self.stop:
            r, _, _ = select.select([self.sock, sys.stdin], [], [], 0.5)
            if sys.stdin in r and not sys.stdin.readline():
                break
            if self.sock not in r:
                continue
            buf = self.sock.recv(1 << 20)
            i = 0
            while i + 16 <= len(buf):
                length, kind = struct.unpack_from("=IH", buf, i)
                if length < 16:
                    break
                if kind & 0xff == NFQNL_MSG_PACKET and kind >> 8 == NFNL_SUBSYS_QUEUE:
                    self._queued(_attrs(buf[i + 20:i + length]))
                i += (length + 3) & ~3
        with self.cv:
            self.stop = True
            self.cv.notify()

    def _queued(self, attrs):
        hdr = attrs.get(NFQA_PACKET_HDR)
        if not hdr:
            return
        pid = struct.unpack_from(">I", hdr, 0)[0]
        now = time.monotonic()
        hold = self.delay
        rec = None
        if self.reorder_pct and self.rnd.random() * 100 < self.reorder_pct:
            hold += self.extra
            tcp = parse_tcp(attrs.get(NFQA_PAYLOAD, b""))
            if tcp:
                rec = {"t": round(time.time(), 6), "id": pid, "src": tcp[0], "dst": tcp[1],
                       "sport": tcp[2], "dport": tcp[3], "seq": tcp[4], "len": tcp[5],
                       "held_ms": round(hold * 1000, 3)}
        with self.cv:
            self.order += 1
            heapq.heappush(self.heap, (now + hold, self.order, pid, rec))
            self.cv.notify()


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("--queue", type=int, required=True)
    ap.add_argument("--delay-ms", type=float, default=0.0)
    ap.add_argument("--reorder-pct", type=float, default=0.0)
    ap.add_argument("--reorder-extra-ms", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--log", default=os.devnull)
    o = ap.parse_args(argv[1:])
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with open(o.log, "w") as log:
        line = DelayLine(o.queue, o.delay_ms / 1000.0, o.reorder_pct, o.reorder_extra_ms / 1000.0,
                         o.seed, log)
        threading.Thread(target=line.releaser, daemon=True).start()
        print(json.dumps({"ev": "ready", "queue": o.queue}), flush=True)
        line.receive()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
