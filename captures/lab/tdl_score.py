#!/usr/bin/python3
"""tdl_score.py - score tcpdiag's verdicts per event against the kernel's own record of a lab run.

SPDX-License-Identifier: GPL-2.0-or-later

  tdl_score.py [--jobs N] [--out FILE] RUN_DIR_OR_PARENT ...

For every run directory (truth.json + events.jsonl.gz, as tdl_random.py writes them) and every
tap (client-side, server-side): one tshark run with the tcpdiag plugin (as tests/integration do:
tshark as `nobody`, WIRESHARK_PLUGIN_DIR = TCPDIAG_BUILD_PLUGINS, default build-lab/plugins).
Wireshark's TCP dissector supplies the raw header fields (addresses, ports, raw sequence
numbers, flags) that tie frames to kernel events; tcpdiag supplies the verdicts. Truth comes
only from the kernel (trace events), the nft drop log (nflog) and the reorderer's log.

Measures, each a confusion matrix (rows = truth, columns = tcpdiag), split by half
(even seeds = tuning, odd = reporting):

  retrans   kernel retransmission seen at the tap -> "retrans" (tcpdiag.retrans),
            or the tcpdiag.not_retrans label it got, or "none"; frames tcpdiag calls a
            retransmission that match no kernel retransmission are row "no_kernel_retrans"
  kind      kernel kind (congestion state at that instant) -> tcpdiag.retrans.kind
  cause     truth cause of the retransmission -> first tcpdiag.retrans.cause
  state     per frame and endpoint: kernel state within the tap/host allowance -> tcpdiag state
  rst       kernel reset reason of each captured RST -> tcpdiag.state.change on that frame

Kernel kind: SYN_SENT -> syn; tcp_retransmit_synack -> synack; Loss after an ICMP too-big
for the previous copy (truth cause path_mtu_exceeded: tcp_simple_retransmit sets Loss without a
timeout) -> pmtu; congestion state at the
retransmission (icsk_ca_state read by bpftrace in the same tracepoint): Loss -> rto,
Recovery -> fast, Open / Disorder -> probe (a retransmission outside recovery and loss is the
tail-loss probe), CWR -> fast.

Truth cause (of the copy sent before this retransmission; its fate at the taps and drop logs):
  segment_lost      an nft rule dropped it (nflog: router, sender host or receiver host)
  congestion        the kernel freed it in a queue (kfree_skb QDISC_*: tbf tail drop)
  pmtu_blackhole    the kernel freed it as too big (PKT_TOO_BIG), the router's ICMP error was
                    dropped
  path_mtu_exceeded ... PKT_TOO_BIG, the ICMP error was delivered
  receiver_discarded the receiving kernel freed it (out-of-order queue full or pruned, receive
                    buffer, zero window, backlog)
  reordering        the delay line held it back (reordered-*.jsonl) and it arrived
  ack_lost          it arrived; an ACK that covered it was dropped (nflog)
  ack_late          it arrived, its ACK was not dropped: the sender did not wait long enough
  unknown           none of the above (reported as such)
"""
import collections
import gzip
import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "tests", "integration"))
os.environ.setdefault("TCPDIAG_BUILD_PLUGINS", os.path.join(SOURCE, "build-lab", "plugins"))
import tdharness  # noqa: E402  (tshark as the tests run it)

TAPS = {"client-side": "client", "server-side": "server"}   # tap -> host it is next to
FIELDS = ["frame.number", "frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst",
          "tcp.srcport", "tcp.dstport", "tcp.seq_raw", "tcp.ack_raw", "tcp.len", "tcp.flags",
          "ip.id", "tcp.options.timestamp.tsval", "tcp.window_size_value",
          "icmp.type", "icmpv6.type", "nflog.prefix",
          "tcpdiag.retrans", "tcpdiag.retrans.kind", "tcpdiag.retrans.cause",
          "tcpdiag.retrans.cause.evidence",
          "tcpdiag.not_retrans", "tcpdiag.state.client", "tcpdiag.state.server",
          "tcpdiag.state.change", "tcpdiag.mss.reason"]
KIND_OF_CA = {"Loss": "rto", "Recovery": "fast", "CWR": "fast", "Open": "probe",
              "Disorder": "probe"}
STATE_NAMES = {"TCP_ESTABLISHED": "ESTABLISHED", "TCP_SYN_SENT": "SYN_SENT",
               "TCP_SYN_RECV": "SYN_RECEIVED", "TCP_FIN_WAIT1": "FIN_WAIT_1",
               "TCP_FIN_WAIT2": "FIN_WAIT_2", "TCP_TIME_WAIT": "TIME_WAIT", "TCP_CLOSE": "CLOSED",
               "TCP_CLOSE_WAIT": "CLOSE_WAIT", "TCP_LAST_ACK": "LAST_ACK",
               "TCP_LISTEN": "LISTEN", "TCP_CLOSING": "CLOSING"}
