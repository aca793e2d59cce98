#!/usr/bin/python3
"""tdl_peer.py - tiny scripted TCP client/server for the tcpdiag capture lab.

Run inside a lab network namespace (tcpdiag-lab does that).  Every loop is bounded;
every blocking call has a timeout, so the program always stops by itself.

  tdl_peer.py server --listen ADDR --port P [--count N] [--rcvbuf B] ACTION...
  tdl_peer.py client --connect ADDR --port P [--bind ADDR] [--bind-port N]
                     [--count N] [--gap S] [--rcvbuf B] ACTION...
  both: [--cc NAME] sets TCP_CONGESTION on the socket (as root any available algorithm,
        also those a network namespace's tcp_allowed_congestion_control does not list;
        accepted sockets inherit the listener's)

The server accepts N connections one after the other and runs the ACTIONs on each;
the client makes N connections (source port bind-port+i when --bind-port is given)
and runs the ACTIONs on each.  After the last connection the server prints
{"ev":"done"} and keeps its listening socket open until stdin is closed (or 120 s).

ACTIONs (run in order; the socket is closed at the end if no action closed it):
  send:N                 send N bytes (sendall)
  sendslow:N:CHUNK:DELAY send N bytes in CHUNK pieces, sleeping DELAY s between them
  recv:N                 read exactly N bytes (stops early at EOF)
  eof                    read until EOF
  slowread:N:CHUNK:DELAY read N bytes CHUNK at a time, sleeping DELAY s between reads
  shutwr | shutrd        shutdown(SHUT_WR) / shutdown(SHUT_RD)
  linger0                SO_LINGER {1,0}: the next close() sends RST (abortive close)
  close                  close()
  sleep:S                sleep S seconds
  until:T                sleep until absolute time T (time.time() epoch seconds)
  wait                   print {"ev":"waiting"} and wait for a line on stdin (max 120 s)
  nodelay                TCP_NODELAY on

Events are printed to stdout as JSON lines (ready, connected, connect_error, closed,
error, waiting, done).
"""
import errno
import json
import os
import select
import socket
import sys
import time

IO_TIMEOUT = 30.0
WAIT_MAX = 120.0


def ev(kind, **kw):
    kw = dict(ev=kind, t=round(time.time(), 6), **kw)
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()


def fmt(addr):
    host, port = addr[0], addr[1]
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def wait_stdin(limit=WAIT_MAX):
    r, _, _ = select.select([sys.stdin], [], [], limit)
    if r:
        sys.stdin.readline()


def run_actions(s, actions):
    closed = False
    payload = b"x" * 65536
    try:
        for a in actions:
            p = a.split(":")
            op = p[0]
            if op == "send":
                n = int(p[1])
                while n > 0:
                    k = min(n, len(payload))
                    s.sendall(payload[:k])
                    n -= k
            elif op == "sendslow":
                n, chunk, delay = int(p[1]), int(p[2]), float(p[3])
                while n > 0:
                    k = min(n, chunk)
                    s.sendall(payload[:k])
                    n -= k
                    if n > 0:
                        time.sleep(delay)
            elif op == "recv":
                n = int(p[1])
                got = 0
                while got < n:
                    d = s.recv(min(65536, n - got))
                    if not d:
                        break
                    got += len(d)
                ev("recv", bytes=got)
            elif op == "eof":
                got = 0
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    got += len(d)
                ev("eof", bytes=got)
            elif op == "slowread":
                n, chunk, delay = int(p[1]), int(p[2]), float(p[3])
                got = 0
                while got < n:
                    d = s.recv(min(chunk, n - got))
                    if not d:
                        break
                    got += len(d)
                    time.sleep(delay)
                ev("recv", bytes=got)
            elif op == "shutwr":
                s.shutdown(socket.SHUT_WR)
                ev("shutwr")
            elif op == "shutrd":
                s.shutdown(socket.SHUT_RD)
            elif op == "linger0":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                             (1).to_bytes(4, sys.byteorder) + (0).to_bytes(4, sys.byteorder))
            elif op == "nodelay":
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            elif op == "close":
                s.close()
                closed = True
                ev("closed")
            elif op == "sleep":
                time.sleep(float(p[1]))
            elif op == "until":
                dt = float(p[1]) - time.time()
                if dt > 0:
                    time.sleep(min(dt, WAIT_MAX))
            elif op == "wait":
                ev("waiting")
                wait_stdin()
            else:
                raise SystemExit("unknown action %r" % a)
    except OSError as e:
        ev("error", op=a, errno=errno.errorcode.get(e.errno, str(e.errno)), msg=str(e))
    finally:
        if not closed:
            s.close()


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def server(o, actions):
    fam = family_of(o["listen"])
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if fam == socket.AF_INET6:
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if o.get("rcvbuf"):
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(o["rcvbuf"]))
    if o.get("cc"):
        ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, o["cc"].encode())
    ls.bind((o["listen"], int(o["port"])))
    ls.listen(64)
    ls.settimeout(IO_TIMEOUT)
    ev("ready", local=fmt(ls.getsockname()))
    for _ in range(int(o.get("count", 1))):
        try:
            c, peer = ls.accept()
        except socket.timeout:
            ev("error", op="accept", errno="ETIMEDOUT")
            break
        c.settimeout(IO_TIMEOUT)
        ev("accepted", local=fmt(c.getsockname()), peer=fmt(peer))
        run_actions(c, actions)
    ev("done")
    wait_stdin()
    ls.close()


def client(o, actions):
    fam = family_of(o["connect"])
    n = int(o.get("count", 1))
    for i in range(n):
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(IO_TIMEOUT)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if o.get("rcvbuf"):
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, int(o["rcvbuf"]))
        if o.get("cc"):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, o["cc"].encode())
        if o.get("bind-port") or o.get("bind"):
            s.bind((o.get("bind", "::" if fam == socket.AF_INET6 else "0.0.0.0"),
                    int(o.get("bind-port", 0)) + (i if o.get("bind-port") else 0)))
        t0 = time.time()
        try:
            s.connect((o["connect"], int(o["port"])))
        except OSError as e:
            name = "ETIMEDOUT" if isinstance(e, socket.timeout) else \
                errno.errorcode.get(e.errno, str(e.errno))
            ev("connect_error", errno=name, msg=str(e), after=round(time.time() - t0, 3))
            s.close()
        else:
            ev("connected", local=fmt(s.getsockname()), peer=fmt(s.getpeername()),
               after=round(time.time() - t0, 6))
            run_actions(s, actions)
        if i + 1 < n and o.get("gap"):
            time.sleep(float(o["gap"]))
    ev("done")


def main(argv):
    if len(argv) < 2 or argv[1] not in ("server", "client"):
        print(__doc__)
        return 2
    role = argv[1]
    o, actions = {}, []
    i = 2
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            o[a[2:]] = argv[i + 1]
            i += 2
        else:
            actions.append(a)
            i += 1
    (server if role == "server" else client)(o, actions)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
