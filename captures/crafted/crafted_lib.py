"""crafted_lib.py - building blocks of the crafted captures: packets, per-frame truth, check.

SPDX-License-Identifier: GPL-2.0-or-later

Used by make-crafted (cases 1-13) and crafted_retrans_mss.py (retransmission / MSS cases).
Capture collects frames with their hand-written expected values and writes
capture.pcap + truth.json + README.md; Conn builds the segments of one
connection; check() compares tshark's reading of a written case with its truth.
"""
import json
import os
import struct
import subprocess

from scapy.all import Ether, IP, IPv6, TCP, Raw

HERE = os.path.dirname(os.path.abspath(__file__))
T0 = 1700000000            # 2023-11-14 22:13:20 UTC; every case starts here
MAC_CSIDE = "02:00:00:00:0c:01"   # client-side next hop (as seen by the tap)
MAC_SSIDE = "02:00:00:00:05:01"   # server-side next hop
M32 = 0xFFFFFFFF

FLAGNAMES = [("F", "FIN"), ("S", "SYN"), ("R", "RST"), ("P", "PSH"),
             ("A", "ACK"), ("U", "URG")]
FLAGBITS = {"F": 0x01, "S": 0x02, "R": 0x04, "P": 0x08, "A": 0x10, "U": 0x20}

SYN_OPTS_V4 = [("MSS", 1460), ("NOP", None), ("WScale", 7), ("NOP", None),
               ("NOP", None), ("SAckOK", b"")]
SYN_OPTS_V6 = [("MSS", 1440), ("NOP", None), ("WScale", 7), ("NOP", None),
               ("NOP", None), ("SAckOK", b"")]
SYNACK_OPTS_V4 = [("MSS", 1460), ("NOP", None), ("NOP", None),
                  ("SAckOK", b""), ("NOP", None), ("WScale", 7)]
SYNACK_OPTS_V6 = [("MSS", 1440), ("NOP", None), ("NOP", None),
                  ("SAckOK", b""), ("NOP", None), ("WScale", 7)]

# handshake verdicts / states, short names to keep the case tables readable
NS, SO, SSA, CMP, REJ, SIM, ABT = ("not_seen", "syn_only", "syn_synack",
                                   "complete", "rejected", "simultaneous",
                                   "aborted")
LISTEN, SYN_SENT, SYN_RCVD, EST = ("LISTEN", "SYN_SENT", "SYN_RECEIVED",
                                   "ESTABLISHED")
FW1, FW2, CW, CLOSING, LACK, TW, CLOSED, UNK = (
    "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "CLOSING", "LAST_ACK",
    "TIME_WAIT", "CLOSED", "UNKNOWN")


def ms(x):
    """milliseconds (float) -> integer microseconds"""
    return int(round(x * 1000))