# a full socket that reaches CLOSE from these states became a TIME_WAIT mini-socket (not traced)
TO_TIME_WAIT = {"FIN_WAIT_1", "FIN_WAIT_2", "CLOSING"}
FLAG_SYN, FLAG_RST, FLAG_ACK, FLAG_FIN = 0x02, 0x04, 0x10, 0x01
# time allowances (seconds)
MATCH_BEFORE = 0.0005      # a frame may carry a timestamp this much before its trace event
                           # (clock pairs are read ~µs apart; the tap stamps the packet inside
                           # the transmit call, the tracepoint fires when that call returns)
SENDER_WINDOW = 0.2        # nothing delays a packet between its sender and the sender's tap
SEGMENTS_TOGETHER = 0.005  # the segments of one retransmitted skb leave back to back
SENDER_DROP_NEAR = 0.005   # an nflog record this close to a retransmission is that packet
NFLOG_LATE = 1.1
STATE_SLACK = 0.020        # scheduling on a loaded 2-core machine (delay line is userspace)
MOD = 1 << 32
# tcpdiag.mss.reason values that claim the path MTU was lower than the endpoints' links
PATH_MTU_REASONS = {"pmtu_blackhole", "icmp_frag_needed", "mss_above_link", "ip_fragments",
                    "fragment_reassembly_failed"}
# kernel drop reason (skb:kfree_skb) of a copy -> truth cause; other reasons (NOT_SPECIFIED,
# TCP_OLD_DATA for duplicates the receiver already had, ...) say nothing about the copy's loss
DROP_CAUSE = {"NETFILTER_DROP": "segment_lost", "QDISC_DROP": "congestion",
              "QDISC_OVERLIMIT": "congestion", "QDISC_CONGESTED": "congestion",
              "PKT_TOO_BIG": "pmtu", "TCP_OFO_DROP": "receiver_discarded",
              "TCP_OFO_QUEUE_PRUNE": "receiver_discarded", "SOCKET_RCVBUFF": "receiver_discarded",
              "TCP_ZEROWINDOW": "receiver_discarded", "PROTO_MEM": "receiver_discarded",
              "TCP_OVERWINDOW": "receiver_discarded", "SOCKET_BACKLOG": "receiver_discarded",
              "CPU_BACKLOG": "receiver_discarded", "NEIGH_QUEUEFULL": "segment_lost",
              "FRAG_REASM_TIMEOUT": "ip_fragment_lost"}


def seq_in(x, lo, hi):
    """lo <= x < hi in sequence space."""
    return (x - lo) % MOD < (hi - lo) % MOD


def parse_frames(rows):
    out = []
    for r in rows:
        f = dict(zip(FIELDS, r))
        if f["icmp.type"] or f["icmpv6.type"] or not f["tcp.srcport"]:
            if f["icmp.type"] or f["icmpv6.type"]:
                out.append({"no": int(f["frame.number"]), "t": float(f["frame.time_epoch"]),
                            "icmp": (f["icmp.type"] or f["icmpv6.type"]).split("|")[0],
                            "src": (f["ip.src"] or f["ipv6.src"]).split("|")[0]})
            continue
        out.append({
            "no": int(f["frame.number"]), "t": float(f["frame.time_epoch"]),
            "src": f["ip.src"] or f["ipv6.src"], "dst": f["ip.dst"] or f["ipv6.dst"],
            "sport": int(f["tcp.srcport"]), "dport": int(f["tcp.dstport"]),
            "seq": int(f["tcp.seq_raw"]), "ack": int(f["tcp.ack_raw"] or 0),
            "len": int(f["tcp.len"] or 0), "flags": int(f["tcp.flags"], 16),
            "ipid": f["ip.id"], "tsval": f["tcp.options.timestamp.tsval"],
            "win": f["tcp.window_size_value"],
            "prefix": f["nflog.prefix"],
            "retrans": bool(f["tcpdiag.retrans"]),
            # What made the re-send; a spurious one carries "spurious" as a second value.
            "kind": f["tcpdiag.retrans.kind"].split("|")[0],
            "cause": f["tcpdiag.retrans.cause"].split("|")[0] if f["tcpdiag.retrans.cause"] else "",
            # Every cause listed, each with the evidence that named it (for calibration).
            "causes": f["tcpdiag.retrans.cause"].split("|") if f["tcpdiag.retrans.cause"] else [],
            "evidence": f["tcpdiag.retrans.cause.evidence"].split("|")
            if f["tcpdiag.retrans.cause.evidence"] else [],
            "not_retrans": f["tcpdiag.not_retrans"].split("|")[0],
            "state_client": f["tcpdiag.state.client"], "state_server": f["tcpdiag.state.server"],
            "change": f["tcpdiag.state.change"],
            "mss_reasons": [x for x in f["tcpdiag.mss.reason"].split("|") if x]})
    return out


