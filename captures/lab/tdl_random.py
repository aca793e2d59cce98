#!/usr/bin/python3
"""tdl_random.py - randomized lab runs with per-event kernel truth (run by hand, as root).

SPDX-License-Identifier: GPL-2.0-or-later

  tdl_random.py --out DIR SEED[-SEED] ...      record runs (DIR/run-NNNNN/)
  TCPDIAG_LAB_NS=tdlw1 tdl_random.py --worker 1/2 --out DIR SEEDS
                                               worker 1 of 2: seeds = 1 mod 2, own namespaces
  tdl_random.py --draw SEED                    print the parameters a seed draws

Each seed draws a scenario (draw()); the run uses the namespaces, captures and counters of
tdl_lab.py, and adds: the delay line / reorderer (tdl_delay.py, NFQUEUE), drop rules that
`log group` what they drop (recorded by dumpcap -i nflog:N per namespace), and per-event kernel
truth (tdl_trace.py). Even seeds are the tuning half, odd seeds the reporting half
(README-random.md). A run directory holds:

  client-side.pcapng, server-side.pcapng   the two router taps (as in the hand-built lab)
  drops-router.nflog, drops-client.nflog, drops-server.nflog
                                           every packet an nft rule dropped (pcapng of nflog
                                           records), where present
  reordered.jsonl                          packets the reorderer held longer (seq, times)
  events.jsonl.gz                          kernel trace events (header line: clock offset)
  truth.json                               tdl_lab truth + "params" (the draw) + "trace" summary
"""
import json
import math
import os
import random
import sys
import time

import tdl_lab as L
import tdl_trace

PORT_LO, PORT_HI = 6000, 7000          # server ports of randomized runs (trace filter)
WORKER_PORTS = 500                     # each worker (--worker i) owns 500 of them
NFLOG_GROUP = {"router": 1, "client": 2, "server": 3}
DROP_LOG = "drops-%s.nflog"            # pcapng of the nflog records of one namespace
# `queue-threshold 1`: nfnetlink_log sends each record at once (by default it batches them for
# up to 1 s, and dumpcap stamps a record without a kernel timestamp when it arrives)
DATA_LEN = 120     # IP packet length above which a segment carries data (pure ACKs with
                   # timestamps and 4 SACK blocks: 80 B IPv4, 100 B IPv6)
LOOPBACK_CAP_S = 8.0                   # aim: a transfer takes at most this long


def loguniform(r, lo, hi):
    return math.exp(r.uniform(math.log(lo), math.log(hi)))


def half(seed):
    return "tuning" if seed % 2 == 0 else "reporting"