def payload(n, who):
    """n bytes of deterministic, self-contained HTTP: a whole GET request
    from the client, a whole response (with a matching Content-Length) from
    the server, so that tshark's HTTP dissector never waits for more data."""
    if who == "c":
        head, tail = "GET / HTTP/1.1\r\nHost: tcpdiag.example\r\nX-Pad: ", "\r\n\r\n"
        pad = n - len(head) - len(tail)
        if pad < 0:
            return (b"x" * n)
        return (head + "p" * pad + tail).encode()
    body = 0
    for _ in range(3):
        head = "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % body
        body = n - len(head)
    if body < 0:
        return b"y" * n
    return (head.encode() + (b"tcpdiag " * (body // 8 + 1))[:body])


def flagstr(flags):
    return ",".join(name for ch, name in FLAGNAMES if ch in flags)


def flagbits(flags):
    return sum(FLAGBITS[ch] for ch in flags)


def fmt_ep(addr, port):
    return ("[%s]:%d" % (addr, port)) if ":" in addr else ("%s:%d" % (addr, port))


def ether_for(side):
    """plain Ethernet framing; side = 'c' (sent from the client side) or 's'"""
    if side == "c":
        return Ether(src=MAC_CSIDE, dst=MAC_SSIDE)
    return Ether(src=MAC_SSIDE, dst=MAC_CSIDE)


def plain_encap(side, ip):
    return ether_for(side) / ip


def with_bad_tcp_checksum(ip):
    """The same IP packet with its TCP checksum field off by 0x5A5A (what a
    sender whose checksum code or offload is broken puts on the wire)."""
    good = ip.__class__(bytes(ip))
    good[TCP].chksum ^= 0x5A5A
    return good


class Capture:
    def __init__(self, case, why, story):
        self.case = case
        self.why = why
        self.story = story
        self.records = []        # (t_us, bytes)
        self.frames = {}
        self.convs = []
        self.ipid = {}

    def next_ipid(self, addr):
        v = self.ipid.get(addr, (sum(map(ord, addr)) * 977) & 0xFFFF)
        self.ipid[addr] = (v + 1) & 0xFFFF
        return v

    def conn(self, cli, cport, srv, sport, cisn, sisn, final, encap=None,
             label=None):
        c = Conn(self, len(self.convs), cli, cport, srv, sport, cisn, sisn,
                 final, encap or plain_encap, label)
        self.convs.append(c)
        return c

    def add(self, t_us, pkt, conv, exp, note, tcpinfo, quoted=False,
            retrans=None, anomaly=None, extra=None):
        if self.records and t_us < self.records[-1][0]:
            raise SystemExit("%s: time goes backwards at frame %d"
                             % (self.case, len(self.records) + 1))
        self.records.append((t_us, bytes(pkt)))
        n = len(self.records)
        hs, cs, ss = exp
        fr = {"handshake": hs, "state.client": cs, "state.server": ss,
              "note": note, "conversation": conv.index}
        if quoted:
            fr["quoted"] = True
        fr["retrans"] = retrans if retrans else False
        if anomaly:
            fr["anomaly"] = anomaly
        fr.update(extra or {})
        fr.update(tcpinfo)
        self.frames[str(n)] = fr
        return n

    # ---- output ---------------------------------------------------------
    def write(self):
        d = os.path.join(HERE, self.case)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "capture.pcap"), "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t_us, b in self.records:
                sec, usec = divmod(T0 * 1000000 + t_us, 1000000)
                f.write(struct.pack("<IIII", sec, usec, len(b), len(b)))
                f.write(b)
        truth = {
            "case": self.case,
            "crafted": True,
            "why_crafted": self.why,
            "file": "capture.pcap",
            "conversations": [c.summary() for c in self.convs],
            "frames": self.frames,
        }
        with open(os.path.join(d, "truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
            f.write("\n")
        with open(os.path.join(d, "README.md"), "w") as f:
            f.write(self.readme())

    def readme(self):
        steps = []
        for num, fr in self.frames.items():
            steps.append("frame %s (%s) %s" % (num, fr["desc"], fr["note"]))
        para = ("**Why crafted:** %s. %s Packet by packet (values after each "
                "frame are handshake / client / server): %s."
                % (self.why.rstrip("."), self.story, "; ".join(steps)))
        lines = ["# %s (crafted)" % self.case, "", para, "",
                 "Conversations:", ""]
        for c in self.convs:
            s = c.summary()
            lines.append("- #%d%s: client %s, server %s; final handshake `%s`,"
                         " client `%s`, server `%s`"
                         % (c.index, (" (%s)" % c.label) if c.label else "",
                            s["client"], s["server"],
                            s["expected_handshake_final"],
                            s["expected_final"]["client"],
                            s["expected_final"]["server"]))
        lines += ["", "Expected values (the same as truth.json):", "",
                  "| frame | conv | packet | handshake | client | server | retrans / anomaly |",
                  "|---|---|---|---|---|---|---|"]
        for num, fr in self.frames.items():
            extra = []
            if fr["retrans"]:
                r = fr["retrans"]
                extra.append("retrans%s of frame %d, attempt %d%s" % (
                    (" (%s)" % r["kind"]) if "kind" in r else "",
                    r["original"], r["attempt"],
                    (", cause %s" % "/".join(r["cause"])) if "cause" in r else ""))
            if fr.get("anomaly"):
                extra.append(fr["anomaly"])
            if fr.get("bad_checksum"):
                extra.append("bad TCP checksum")
            if fr.get("duplicate_of"):
                extra.append("duplicate of frame %d (not a retransmission)"
                             % fr["duplicate_of"])
            if fr.get("probe"):
                extra.append("%s (not a retransmission)" % fr["probe"])
            if fr.get("mss.reasons"):
                extra.append("MSS: %s" % ", ".join(fr["mss.reasons"]))
            lines.append("| %s | %d | %s%s | %s | %s | %s | %s |"
                         % (num, fr["conversation"], fr["desc"],
                            " (quoted in ICMP)" if fr.get("quoted") else "",
                            fr["handshake"], fr["state.client"],
                            fr["state.server"], "; ".join(extra)))
        lines += ["", "Regenerate with `captures/crafted/make-crafted %s`."
                  % self.case, ""]
        return "\n".join(lines)


class Conn:
    def __init__(self, cap, index, cli, cport, srv, sport, cisn, sisn, final,
                 encap, label):
        self.cap = cap
        self.index = index
        self.ep = {"c": (cli, cport), "s": (srv, sport)}
        self.isn = {"c": cisn, "s": sisn}
        self.nxt = {"c": cisn, "s": sisn}
        self.v6 = ":" in cli
        self.final = final
        self.encap = encap
        self.label = label
        self.server_spoke = False
        self.extra = {}          # more conversation-level truth (expected_mss ...)

    def summary(self):
        hs, cs, ss = self.final
        d = {"client": fmt_ep(*self.ep["c"]), "server": fmt_ep(*self.ep["s"]),
             "expected_handshake_final": hs,
             "expected_final": {"client": cs, "server": ss},
             "tcp_stream": self.index,
             "isn": {"client": self.isn["c"],
                     "server": self.isn["s"] if self.server_spoke else None}}
        if self.label:
            d["label"] = self.label
        d.update(self.extra)
        return d

    def seg(self, who, flags, n=0, seq=None, ack=None, opts=None, data=None,
            win=None):
        """Build the IP packet of one segment; returns (ip, tcpinfo).
        Default seq = the sender's next sequence number, default ack = the
        peer's next sequence number (everything the peer sent, presumed
        delivered).  The sender's next seq advances only when the segment
        starts at it (a retransmission does not move it)."""
        peer = "s" if who == "c" else "c"
        src, sport = self.ep[who]
        dst, dport = self.ep[peer]
        if seq is None:
            seq = self.nxt[who]
        if ack is None:
            ack = self.nxt[peer] if "A" in flags else 0
        if data is None:
            data = payload(n, who)
        n = len(data)
        end = (seq + n + ("S" in flags) + ("F" in flags)) & M32
        if seq == self.nxt[who]:
            self.nxt[who] = end
        if opts is None and "S" in flags:
            if "A" in flags:
                opts = SYNACK_OPTS_V6 if self.v6 else SYNACK_OPTS_V4
            else:
                opts = SYN_OPTS_V6 if self.v6 else SYN_OPTS_V4
        if win is None:
            win = 64240 if "S" in flags else (0 if "R" in flags else 502)
        tcp = TCP(sport=sport, dport=dport, seq=seq, ack=ack, flags=flags,
                  window=win, options=opts or [])
        if self.v6:
            ip = IPv6(src=src, dst=dst, hlim=64) / tcp
        else:
            ip = IP(src=src, dst=dst, ttl=64, flags="DF",
                    id=self.cap.next_ipid(src)) / tcp
        if data:
            ip = ip / Raw(data)
        info = {"src": fmt_ep(src, sport), "dst": fmt_ep(dst, dport),
                "tcp_flags": flagstr(flags), "seq_raw": seq,
                "ack_raw": ack if "A" in flags else None, "tcp_len": n}
        return ip, info

    def tx(self, who, flags, t, exp, note, n=0, seq=None, ack=None, opts=None,
           data=None, retrans=None, anomaly=None, win=None, extra=None,
           bad_checksum=False):
        """One segment. bad_checksum: the TCP checksum field is wrong (the
        frame's truth gets "bad_checksum": true)."""
        ip, info = self.seg(who, flags, n, seq, ack, opts, data, win)
        if bad_checksum:
            ip = with_bad_tcp_checksum(ip)
            extra = dict(extra or {}, bad_checksum=True)
        self.server_spoke |= who == "s"
        info["desc"] = "%s %s%s seq=%d%s" % (
            "C->S" if who == "c" else "S->C", flagstr(flags) or "none",
            (" len=%d" % info["tcp_len"]) if info["tcp_len"] else "",
            info["seq_raw"],
            (" ack=%d" % info["ack_raw"]) if info["ack_raw"] is not None else "")
        self.cap.add(ms(t), self.encap(who, ip), self, exp, note, info,
                     retrans=retrans, anomaly=anomaly, extra=extra)
        return ip

    def replay(self, t, who, ip, exp, note, orig_frame, retrans=None, extra=None):
        """The very same IP packet again (a network duplicate)."""
        o = self.cap.frames[str(orig_frame)]
        info = {k: o[k] for k in ("src", "dst", "tcp_flags", "seq_raw",
                                  "ack_raw", "tcp_len")}
        info["desc"] = o["desc"] + " (duplicate of frame %d)" % orig_frame
        self.cap.add(ms(t), self.encap(who, ip), self, exp, note, info,
                     retrans=retrans, extra=extra)

    def icmp(self, t, frame_ip, exp, note, icmp_layer, router, toward,
             quote_limit=None, desc=None):
        """An ICMP(v6) error from `router` to the sender of the quoted
        segment `frame_ip` (an IP packet returned by tx()).  `toward` is the
        side ('c'/'s') the error travels to, i.e. the quoted sender."""
        q = bytes(frame_ip)
        if quote_limit is not None:
            q = q[:quote_limit]
        if self.v6:
            outer = IPv6(src=router, dst=frame_ip.src, hlim=64) / icmp_layer / Raw(q)
        else:
            outer = IP(src=router, dst=frame_ip.src, ttl=64,
                       id=self.cap.next_ipid(router)) / icmp_layer / Raw(q)
        tcp = frame_ip[TCP]
        fl = "".join(ch for ch, _ in FLAGNAMES if int(tcp.flags) & FLAGBITS[ch])
        info = {"src": fmt_ep(frame_ip.src, tcp.sport),
                "dst": fmt_ep(frame_ip.dst, tcp.dport),
                "tcp_flags": flagstr(fl), "seq_raw": tcp.seq,
                "ack_raw": tcp.ack if "A" in fl else None,
                "tcp_len": None, "icmp_from": router}
        if quote_limit is not None and quote_limit < len(bytes(frame_ip)):
            info["quote_truncated"] = True
        info["desc"] = desc
        # the frame travels toward the quoted segment's sender
        side = "s" if toward == "c" else "c"
        self.cap.add(ms(t), self.encap(side, outer), self, exp, note, info,
                     quoted=True)


# ===================================================================== check

TSHARK_FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "tcp.dstport",
                 "tcp.seq", "tcp.ack", "tcp.len", "tcp.flags",
                 "ip.checksum.status", "ipv6.src", "tcp.checksum.status",
                 "icmp.checksum.status", "icmpv6.checksum.status",
                 "udp.checksum.status", "_ws.malformed", "_ws.expert.severity",
                 "_ws.expert.message", "icmp.type", "icmpv6.type"]


def check(case):
    """Compare tshark's reading of the capture with truth.json."""
    d = os.path.join(HERE, case)
    truth = json.load(open(os.path.join(d, "truth.json")))
    cmd = ["tshark", "-n", "-r", os.path.join(d, "capture.pcap"),
           "-o", "tcp.relative_sequence_numbers:FALSE",
           "-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE",
           "-o", "udp.check_checksum:TRUE",
           "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
           "-E", "aggregator=|"]
    for f in TSHARK_FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True)
    problems = []
    err = [l for l in out.stderr.splitlines()
           if l.strip() and "could be dangerous" not in l]
    if out.returncode != 0 or err:
        problems.append("tshark: rc=%d %s" % (out.returncode, " ".join(err)))
    rows = [dict(zip(TSHARK_FIELDS, line.split("\t")))
            for line in out.stdout.splitlines()]
    if len(rows) != len(truth["frames"]):
        problems.append("frame count %d != truth %d" % (len(rows), len(truth["frames"])))
    convs = truth["conversations"]
    for r in rows:
        n = r["frame.number"]
        fr = truth["frames"].get(n)
        if fr is None:
            problems.append("frame %s not in truth" % n)
            continue
        for f in ("ip.checksum.status", "tcp.checksum.status",
                  "icmp.checksum.status", "icmpv6.checksum.status",
                  "udp.checksum.status"):
            for v in filter(None, r[f].split("|")):
                # 1 good, 2 unverified; 3 "not present" only for UDP (VXLAN
                # sends checksum 0 as Linux does); a truncated ICMP quote
                # makes tshark 4.0 check a partial segment: Bad, expected.
                ok = ("1", "2", "3") if f == "udp.checksum.status" else ("1", "2")
                if fr.get("quote_truncated") and f == "tcp.checksum.status":
                    ok = ("0", "1", "2")
                if fr.get("bad_checksum") and f == "tcp.checksum.status":
                    ok = ("0",)
                if v not in ok:
                    problems.append("frame %s: %s=%s" % (n, f, r[f]))
        if r["_ws.malformed"]:
            problems.append("frame %s: malformed" % n)
        for sev, msg in zip(r["_ws.expert.severity"].split("|"),
                            r["_ws.expert.message"].split("|")):
            if sev and int(sev, 0) >= 0x00800000 and not (
                    (fr.get("quote_truncated") or fr.get("bad_checksum"))
                    and "checksum" in msg):
                problems.append("frame %s: expert error: %s" % (n, msg))
        # the (last) TCP header in the frame is the one of the conversation
        last = lambda f: r[f].split("|")[-1]
        if int(last("tcp.seq")) != fr["seq_raw"]:
            problems.append("frame %s: seq %s != %s" % (n, last("tcp.seq"), fr["seq_raw"]))
        if fr["ack_raw"] is not None and int(last("tcp.ack")) != fr["ack_raw"]:
            problems.append("frame %s: ack %s != %s" % (n, last("tcp.ack"), fr["ack_raw"]))
        if fr["tcp_len"] is not None and int(last("tcp.len")) != fr["tcp_len"]:
            problems.append("frame %s: len %s != %s" % (n, last("tcp.len"), fr["tcp_len"]))
        want = flagbits("".join(ch for ch, name in FLAGNAMES
                                if name in fr["tcp_flags"].split(",")))
        if int(last("tcp.flags"), 16) != want:
            problems.append("frame %s: flags %s != %s" % (n, last("tcp.flags"), fr["tcp_flags"]))
        sp = fr["src"].rsplit(":", 1)[1]
        if last("tcp.srcport") != sp:
            problems.append("frame %s: srcport %s != %s" % (n, last("tcp.srcport"), sp))
        if bool(fr.get("quoted")) != bool(r["icmp.type"] or r["icmpv6.type"]):
            problems.append("frame %s: quoted flag vs ICMP mismatch" % n)
        st = convs[fr["conversation"]]["tcp_stream"]
        if last("tcp.stream") != str(st):
            problems.append("frame %s: tcp.stream %s != %s" % (n, last("tcp.stream"), st))
    # the last frame of each conversation must show its expected final values
    for i, cv in enumerate(convs):
        mine = [fr for fr in truth["frames"].values() if fr["conversation"] == i]
        fin = mine[-1]
        got = (fin["handshake"], fin["state.client"], fin["state.server"])
        want = (cv["expected_handshake_final"], cv["expected_final"]["client"],
                cv["expected_final"]["server"])
        if got != want:
            problems.append("conversation %d: last frame %s != expected final %s"
                            % (i, got, want))
    return problems