def covers(f, k):
    """Frame f carries the first sequence number of retransmission k (SYN: any SYN)."""
    if k["kind"] in ("syn", "synack"):
        return bool(f["flags"] & FLAG_SYN)
    n = seq_space(f)
    return n > 0 and seq_in(k["seq"], f["seq"], (f["seq"] + n) % MOD)


def same_start(f, k):
    """Frame f starts where retransmission k starts (SYN / SYN-ACK: any of them)."""
    if k["kind"] == "synack":
        return bool(f["flags"] & FLAG_SYN) and bool(f["flags"] & FLAG_ACK)
    if k["syn"] != bool(f["flags"] & FLAG_SYN):
        return False
    return f["seq"] == k["seq"] and seq_space(f) > 0


def signature(f):
    """What identifies one transmitted packet at both taps."""
    return (f["src"], f["sport"], f["seq"], f["len"], f["flags"], f["ack"], f["ipid"], f["tsval"],
            f["win"])


def seq_space(f):
    """Sequence space a frame occupies (SYN and FIN count one)."""
    return f["len"] + (1 if f["flags"] & FLAG_SYN else 0) + (1 if f["flags"] & FLAG_FIN else 0)


def read_frames(path):
    if not os.path.exists(path):
        return []
    return parse_frames(tdharness.fields(path, FIELDS))


def load_events(run):
    with gzip.open(os.path.join(run, "events.jsonl.gz"), "rt") as f:
        lines = [json.loads(l) for l in f]
    return lines[0], lines[1:]


def load_reordered(run):
    out = []
    for name in ("reordered-client.jsonl", "reordered-server.jsonl"):
        p = os.path.join(run, name)
        if os.path.exists(p):
            with open(p) as f:
                out += [json.loads(l) for l in f if l.strip()]
    return out