def draw(seed):
    """The scenario parameters of one seed (a pure function of the seed)."""
    r = random.Random(seed * 7919 + 13)
    p = {"seed": seed, "half": half(seed), "family": r.choice(["ipv4", "ipv6"])}
    p["direction"] = r.choices(["upload", "download", "both"], [4, 4, 2])[0]
    p["connections"] = r.choice([1, 1, 2, 3])
    long_ = r.random() < 0.6
    p["bytes"] = int(loguniform(r, 150e3, 2e6) if long_ else loguniform(r, 3e3, 60e3))
    # delay line: one-way delay per direction (RTT = 2x); ~30% run on bare veths (~0.05 ms)
    p["one_way_delay_ms"] = 0.0 if r.random() < 0.3 else round(loguniform(r, 0.05, 100.0), 3)
    p["reorder"] = None
    if r.random() < 0.2:
        p["reorder"] = {"pct": round(r.uniform(1, 15), 1),
                        "extra_ms": round(loguniform(r, 0.3, 8.0), 3)}
    p["bottleneck"] = None
    if r.random() < 0.35:
        p["bottleneck"] = {"rate_mbit": round(loguniform(r, 1, 50), 2),
                           "burst": int(r.uniform(3000, 15000)),
                           "limit": int(loguniform(r, 3000, 100000))}
    p["loss"] = None
    if r.random() < 0.6:
        p["loss"] = {"what": r.choices(["data", "acks", "both"], [6, 2, 2])[0],
                     "where": r.choices(["router", "sender_host", "receiver_host"], [6, 2, 2])[0],
                     "pct": round(loguniform(r, 0.3, 10), 2),
                     "burst": r.choice([1, 1, 1, 2, 3, 5])}
    p["handshake_loss"] = r.choice([None] * 8 + ["syn", "synack"])
    p["blackhole"] = None
    if r.random() < 0.1:
        p["blackhole"] = {"icmp": r.choice(["dropped", "delivered"]),
                          "mtu_probing": r.choice([0, 1, 2])}
    # congestion control per socket (TCP_CONGESTION, tdl_peer --cc): a namespace may only
    # select the algorithms the host's tcp_allowed_congestion_control lists
    p["congestion_control"] = r.choice(["cubic", "reno", "bbr"])
    p["sysctls"] = {
        "net.ipv4.tcp_sack": 1 if r.random() < 0.85 else 0,
        "net.ipv4.tcp_timestamps": 1 if r.random() < 0.85 else 0,
        "net.ipv4.tcp_early_retrans": r.choice([3, 3, 3, 0]),
        "net.ipv4.tcp_frto": r.choice([2, 2, 0]),
        "net.ipv4.tcp_ecn": r.choice([0, 1, 2]),
        "net.ipv4.tcp_recovery": r.choice([1, 1, 1, 0]),
    }
    p["receiver_app"] = r.choices(["fast", "slow"], [8, 2])[0]
    p["ending"] = r.choices(["close", "abort"], [9, 1])[0]
    # keep a run short: bytes the path can carry in LOOPBACK_CAP_S (rough, loss ignored)
    rate = 200e6 / 8
    if p["bottleneck"]:
        rate = min(rate, p["bottleneck"]["rate_mbit"] * 1e6 / 8)
    rtt = max(2 * p["one_way_delay_ms"] / 1000, 0.0002)
    rate = min(rate, 2e6 / rtt)                     # ~2 MB window
    if p["loss"] or p["blackhole"]:
        rate = min(rate, 60e3 / rtt)                # lossy: ~40 segments a round trip
    if p["receiver_app"] == "slow":
        rate = min(rate, 100e3)
    p["bytes"] = max(2000, min(p["bytes"], int(rate * LOOPBACK_CAP_S / p["connections"])))
    return p