class Run:
    def __init__(self, path):
        self.path = path
        with open(os.path.join(path, "truth.json")) as f:
            self.truth = json.load(f)
        self.params = self.truth["params"]
        self.half = self.truth["half"]
        self.header, self.events = load_events(path)
        self.taps = {tap: read_frames(os.path.join(path, tap + ".pcapng")) for tap in TAPS}
        self.drops = {}                  # host -> TCP packets its nft rules dropped
        self.icmp_drops = []             # ICMP errors the router's black-hole rules dropped
        for host in ("router", "client", "server"):
            for name in ("drops-%s.nflog" % host, "drops-%s.pcapng" % host):   # older runs
                p = os.path.join(path, name)
                if os.path.exists(p):
                    logged = read_frames(p)
                    self.drops[host] = [f for f in logged if "sport" in f]
                    self.icmp_drops += [f for f in logged if "icmp" in f]
        self.reordered = load_reordered(path)
        off = self.header["offset_s"]
        self.kdrops = [dict(e, t=e.get("t", e["mono"] + off)) for e in self.events
                       if e["ev"] == "kfree_skb"]
        self.server_port = self.truth["server_port"]
        self.hosts = {h: set(v["addrs"]) for h, v in self.truth["hosts"].items()}

    # ---- helpers
    def host_of_addr(self, a):
        for h, addrs in self.hosts.items():
            if a in addrs:
                return h
        return None

    def oneway(self):
        """Upper bound of the time a packet spends between the two taps (s)."""
        p = self.params
        t = p["one_way_delay_ms"] / 1000.0
        if p.get("reorder"):
            t += p["reorder"]["extra_ms"] / 1000.0
        if p.get("bottleneck"):
            b = p["bottleneck"]
            t += (b["limit"] + b["burst"]) * 8 / (b["rate_mbit"] * 1e6)
        return t

    def sender_tap(self, host):
        return "client-side" if host == "client" else "server-side"

    def receiver_tap(self, host):
        return "server-side" if host == "client" else "client-side"

    # ---- kernel retransmissions
    def kernel_retransmissions(self):
        """Kernel retransmission events in time order, one per retransmitted skb (`segs` wire
        segments: gso_segs), with kind."""
        out = []
        for e in self.events:
            if e["ev"] == "tcp_retransmit_synack":
                out.append({"t": e["t"], "src": e["saddr"], "dst": e["daddr"],
                            "sport": e["sport"], "dport": e["dport"], "seq": None,
                            "end": None, "kind": "synack", "ca_state": None, "segs": 1,
                            "state": "TCP_SYN_RECV", "syn": True, "err": 0})
            elif e["ev"] == "tcp_retransmit_skb":
                # every attempt, also err != 0: the kernel counts those in TcpRetransSegs too
                # (-EPERM: an nft rule on the sender host dropped it; 1: dropped below TCP)
                if "seq" not in e:
                    continue
                kind = "syn" if e["state"] == "TCP_SYN_SENT" else \
                    KIND_OF_CA.get(e.get("ca_state"), "other")
                out.append({"t": e["t"], "src": e["saddr"], "dst": e["daddr"],
                            "sport": e["sport"], "dport": e["dport"], "seq": e["seq"],
                            "end": e["end_seq"], "kind": kind, "ca_state": e.get("ca_state"),
                            "state": e["state"], "err": e.get("err", 0),
                            "segs": max(1, e.get("gso_segs", 1)),
                            "syn": bool(e.get("tcp_flags", 0) & 2)})
        out.sort(key=lambda x: x["t"])
        return out

    def pieces(self, rtx):
        """Split each retransmitted skb into the wire segments it left as: the frames at the
        sender's tap that continue it (segment boundaries are the sender's MSS at that time);
        when the tap does not have them, equal parts. Returns (pieces, frame at the sender's
        tap or None for each)."""
        out, hits = [], []
        frames_of = {}
        for tap in TAPS:
            own = [k for k in rtx if self.sender_tap(self.host_of_addr(k["src"])) == tap]
            frames_of.update(zip(map(id, own), self.match_sender_tap(own, self.taps[tap])))
        for k in rtx:
            got = frames_of.get(id(k), [])
            for f in got:
                out.append(dict(k, seq=f["seq"], end=(f["seq"] + seq_space(f)) % MOD))
                hits.append(f)
            if len(got) >= k["segs"] or k["kind"] == "synack":
                if not got:
                    out.append(k)
                    hits.append(None)
                continue
            start = (got[-1]["seq"] + seq_space(got[-1])) % MOD if got else k["seq"]
            left = k["segs"] - len(got)
            span = (k["end"] - start) % MOD
            for i in range(left):
                lo = (start + i * (span // left)) % MOD
                hi = k["end"] if i == left - 1 else (lo + span // left) % MOD
                out.append(dict(k, seq=lo, end=hi))
                hits.append(None)
        return out, hits

    def dropped_on_sender(self, k):
        """The sender host's nft rule dropped this retransmission itself (before both taps)."""
        for d in self.drops.get(self.host_of_addr(k["src"]), []):
            if d["sport"] == k["sport"] and d["src"] == k["src"] and covers(d, k) and \
                    abs(d["t"] - k["t"]) < SENDER_DROP_NEAR:
                return True
        return False

    def match_sender_tap(self, rtx, frames):
        """Kernel retransmission -> the frames it produced at the sender's own tap: among the
        frames of its flow starting at its sequence number, the one nearest in time, a frame
        after the event preferred 4:1 (the tracepoint fires when the transmit call returns; the
        earlier copy of the same bytes left at least a round trip before); then the frames
        that continue it (an skb of several segments)."""
        used = set()
        by_flow = collections.defaultdict(list)
        for f in frames:
            if "sport" in f:
                by_flow[(f["src"], f["sport"], f["dst"], f["dport"])].append(f)
        out = []
        for k in rtx:
            if k["kind"] != "synack" and (k["err"] < 0 or self.dropped_on_sender(k)):
                out.append([])
                continue
            flow = by_flow.get((k["src"], k["sport"], k["dst"], k["dport"]), [])
            best, cost = None, None
            for f in flow:
                dt = f["t"] - k["t"]
                if f["no"] in used or dt < -MATCH_BEFORE or dt > SENDER_WINDOW or not same_start(f, k):
                    continue
                c = dt if dt >= 0 else -4 * dt
                if best is None or c < cost:
                    best, cost = f, c
            got = [best] if best else []
            while got and len(got) < k["segs"]:
                nxt = (got[-1]["seq"] + seq_space(got[-1])) % MOD
                cont = [f for f in flow if f["no"] not in used and f not in got and
                        f["seq"] == nxt and seq_space(f) > 0 and
                        0 <= f["t"] - got[0]["t"] < SEGMENTS_TOGETHER]
                if not cont:
                    break
                got.append(cont[0])
            used.update(f["no"] for f in got)
            out.append(got)
        return out

    def match_far_tap(self, rtx, near_hits, frames):
        """The same frames at the other tap: the copy with the same signature (sequence, length,
        flags, ACK, IP ID, TSval) that passed the router, the earliest after it left."""
        used = set()
        by_sig = collections.defaultdict(list)
        for f in frames:
            if "sport" in f:
                by_sig[signature(f)].append(f)
        out = []
        for k, fs in zip(rtx, near_hits):
            hit = None
            if fs is not None:
                for f in by_sig.get(signature(fs), []):
                    if f["no"] not in used and f["t"] >= fs["t"] - MATCH_BEFORE:
                        hit = f
                        break
            if hit:
                used.add(hit["no"])
            out.append(hit)
        return out

    # ---- truth cause
    def previous_copy(self, k, tap=None, before=None):
        """Latest transmission of k's first byte before k (or before `before`, the time k
        reached `tap`): (time, frame, where seen), from the sender-side tap (or `tap`) and,
        unless a tap is given, the sender host's drop log."""
        cutoff = k["t"] - 1e-6 if before is None else before - 1e-6
        sender = self.host_of_addr(k["src"])
        sources = [(self.taps[tap or self.sender_tap(sender)], "tap")]
        if tap is None:
            sources.append((self.drops.get(sender, []), "sender_host_drop"))
        best = None
        for frames, where in sources:
            for f in frames:
                if f.get("sport") != k["sport"] or f["src"] != k["src"] or \
                        f["t"] >= cutoff or not covers(f, k):
                    continue
                if best is None or f["t"] > best[0]:
                    best = (f["t"], f, where)
        return best

    def dropped(self, host, f, after, before):
        """The nflog record of this copy in `host`'s drop log. nflog stamps can be late (the
        runs before queue-threshold 1 batched records for up to 1 s): NFLOG_LATE."""
        for d in self.drops.get(host, []):
            if d["src"] == f["src"] and d["sport"] == f["sport"] and d["seq"] == f["seq"] and \
                    d["flags"] == f["flags"] and d["len"] == f["len"] and \
                    after - MATCH_BEFORE <= d["t"] <= before + NFLOG_LATE:
                return d
        return None

    def kernel_drop(self, f, after, before):
        """The kernel's kfree_skb record of this copy (same ports, seq, flags, length)."""
        for d in self.kdrops:
            if d["sport"] == f["sport"] and d["dport"] == f["dport"] and d["seq"] == f["seq"] and \
                    d["tcp_flags"] == f["flags"] & 0xff and d["len"] == f["len"] and \
                    after - MATCH_BEFORE <= d["t"] <= before and d["reason"] in DROP_CAUSE:
                return d
        return None

    def truth_cause(self, k):
        prev = self.previous_copy(k)
        if prev is None:
            return "unknown", "no earlier copy at the sender-side tap"
        t0, f, seen = prev
        if seen == "sender_host_drop":
            return "segment_lost", "nft drop on the sender host (before both taps)"
        sender = self.host_of_addr(k["src"])
        receiver = self.host_of_addr(k["dst"])
        if self.dropped("router", f, t0, k["t"] + 0.001):
            return "segment_lost", "nft drop in the router (between the taps)"
        if self.dropped(receiver, f, t0, k["t"] + 1.0):
            return "segment_lost", "nft drop on the receiver host (after both taps)"
        kd = self.kernel_drop(f, t0, k["t"] + 0.001)
        if kd:
            cause = DROP_CAUSE[kd["reason"]]
            if cause == "pmtu":
                icmp_dropped = any(t0 - MATCH_BEFORE <= d["t"] <= k["t"] for d in self.icmp_drops)
                cause = "pmtu_blackhole" if icmp_dropped else "path_mtu_exceeded"
            return cause, "kernel dropped it: %s" % kd["reason"]
        rtap = self.taps[self.receiver_tap(sender)]
        arrived = None
        for g in rtap:
            if g.get("sport") == f["sport"] and g["src"] == f["src"] and g["seq"] == f["seq"] and \
                    g["flags"] == f["flags"] and g["len"] == f["len"] and \
                    t0 - MATCH_BEFORE <= g["t"] <= t0 + self.oneway() + 0.5:
                arrived = g
                break
        if arrived is None:
            return "unknown", "not at the receiver-side tap, no recorded drop"
        for r in self.reordered:
            if r["src"] == f["src"] and r["sport"] == f["sport"] and r["seq"] == f["seq"] and \
                    t0 - 0.005 <= r["t"] <= k["t"]:
                return "reordering", "held %.1f ms by the reorderer" % r["held_ms"]
        end = (f["seq"] + seq_space(f)) % MOD
        acks = [d for host in ("router", receiver, sender) for d in self.drops.get(host, [])]
        acks += [dict(d, src=k["dst"], flags=d["tcp_flags"]) for d in self.kdrops
                 if d["sport"] == k["dport"] and d["dport"] == k["sport"] and
                 d["reason"] in DROP_CAUSE]
        for d in acks:
            if d["src"] == k["dst"] and d["sport"] == k["dport"] and d["flags"] & FLAG_ACK and \
                    seq_in(end, (d["ack"] - 0x7fffffff) % MOD, (d["ack"] + 1) % MOD) and \
                    t0 <= d["t"] <= k["t"]:
                return "ack_lost", "an ACK covering it was dropped"
        return "ack_late", "it arrived and no ACK covering it was dropped"

    # ---- states
    def state_timelines(self):
        """(host addr, port, peer addr, peer port) -> [(t, state)] from inet_sock_set_state,
        with CLOSE after FIN_WAIT/CLOSING read as TIME_WAIT, and the sport=0 SYN_SENT event
        joined to the socket's next event."""
        tl = collections.defaultdict(list)
        pending = {}
        resets = [(e["t"], e["saddr"], e["sport"]) for e in self.events
                  if e["ev"] in ("tcp_receive_reset", "tcp_send_reset")]
        for e in self.events:
            if e["ev"] != "inet_sock_set_state":
                continue
            old, new = STATE_NAMES.get(e["old"], e["old"]), STATE_NAMES.get(e["new"], e["new"])
            if e["sport"] == 0:
                pending[(e["saddr"], e["daddr"], e["dport"])] = e["t"]
                continue
            key = (e["saddr"], e["sport"], e["daddr"], e["dport"])
            if not tl[key]:
                t_p = pending.pop((e["saddr"], e["daddr"], e["dport"]), None)
                if t_p is not None:
                    tl[key].append((t_p, "SYN_SENT"))
                else:
                    tl[key].append((e["t"] - 1e-6, old))
            if new == "CLOSED" and old in TO_TIME_WAIT and not any(
                    abs(t - e["t"]) < 0.005 and a == e["saddr"] and p == e["sport"]
                    for t, a, p in resets):
                new = "TIME_WAIT"
            tl[key].append((e["t"], new))
        return tl


def states_near(tl, t0, t1):
    """States a socket was in at some instant of [t0, t1]."""
    out = set()
    prev = None
    for t, s in tl:
        if t <= t0:
            prev = s
        elif t <= t1:
            out.add(s)
        else:
            break
    if prev is not None:
        out.add(prev)
    return out


def score_run(path):
    run = Run(path)
    res = {"run": os.path.basename(path), "half": run.half, "params": run.params,
           "retrans": [], "false": [], "states": collections.Counter(),
           "state_misses": [], "rst": [], "kernel_retrans": 0, "mss_reasons": {},
           "path_mtu_changed": bool(run.params.get("blackhole"))}
    rtx, near_hits = run.pieces(run.kernel_retransmissions())
    res["kernel_retrans"] = len(rtx)
    # clock check: a retransmission's frame at its sender's tap minus the trace event (s)
    res["clock_drift"] = run.header.get("offset_drift_s")
    res["sender_tap_delay"] = [round(f["t"] - k["t"], 7) for k, f in zip(rtx, near_hits) if f]
    causes = [synack_cause(run, k) if k["kind"] == "synack" else run.truth_cause(k) for k in rtx]
    for k, (cause, _) in zip(rtx, causes):
        # Linux's re-send after an ICMP too-big (tcp_simple_retransmit) enters the Loss state
        # without any timeout: Loss after a copy the kernel dropped as too big, the ICMP
        # delivered, is that re-send, not an RTO.
        if k["kind"] == "rto" and cause == "path_mtu_exceeded":
            k["kind"] = "pmtu"
    tl = run.state_timelines()
    # each retransmitted segment's frame at its sender's tap, then the same packet at the other
    far_hits = {tap: run.match_far_tap(rtx, near_hits, run.taps[tap]) for tap in TAPS}
    for tap, near in TAPS.items():
        frames = run.taps[tap]
        hits = [near_hits[i] if run.sender_tap(run.host_of_addr(k["src"])) == tap else far_hits[tap][i]
                for i, k in enumerate(rtx)]
        matched = set()
        for k, f, (cause, why) in zip(rtx, hits, causes):
            rec = {"tap": tap, "t": round(k["t"], 6), "flow": "%s:%d>%s:%d" % (
                k["src"], k["sport"], k["dst"], k["dport"]), "seq": k["seq"],
                "kernel_kind": k["kind"], "ca_state": k["ca_state"], "truth_cause": cause,
                "why": why, "sender": run.host_of_addr(k["src"]), "err": k.get("err", 0),
                "dropped_on_sender": k["kind"] != "synack" and run.dropped_on_sender(k)}
            rec["earlier_copy_at_tap"] = run.previous_copy(
                k, tap=tap, before=f["t"] if f else None) is not None
            if f is None:
                rec["seen"] = False
            else:
                matched.add(f["no"])
                rec.update(seen=True, frame=f["no"],
                           detected="retrans" if f["retrans"] else (f["not_retrans"] or "none"),
                           kind=f["kind"], cause=f["cause"],
                           causes=list(zip(f["causes"], f["evidence"])))
            res["retrans"].append(rec)
        for f in frames:
            if f.get("retrans") and f["no"] not in matched:
                res["false"].append({"tap": tap, "frame": f["no"], "kind": f["kind"],
                                     "cause": f["cause"], "flow": "%s:%d>%s:%d" % (
                                         f["src"], f["sport"], f["dst"], f["dport"])})
        score_states(run, tap, frames, tl, res)
        res["mss_reasons"][tap] = sorted({x for f in frames if "sport" in f
                                          for x in f["mss_reasons"]})
        score_resets(run, tap, frames, res)
    res["states"] = dict(("%s|%s" % k, v) for k, v in res["states"].items())
    return res


def synack_cause(run, k):
    """A SYN-ACK is re-sent when the client's ACK (or the SYN-ACK) did not arrive."""
    for host in ("router", "client", "server"):
        for d in run.drops.get(host, []):
            if d["src"] == k["src"] and d["sport"] == k["sport"] and d["flags"] & FLAG_SYN and \
                    d["t"] <= k["t"] + NFLOG_LATE:
                return "segment_lost", "an earlier SYN-ACK was dropped (%s)" % host
    return "ack_late", "no SYN-ACK drop recorded"


def first_fins(run):
    """(addr, port, peer addr, peer port) -> time of the first FIN that socket sent, at any
    tap."""
    out = {}
    for frames in run.taps.values():
        for f in frames:
            if "sport" in f and f["flags"] & FLAG_FIN:
                key = (f["src"], f["sport"], f["dst"], f["dport"])
                out[key] = min(out.get(key, f["t"]), f["t"])
    return out


def on_the_wire(line, fin_t):
    """The timeline as packets can show it: close() / shutdown() moves the socket to FIN_WAIT_1
    (or LAST_ACK) at once, but the wire shows it only when the FIN leaves, behind queued data."""
    out = []
    for t, st in line:
        if st in ("FIN_WAIT_1", "LAST_ACK") and fin_t is not None:
            t = max(t, fin_t - MATCH_BEFORE)
        out.append((t, st))
    return sorted(out)


def kernel_states(line, t, slack, role):
    """States the kernel had for a socket at some instant of [t - slack, t + slack]."""
    if role == "server" and t + slack < line[0][0]:
        # before the accepted socket exists the connection is a request socket (SYN_RECV,
        # not traced) behind the LISTEN socket
        return {"LISTEN", "SYN_RECEIVED"}
    ks = states_near(line, t - slack, t + slack)
    if line[-1][1] in ("TIME_WAIT", "CLOSED") and t > line[-1][0]:
        ks.add(line[-1][1])
    return ks


def score_states(run, tap, frames, tl, res):
    """Each frame of a lab connection: tcpdiag's client / server state vs the kernel's, with
    the tap/host allowance (STATE_SLACK next to the host, plus the path's one-way bound across
    it). `strict` compares with the kernel's instant of close(); `wire` with the FIN's."""
    slack_far = run.oneway() + STATE_SLACK
    fins = first_fins(run)
    for f in frames:
        if "sport" not in f or run.server_port not in (f["sport"], f["dport"]):
            continue
        if not f["state_client"]:
            continue
        if f["sport"] == run.server_port:
            srv, cli = (f["src"], f["sport"]), (f["dst"], f["dport"])
        else:
            cli, srv = (f["src"], f["sport"]), (f["dst"], f["dport"])
        for role, me, peer, said in (("client", cli, srv, f["state_client"]),
                                     ("server", srv, cli, f["state_server"])):
            line = tl.get((me[0], me[1], peer[0], peer[1]))
            if not line:
                continue
            slack = STATE_SLACK if TAPS[tap] == role else slack_far
            strict = said in kernel_states(line, f["t"], slack, role)
            wire_states = kernel_states(on_the_wire(line, fins.get(me + peer)), f["t"], slack,
                                        role)
            ok = said in wire_states
            res["states"][(role, "ok" if ok else "wrong")] += 1
            res["states"][(role, "strict_ok" if strict else "strict_wrong")] += 1
            if not ok and len(res["state_misses"]) < 50:
                res["state_misses"].append({"tap": tap, "frame": f["no"], "role": role,
                                            "tcpdiag": said, "kernel": sorted(wire_states)})


def score_resets(run, tap, frames, res):
    sends = [e for e in run.events if e["ev"] == "tcp_send_reset"]
    for f in frames:
        if "sport" not in f or not f["flags"] & FLAG_RST:
            continue
        reason = "no kernel reset event (forged or from a TIME_WAIT / no-socket path)"
        for e in sends:
            if e["saddr"] == f["src"] and e["sport"] == f["sport"] and \
                    e["t"] - MATCH_BEFORE <= f["t"] <= e["t"] + run.oneway() + 0.05:
                reason = e.get("reason") or "?"
                break
        res["rst"].append({"tap": tap, "frame": f["no"], "kernel_reason": reason,
                           "tcpdiag": f["change"] or "(no state change)"})


# ---------------------------------------------------------------- aggregation
def matrices(results):
    """half -> measure -> {truth: {tcpdiag: count}}"""
    M = collections.defaultdict(lambda: collections.defaultdict(
        lambda: collections.defaultdict(collections.Counter)))
    for r in results:
        h = r["half"]
        for e in r["retrans"]:
            if not e["seen"]:
                M[h]["retrans_unseen"][e["tap"]]["not at this tap"] += 1
                continue
            if not e["earlier_copy_at_tap"]:
                # the tap saw no earlier copy: only the gap it fills (and the ACKs around it)
                # can show a re-send here
                M[h]["retrans_first_copy"][e["kernel_kind"]][e["detected"]] += 1
            M[h]["retrans"][e["kernel_kind"]][e["detected"]] += 1
            if e["detected"] == "retrans":
                M[h]["kind"][e["kernel_kind"]][e["kind"] or "(none)"] += 1
                M[h]["cause"][e["truth_cause"]][e["cause"] or "(none)"] += 1
        for e in r["false"]:
            M[h]["retrans"]["no_kernel_retrans"]["retrans"] += 1
            M[h]["false_kind"][e["kind"] or "(none)"][e["cause"] or "(none)"] += 1
        for k, v in r["states"].items():
            role, ok = k.split("|")
            M[h]["state_strict" if ok.startswith("strict") else "state"][role][
                ok.replace("strict_", "")] += v
        for e in r["rst"]:
            M[h]["rst"][e["kernel_reason"]][e["tcpdiag"]] += 1
    return M


def summary(M):
    out = {}
    for h, ms in M.items():
        ret = ms["retrans"]
        seen = sum(sum(v.values()) for k, v in ret.items() if k != "no_kernel_retrans")
        det = sum(v["retrans"] for k, v in ret.items() if k != "no_kernel_retrans")
        false = ret.get("no_kernel_retrans", {}).get("retrans", 0)
        kind_ok = sum(v.get(k, 0) for k, v in ms["kind"].items())
        kind_n = sum(sum(v.values()) for v in ms["kind"].values())
        cause = {c: (v.get(c, 0), sum(v.values())) for c, v in ms["cause"].items()}
        st_ok = sum(v.get("ok", 0) for v in ms["state"].values())
        st_n = sum(sum(v.values()) for v in ms["state"].values())
        out[h] = {"retrans_seen": seen, "detected": det, "false": false,
                  "kind_ok": kind_ok, "kind_n": kind_n, "cause": cause,
                  "state_ok": st_ok, "state_n": st_n}
    return out


def run_dirs(args):
    for a in args:
        if os.path.exists(os.path.join(a, "truth.json")):
            yield a
        else:
            for d in sorted(os.listdir(a)):
                p = os.path.join(a, d)
                if os.path.exists(os.path.join(p, "truth.json")) and \
                        os.path.exists(os.path.join(p, "events.jsonl.gz")):
                    yield p


def main(argv):
    args = argv[1:]
    jobs, out = 2, None
    while args and args[0].startswith("--"):
        if args[0] == "--jobs":
            jobs, args = int(args[1]), args[2:]
        elif args[0] == "--out":
            out, args = args[1], args[2:]
        else:
            raise SystemExit(__doc__)
    if not args:
        raise SystemExit(__doc__)
    dirs = list(run_dirs(args))
    results = []

    def one(d):
        try:
            return score_run(d)
        except Exception as e:                      # a broken run is reported, not fatal
            return {"run": os.path.basename(d), "error": repr(e)}
    with ThreadPoolExecutor(jobs) as ex:
        for r in ex.map(one, dirs):
            results.append(r)
            if "error" in r:
                print("%s: %s" % (r["run"], r["error"]), file=sys.stderr)
    good = [r for r in results if "error" not in r]
    M = matrices(good)
    doc = {"runs": {h: sorted(r["run"] for r in good if r["half"] == h)
                    for h in ("tuning", "reporting")},
           "errors": [r for r in results if "error" in r],
           "matrices": json.loads(json.dumps(M)), "summary": summary(M), "per_run": good}
    text = json.dumps(doc, indent=1, default=list)
    if out:
        with open(out, "w") as f:
            f.write(text + "\n")
    for h, s in sorted(doc["summary"].items()):
        print("%-9s runs=%d kernel retrans seen=%d detected=%d (%.1f%%) false=%d kind=%d/%d "
              "state=%d/%d" % (h, len(doc["runs"].get(h, [])), s["retrans_seen"], s["detected"],
                               100.0 * s["detected"] / max(1, s["retrans_seen"]), s["false"],
                               s["kind_ok"], s["kind_n"], s["state_ok"], s["state_n"]))
        for c, (ok, n) in sorted(s["cause"].items()):
            print("    cause %-18s %d/%d" % (c, ok, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