class RandomRun:
    def __init__(self, seed, out, worker=0):
        self.p = draw(seed)
        self.seed = seed
        # workers run side by side (own namespaces, own tracing instance); the kernel-side
        # trace filters keep them apart by server port
        self.port_lo = PORT_LO + worker * WORKER_PORTS
        self.port = self.port_lo + seed % WORKER_PORTS
        v6 = self.p["family"] == "ipv6"
        self.cli, self.srv = (L.CLI6, L.SRV6) if v6 else (L.CLI4, L.SRV4)
        d = self.p["direction"]
        self.sender = "server" if d == "download" else "client"
        self.receiver = "client" if self.sender == "server" else "server"
        self.s = L.Scenario("run-%05d" % seed, "randomized run, seed %d (%s half): %s" %
                            (seed, half(seed), json.dumps(self.p, sort_keys=True)), "")
        self.s.dir = os.path.join(out, "run-%05d" % seed)
        self.s.tshark_check = False
        self.host_tables = set()
        self.nflog_hosts = set()

    # ---- impairments
    def host_nft(self, host, hook, rule, what):
        """A drop rule on an end host (before both taps when it is the sender's output,
        after both taps when it is the receiver's input)."""
        ns = L.NSES[host]
        if host not in self.host_tables:
            L.run(["nft", "add table inet tdlab"], ns=ns)
            for h in ("output", "input"):
                L.run(["nft", "add chain inet tdlab %s { type filter hook %s priority 0; "
                       "policy accept; }" % (h, h)], ns=ns)
            self.host_tables.add(host)
        L.run(["nft", "add rule inet tdlab %s %s" % (hook, rule)], ns=ns)
        self.s.impairments.append({"where": host, "nft": rule, "chain": "inet tdlab " + hook,
                                   "what": what})

    def flow_match(self, frm):
        """nft match for TCP packets of the run sent by `frm` (client or server)."""
        return "tcp %s %d" % ("dport" if frm == "client" else "sport", self.port)

    def impair(self):
        p, s = self.p, self.s
        for host in ("client", "server"):
            for k, v in p["sysctls"].items():
                s.sysctl(host, k, v)
        senders = [self.sender] + (["server"] if p["direction"] == "both" else [])
        loss = p["loss"]
        if loss:
            for snd in senders:
                rcv = "server" if snd == "client" else "client"
                where = loss["where"]
                # a host drop rule sits on the data sender (before both taps) or on the data
                # receiver (after both taps); for ACKs the same hosts in the other role
                if loss["what"] in ("data", "both"):
                    host = {"sender_host": snd, "receiver_host": rcv}.get(where, "router")
                    hook = {"sender_host": "output", "receiver_host": "input"}.get(where)
                    self._loss_rule(where, host, hook, "%s meta length > %d" % (
                        self.flow_match(snd), DATA_LEN), loss, "%s->%s: data" % (snd, rcv),
                        "data-%s" % snd)
                if loss["what"] in ("acks", "both"):
                    host = {"sender_host": snd, "receiver_host": rcv}.get(where, "router")
                    hook = {"sender_host": "input", "receiver_host": "output"}.get(where)
                    self._loss_rule(where, host, hook, "%s meta length <= %d tcp flags & "
                                    "(syn|fin|rst) == 0" % (self.flow_match(rcv), DATA_LEN),
                                    loss, "%s->%s: acks" % (rcv, snd), "acks-%s" % rcv)
        if p["handshake_loss"] == "syn":
            self._loss_rule("router", "router", None, self.flow_match("client") +
                            " tcp flags & (syn|ack) == syn", {"pct": 50, "burst": 1},
                            "client->server: SYN", "syn")
        elif p["handshake_loss"] == "synack":
            self._loss_rule("router", "router", None, self.flow_match("server") +
                            " tcp flags & (syn|ack) == syn|ack", {"pct": 50, "burst": 1},
                            "server->client: SYN-ACK", "synack")
        toward_receiver = "rtr-s" if self.sender == "client" else "rtr-c"
        if p["bottleneck"]:
            b = p["bottleneck"]
            s.tbf(toward_receiver, "%smbit" % b["rate_mbit"], str(b["burst"]), str(b["limit"]),
                  "%s->%s" % (self.sender, self.receiver), "bottleneck %s Mbit/s, queue %d B" %
                  (b["rate_mbit"], b["limit"]))
        if p["blackhole"]:
            bh = p["blackhole"]
            s.mtu("router", toward_receiver, 1280 if p["family"] == "ipv6" else 1400)
            s.sysctl(self.sender, "net.ipv4.tcp_mtu_probing", bh["mtu_probing"])
            if bh["icmp"] == "dropped":
                self.nflog_hosts.add("router")
                # only "fragmentation needed" / "packet too big": neighbour discovery must live
                for match in ("icmp type destination-unreachable icmp code frag-needed",
                              "icmpv6 type packet-too-big"):
                    s.nft('%s counter log prefix "icmp" group %d queue-threshold 1 drop' % (
                        match, NFLOG_GROUP["router"]), "router->%s" % self.sender,
                        "router's ICMP errors dropped: PMTU black hole", chain="output")
        self.delay_lines()

    def _loss_rule(self, where, host, hook, match, loss, what, prefix):
        """Drop a share of the packets `match` selects (in the router's forward chain, or on
        an end host's input / output hook), logging each to that namespace's nflog group."""
        burst = loss.get("burst", 1)
        if burst > 1:
            # consecutive drops: `burst` packets out of every `burst*100/pct` that match
            period = max(burst + 1, int(round(burst * 100.0 / loss["pct"])))
            sel = "numgen inc mod %d < %d" % (period, burst)
        else:
            sel = "numgen random mod 10000 < %d" % max(1, int(round(loss["pct"] * 100)))
        self.nflog_hosts.add(host)
        rule = '%s %s counter log prefix "%s" group %d queue-threshold 1 drop' % (
            match, sel, prefix, NFLOG_GROUP[host])
        if where == "router":
            self.s.nft(rule, what.split(":")[0], what)
        else:
            self.host_nft(host, hook, rule, what)

    def delay_lines(self):
        p = self.p
        d = p["one_way_delay_ms"]
        if d <= 0 and not p["reorder"]:
            return
        for q, iface, frm in ((11, "rtr-c", "client"), (12, "rtr-s", "server")):
            reo = p["reorder"] if frm in (self.sender, "server" if p["direction"] == "both"
                                          else self.sender) else None
            if d <= 0 and not reo:
                continue
            for tool in ("iptables", "ip6tables"):
                L.run([tool, "-t", "mangle", "-A", "FORWARD", "-i", iface, "-p", "tcp",
                       "-j", "NFQUEUE", "--queue-num", str(q), "--queue-bypass"], ns=L.NS_RTR)
            argv = [L.PY, os.path.join(L.HERE, "tdl_delay.py"), "--queue", str(q),
                    "--delay-ms", str(d), "--seed", str(self.seed * 10 + q),
                    "--log", os.path.join(self.s.dir, "reordered-%s.jsonl" % frm)]
            if reo:
                argv += ["--reorder-pct", str(reo["pct"]), "--reorder-extra-ms",
                         str(reo["extra_ms"])]
            proc = L.Proc("delay", L.NS_RTR, argv)
            proc.wait_ev("ready", 10)
            self.s.impairments.append({"where": "router", "delay_line": " ".join(argv[2:]),
                                       "direction": "%s->%s" % (frm, "server" if frm == "client"
                                                                else "client"),
                                       "what": "delay %.3f ms%s (NFQUEUE, between the taps)" % (
                                           d, ", reordering %s%% by +%s ms" % (
                                               reo["pct"], reo["extra_ms"]) if reo else "")})

    # ---- programs
    def actions(self):
        p = self.p
        n = p["bytes"]
        slow = p["receiver_app"] == "slow"
        read = "slowread:%d:4000:0.02" % n if slow else "recv:%d" % n
        end = ["linger0", "close"] if p["ending"] == "abort" else ["close"]
        if p["direction"] == "upload":
            cli = ["send:%d" % n, "shutwr", "recv:100"] + end
            srv = [read, "eof", "send:100", "close"]
        elif p["direction"] == "download":
            cli = ["send:100", read, "eof"] + end
            srv = ["recv:100", "send:%d" % n, "close"]
        else:
            cli = ["send:%d" % n, read, "eof"] + end
            srv = ["recv:%d" % n, "send:%d" % n, "close"]
        return cli, srv

    def run(self):
        s = self.s
        s.start()
        tracer = None
        try:
            self.impair()
            for host in sorted(self.nflog_hosts):
                s.extra_caps.append(("drops-%s" % host, L.NSES[host],
                                     "nflog:%d" % NFLOG_GROUP[host]))
            tracer = tdl_trace.Tracer(s.dir, self.port_lo, self.port_lo + WORKER_PORTS)
            tracer.start()
            s.counters_before()
            s.capture()
            cli_a, srv_a = self.actions()
            listen = "::" if self.p["family"] == "ipv6" else "0.0.0.0"
            rcvbuf = ("--rcvbuf", "16384") if self.p["receiver_app"] == "slow" else ()
            cc = ("--cc", self.p["congestion_control"])
            srv = s.server(listen, self.port, srv_a, count=self.p["connections"],
                           extra=(rcvbuf if self.receiver == "server" else ()) + cc)
            cli = s.client(self.srv, self.port, cli_a, count=self.p["connections"],
                           extra=(rcvbuf if self.receiver == "client" else ()) + cc +
                           ("--gap", "0.1"))
            try:
                cli.wait_ev("done", 45)
            except RuntimeError as e:
                # a stuck transfer (black hole, abort) is data too: record what happened
                s.notes.append("client did not finish: %s" % str(e)[:300])
            try:
                srv.wait_ev("done", 20)
            except RuntimeError as e:
                s.notes.append("server did not finish: %s" % str(e)[:200])
            for ev in cli.events:
                if ev["ev"] == "connected":
                    s.conv(ev["local"], ev["peer"], "complete")
                elif ev["ev"] == "connect_error":
                    s.conv(L.addr(self.cli, 0), L.addr(self.srv, self.port), "syn_only")
            truth = s.finish(settle=0.5, write=False)
        finally:
            L.cleanup()
            summary = tracer.stop() if tracer else None
        truth["params"] = self.p
        truth["half"] = half(self.seed)
        truth["trace"] = summary
        truth["server_port"] = self.port
        truth["nflog_groups"] = {h: NFLOG_GROUP[h] for h in sorted(self.nflog_hosts)}
        # MSS / path-MTU truth: whether the path MTU was lowered (black hole or ICMP); the
        # scorer checks tcpdiag's MSS findings against it (tests/integration/test_lab_events.py)
        truth["expected_mss"] = {"path_mtu_changed": bool(self.p["blackhole"]),
                                 "icmp": self.p["blackhole"]["icmp"] if self.p["blackhole"]
                                 else None, "scored_by": "captures/lab/tdl_score.py"}
        with open(os.path.join(s.dir, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
            f.write("\n")
        for host in self.nflog_hosts:
            # the drop logs are truth, not conversations: a name outside *.pcap / *.pcapng
            # keeps them out of the tests that run on every committed capture
            pcap = os.path.join(s.dir, "drops-%s.%s" % (host, L.CAPEXT))
            if os.path.exists(pcap):
                os.rename(pcap, os.path.join(s.dir, DROP_LOG % host))
        for f in os.listdir(s.dir):
            os.chmod(os.path.join(s.dir, f), 0o644)
        return truth


def seeds_of(args):
    for a in args:
        lo, _, hi = a.partition("-")
        for x in range(int(lo), int(hi or lo) + 1):
            yield x


def main(argv):
    args = argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if args[0] == "--draw":
        for seed in seeds_of(args[1:]):
            print(json.dumps(draw(seed), sort_keys=True))
        return 0
    if os.geteuid() != 0:
        raise SystemExit("run as root (creates network namespaces)")
    out = "/var/tmp/tcpdiag-lab-runs"
    worker, workers = 0, 1
    while args and args[0].startswith("--"):
        if args[0] == "--out":
            out, args = args[1], args[2:]
        elif args[0] == "--worker":
            worker, workers = (int(x) for x in args[1].split("/"))
            args = args[2:]
        else:
            raise SystemExit(__doc__)
    if os.environ.get("TCPDIAG_LAB_NS", "tdlab") == "tdlab" and workers > 1:
        raise SystemExit("several workers: give each its own TCPDIAG_LAB_NS")
    os.makedirs(out, exist_ok=True)
    stopping = []

    def stop(signum, frame):
        # remembered, so that an exception raised while a run cleans up cannot hide it
        stopping.append(signum)
        raise SystemExit(128 + signum)
    L.signal.signal(L.signal.SIGINT, stop)
    L.signal.signal(L.signal.SIGTERM, stop)
    L.VERBOSE = False
    rc = 0
    for seed in seeds_of(args):
        if stopping:
            L.cleanup()
            return 128 + stopping[0]
        if seed % workers != worker:
            continue
        if os.path.exists(os.path.join(out, "run-%05d" % seed, "truth.json")):
            continue
        t0 = time.time()
        try:
            t = RandomRun(seed, out, worker).run()
            tr = t["trace"]["counts"] if t.get("trace") else {}
            print("seed %d ok %.1fs retrans=%d nstat_retrans=%d/%d" % (
                seed, time.time() - t0, tr.get("tcp_retransmit_skb", 0),
                t["nstat"]["client"]["TcpRetransSegs"], t["nstat"]["server"]["TcpRetransSegs"]),
                flush=True)
        except Exception as e:
            rc = 1
            print("seed %d FAILED after %.1fs: %s" % (seed, time.time() - t0, str(e)[:500]),
                  flush=True)
            L.cleanup()
        except (SystemExit, KeyboardInterrupt):
            L.cleanup()
            raise
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
