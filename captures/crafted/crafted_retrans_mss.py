"""crafted_retrans_mss.py - crafted cases for retransmission causes and MSS findings.

SPDX-License-Identifier: GPL-2.0-or-later

Cases a kernel in the lab will not produce on demand: TCP checksum damage (on the way, or
by the sender itself), SYNs without an MSS option (Linux always sends one), a frame
captured twice, and TCP probes that must not count as retransmissions. Per-frame truth as
in make-crafted, plus (see README.md): "bad_checksum", retrans "cause", "probe",
"duplicate_of", "mss.client" / "mss.server" / "mss.assumed" / "mss.reasons", and a
conversation-level "expected_mss". Imported by make-crafted (CASES).
"""
import os

from scapy.all import IP, IPv6, TCP, rdpcap

from crafted_lib import (CLOSED, CMP, CW, EST, FW1, LACK, LISTEN, SO, SSA, SYN_RCVD,
                         SYN_SENT, TW, Capture, flagstr, fmt_ep)

HERE = os.path.dirname(os.path.abspath(__file__))
LAB_DROP_NTH = os.path.join(HERE, "..", "lab", "drop-nth", "client-side.pcapng")

SYN_OPTS_NO_MSS = [("NOP", None), ("WScale", 7), ("NOP", None), ("NOP", None),
                   ("SAckOK", b"")]
SYN_OPTS_V4 = [("MSS", 1460)] + SYN_OPTS_NO_MSS
ESTD = (CMP, EST, EST)


# ---------------------------------------------------------------- checksum-damaged

def _lab_frames(path):
    """The TCP frames of the lab capture with the facts the truth needs."""
    out = []
    for p in rdpcap(path):
        if TCP not in p:
            continue
        ip = p[IP] if IP in p else p[IPv6]
        t = p[TCP]
        hdr = ip.ihl * 4 if IP in p else 0
        n = (ip.len - hdr if IP in p else ip.plen) - t.dataofs * 4
        out.append({"pkt": p, "time": p.time, "src": (ip.src, t.sport),
                    "dst": (ip.dst, t.dport), "flags": str(t.flags), "seq": t.seq,
                    "ack": t.ack, "len": n})
    return out


def _damage_payload(p):
    """Flip the lowest bit of the first payload byte, leaving the sender's checksum:
    what a faulty switch or router does to a frame it forwards."""
    raw = bytearray(bytes(p))
    pay = len(raw) - len(bytes(p[TCP].payload))
    raw[pay] ^= 0x01
    return bytes(raw)


def case_checksum_damaged():
    cap = Capture(
        "checksum-damaged",
        "damaging one chosen segment on the way needs a faulty switch or router; this "
        "case reuses the real lab capture captures/lab/drop-nth/client-side.pcapng, where "
        "the router dropped that very segment (so the receiver's SACKs and the sender's "
        "fast re-send are real kernel behaviour), and damages the dropped original "
        "instead: a receiver discards a segment with a bad checksum exactly as if it was "
        "lost",
        "Built from captures/lab/drop-nth/client-side.pcapng (lab addresses 10.77.x kept, "
        "the times rebased to this file's start; regenerating after that lab scenario is "
        "recorded again gives a different file). Only TCP frames are kept. The original of "
        "the one segment the client re-sent has one payload bit flipped on the way, so its "
        "TCP checksum (still the sender's) is bad at the tap; the receiver discarded it, "
        "SACKed the segments behind it, and the client re-sent it with a good checksum: "
        "cause checksum_error (damaged between sender and tap), not sender_checksum.")
    frames = _lab_frames(LAB_DROP_NTH)
    syn = frames[0]
    if syn["flags"] != "S":
        raise SystemExit("checksum-damaged: the lab capture does not start with the SYN")
    synack = frames[1]
    k = cap.conn(syn["src"][0], syn["src"][1], syn["dst"][0], syn["dst"][1], syn["seq"],
                 synack["seq"], (CMP, TW, CLOSED), label="from lab drop-nth")
    k.server_spoke = True
    cli = syn["src"]
    first_seen, resent = {}, []
    for i, f in enumerate(frames):
        if f["src"] == cli and f["len"]:
            if f["seq"] in first_seen:
                resent.append((first_seen[f["seq"]], i))
            else:
                first_seen[f["seq"]] = i
    if len(resent) != 1:
        raise SystemExit("checksum-damaged: expected exactly one re-sent segment, got %s"
                         % resent)
    orig, resend = resent[0]
    tail = [(f["src"] == cli, f["flags"]) for f in frames[-3:]]
    if tail != [(True, "FA"), (False, "FA"), (True, "A")]:
        raise SystemExit("checksum-damaged: unexpected close sequence %s" % tail)
    last = len(frames) - 1
    roles = {0: ((SO, SYN_SENT, LISTEN), "SYN (MSS 1460): client SYN_SENT, server "
                                         "presumed LISTEN"),
             1: ((SSA, EST, SYN_RCVD), "SYN-ACK: server SYN_RECEIVED, client ESTABLISHED"),
             2: (ESTD, "final ACK: complete"),
             last - 2: ((CMP, FW1, CW), "client FIN: FIN_WAIT_1, server CLOSE_WAIT"),
             last - 1: ((CMP, TW, LACK), "server FIN acking the client's FIN: server "
                                          "LAST_ACK, client FIN_WAIT_2 -> TIME_WAIT"),
             last: ((CMP, TW, CLOSED), "client's last ACK: server CLOSED")}
    t0 = frames[0]["time"]
    for i, f in enumerate(frames):
        exp, note = roles.get(i, (ESTD, None))
        extra, retrans, data = None, None, bytes(f["pkt"])
        if note is None:
            note = ("client data seq=%d len=%d" % (f["seq"], f["len"]) if f["src"] == cli
                    else "server %s ack=%d" % ("data" if f["len"] else "ACK", f["ack"]))
        if i == orig:
            data = _damage_payload(f["pkt"])
            extra = {"bad_checksum": True}
            note = ("data segment damaged on the way (one payload bit flipped, the sender's "
                    "checksum kept): bad TCP checksum; the receiver discards it")
        if i == resend:
            retrans = {"original": orig + 1, "attempt": 1, "kind": "fast",
                       "cause": ["checksum_error"],
                       "note": "the original (frame %d) had a bad checksum, this re-send a "
                               "good one: damaged between sender and tap" % (orig + 1)}
            note = "fast re-send of the damaged segment after SACKed duplicate ACKs, good checksum"
        info = {"src": fmt_ep(*f["src"]), "dst": fmt_ep(*f["dst"]),
                "tcp_flags": flagstr(f["flags"]), "seq_raw": f["seq"],
                "ack_raw": f["ack"] if "A" in f["flags"] else None, "tcp_len": f["len"]}
        info["desc"] = "%s %s%s seq=%d%s" % (
            "C->S" if f["src"] == cli else "S->C", info["tcp_flags"],
            " len=%d" % f["len"] if f["len"] else "", f["seq"],
            " ack=%d" % f["ack"] if info["ack_raw"] is not None else "")
        cap.add(int(round((f["time"] - t0) * 1000000)), data, k, exp, note, info,
                retrans=retrans, extra=extra)
    return cap


# ---------------------------------------------------------------- sender-checksum

def case_sender_checksum():
    cap = Capture(
        "sender-checksum",
        "a Linux sender computes correct checksums (or leaves them to working offload); "
        "a sender whose checksum code or NIC offload is broken for some segments has to "
        "be crafted",
        "The client sends three 400-byte segments; the middle one leaves the client with "
        "a wrong TCP checksum (broken sender), so the server discards it, ACKs the first "
        "and SACKs the third. The client re-sends the middle segment three times (a fast "
        "re-send after the SACK, then two RTO re-sends 200 ms and 400 ms apart) and every "
        "copy has the same bad checksum: the sender itself is at fault (cause "
        "sender_checksum), which one damaged frame on the way cannot explain. The capture "
        "ends with the data still unacknowledged (both ESTABLISHED).")
    c, s = 0x6A11C0DE, 0x7B22D0EF
    k = cap.conn("192.0.2.10", 41600, "198.51.100.20", 80, c, s, ESTD)
    _open(k, 0.0)
    k.tx("c", "A", 4.1, ESTD, "segment 1 (400 bytes), good checksum", n=400)
    k.tx("c", "A", 4.2, ESTD, "segment 2 (400 bytes) with a WRONG TCP checksum: the "
         "server will discard it", n=400, bad_checksum=True)
    f2 = len(cap.records)
    k.tx("c", "PA", 4.3, ESTD, "segment 3 (400 bytes), good checksum", n=400)
    k.tx("s", "A", 6.2, ESTD, "server ACKs segment 1 (ack=c+401)", ack=c + 401)
    k.tx("s", "A", 6.4, ESTD, "duplicate ACK ack=c+401 with SACK c+801..c+1201: "
         "segment 3 arrived, segment 2 did not", ack=c + 401,
         opts=[("NOP", None), ("NOP", None), ("SAck", (c + 801, c + 1201))])
    for attempt, (t, kind, why) in enumerate(
            [(8.4, "fast", "fast re-send after the SACK"),
             (208.4, "rto", "RTO re-send (200 ms later)"),
             (608.4, "rto", "RTO re-send (400 ms later, backoff x2)")], 1):
        k.tx("c", "A", t, ESTD, "%s of segment 2: the same wrong checksum again; no ACK "
             "comes back" % why, n=400, seq=c + 401, bad_checksum=True,
             retrans={"original": f2, "attempt": attempt, "kind": kind,
                      "cause": ["sender_checksum"],
                      "note": "original and every re-send have a bad checksum: the sender "
                              "computes it wrongly"})
    return cap


# ---------------------------------------------------------------- syn-no-mss

def _mss(client, server, assumed, reasons=()):
    """frame truth: the MSS each side announced (or is assumed to), after this frame"""
    d = {"mss.client": client, "mss.server": server, "mss.assumed": list(assumed)}
    if reasons:
        d["mss.reasons"] = list(reasons)
    return d


def case_syn_no_mss():
    cap = Capture(
        "syn-no-mss",
        "Linux (like every current stack) always puts an MSS option on its SYN and "
        "SYN-ACK; handshakes without one come from old or embedded stacks and middleboxes "
        "that strip options, so they are crafted",
        "Three handshakes. #0 IPv4, neither SYN nor SYN-ACK carries an MSS option: each "
        "side must assume 536 (RFC 9293 / RFC 879 default for IPv4) and the data stays "
        "within it. #1 the same over IPv6: the default is 1220 (IPv6 minimum MTU 1280 - 60). "
        "#2 IPv4, the client announces 1460 but the SYN-ACK has no MSS: the client must "
        "assume 536 for the server, yet it sends a 1000-byte segment (above the peer's "
        "assumed MSS).")
    _no_mss_either_way(cap, "192.0.2.10", 41700, "198.51.100.20", 0x11AA22BB, 0x33CC44DD,
                       0.0, "IPv4", 536)
    _no_mss_either_way(cap, "2001:db8:1::10", 41701, "2001:db8:2::20", 0x55EE66FF,
                       0x77008811, 1000.0, "IPv6", 1220)
    # 2: IPv4, SYN-ACK without MSS, client sends above 536
    c, s = 0x2468ACEF, 0x13579BDE
    k = cap.conn("192.0.2.10", 41702, "198.51.100.20", 80, c, s, (CMP, TW, CLOSED),
                 label="IPv4, SYN-ACK without MSS, then a segment above 536")
    k.extra["expected_mss"] = {"client_announced": 1460, "server_announced": None,
                               "assumed": {"server": 536},
                               "reasons": ["mss_absent", "segment_above_peer_mss"]}
    k.tx("c", "S", 2000.0, (SO, SYN_SENT, LISTEN), "SYN with MSS 1460",
         opts=SYN_OPTS_V4, extra=_mss(1460, None, []))
    k.tx("s", "SA", 2002.0, (SSA, EST, SYN_RCVD), "SYN-ACK without MSS option: the client "
         "must assume 536 for the server", opts=SYN_OPTS_NO_MSS,
         extra=_mss(1460, 536, ["server"], ["mss_absent"]))
    tail = _mss(1460, 536, ["server"])
    k.tx("c", "A", 2004.0, ESTD, "final ACK: complete", extra=tail)
    k.tx("c", "PA", 2004.1, ESTD, "request, 1000 bytes in one segment: above the 536 the "
         "client had to assume for the server", n=1000,
         extra=_mss(1460, 536, ["server"], ["segment_above_peer_mss"]))
    k.tx("s", "PA", 2006.2, ESTD, "response, 200 bytes", n=200, extra=tail)
    _close(k, 2008.2, tail)
    return cap


def _no_mss_either_way(cap, cli, cport, srv, c, s, t, fam, default):
    """A handshake whose SYN and SYN-ACK carry no MSS option; data within the default."""
    k = cap.conn(cli, cport, srv, 80, c, s, (CMP, TW, CLOSED),
                 label="%s, no MSS option either way" % fam)
    k.extra["expected_mss"] = {"client_announced": None, "server_announced": None,
                               "assumed": {"client": default, "server": default},
                               "reasons": ["mss_absent"]}
    k.tx("c", "S", t, (SO, SYN_SENT, LISTEN), "%s SYN without MSS option: assume %d for the "
         "client" % (fam, default), opts=SYN_OPTS_NO_MSS,
         extra=_mss(default, None, ["client"], ["mss_absent"]))
    k.tx("s", "SA", t + 2.0, (SSA, EST, SYN_RCVD), "SYN-ACK without MSS option: assume %d "
         "for the server" % default, opts=SYN_OPTS_NO_MSS,
         extra=_mss(default, default, ["client", "server"], ["mss_absent"]))
    tail = _mss(default, default, ["client", "server"])
    k.tx("c", "A", t + 4.0, ESTD, "final ACK: complete", extra=tail)
    k.tx("c", "PA", t + 4.1, ESTD, "request, 300 bytes", n=300, extra=tail)
    k.tx("s", "PA", t + 6.2, ESTD, "response, %d bytes (exactly the assumed MSS)" % default,
         n=default, extra=tail)
    _close(k, t + 8.2, tail)


def _open(k, t):
    """plain handshake, 2 ms one-way"""
    k.tx("c", "S", t, (SO, SYN_SENT, LISTEN), "SYN")
    k.tx("s", "SA", t + 2.0, (SSA, EST, SYN_RCVD), "SYN-ACK")
    k.tx("c", "A", t + 4.0, ESTD, "final ACK: complete")


def _close(k, t, extra):
    """client acks, client-first close, 2 ms one-way"""
    k.tx("c", "FA", t, (CMP, FW1, CW), "client acks and closes: FIN_WAIT_1; server "
         "CLOSE_WAIT", extra=extra)
    k.tx("s", "FA", t + 2.0, (CMP, TW, LACK), "server FIN acking the client's FIN: server "
         "LAST_ACK; client FIN_WAIT_2 -> TIME_WAIT", extra=extra)
    k.tx("c", "A", t + 4.0, (CMP, TW, CLOSED), "client ACK: server CLOSED", extra=extra)


# ---------------------------------------------------------------- ip-duplicate

def case_ip_duplicate():
    cap = Capture(
        "ip-duplicate",
        "the lab's captures never hold the same packet twice, and the probe timings "
        "(keep-alive after hours, zero-window probes) are impractical to wait for",
        "Conversation 0: the tap records the client's request twice, 15 us apart, "
        "byte for byte (same IP ID): a capture artefact (a SPAN port mirroring both "
        "directions, or a capture on a bridge and on its port), NOT a retransmission; "
        "then, after idle periods, two keep-alives (Linux form: seq = next - 1, no data; "
        "BSD form: seq = next - 1 with one old byte), each answered by an ACK. "
        "Conversation 1: the server's window goes to zero; the client sends two "
        "zero-window probes (Linux form, seq = next - 1, no data, 200 ms then 400 ms "
        "later), the server answers each with window 0, then opens the window and the "
        "data continues at the next new byte. A probe may carry a byte already sent, but "
        "it is not a retransmission.")
    c, s = 0x0D0D0001, 0x0E0E0002
    k = cap.conn("192.0.2.10", 41800, "198.51.100.20", 80, c, s, (CMP, TW, CLOSED),
                 label="duplicate frame and keep-alives")
    _open(k, 0.0)
    req = k.tx("c", "PA", 4.1, ESTD, "request, 300 bytes", n=300)
    freq = len(cap.records)
    k.replay(4.115, "c", req, ESTD, "the same frame again 15 us later, same IP ID and "
             "bytes: captured twice, not sent twice - not a retransmission", freq,
             extra={"duplicate_of": freq})
    k.tx("s", "PA", 6.2, ESTD, "response, 500 bytes", n=500)
    k.tx("c", "A", 8.2, ESTD, "client acks the response")
    k.tx("c", "A", 60008.2, ESTD, "keep-alive after 60 s idle (Linux form): seq=c+300, one "
         "below the next byte, no data - not a retransmission", seq=c + 300,
         extra={"probe": "keepalive"})
    k.tx("s", "A", 60010.2, ESTD, "server answers the keep-alive with an ACK (ack=c+301)")
    k.tx("c", "A", 120010.2, ESTD, "keep-alive after another 60 s (BSD form): seq=c+300 "
         "with one byte of already acknowledged data - still a probe, not a "
         "retransmission", seq=c + 300, data=b"\x00",
         extra={"probe": "keepalive"})
    k.tx("s", "A", 120012.2, ESTD, "server answers with an ACK (ack=c+301)")
    _close(k, 130000.0, None)
    c, s = 0x0F0F0003, 0x10100004
    k = cap.conn("192.0.2.10", 41801, "198.51.100.20", 80, c, s, (CMP, TW, CLOSED),
                 label="zero window and zero-window probes")
    _open(k, 200000.0)
    k.tx("c", "A", 200004.1, ESTD, "client data, 1000 bytes", n=1000)
    k.tx("s", "A", 200006.1, ESTD, "server acks c+1001 with window 0: its receive buffer "
         "is full", win=0)
    for i, t in enumerate((200206.1, 200606.1), 1):
        k.tx("c", "A", t, ESTD, "zero-window probe %d (Linux form): seq=c+1000, one below "
             "the next byte, no data - not a retransmission" % i, seq=c + 1000,
             extra={"probe": "zero_window_probe"})
        k.tx("s", "A", t + 2.0, ESTD, "server: still window 0", win=0)
    k.tx("s", "A", 201000.0, ESTD, "window update: the application read, window 502")
    k.tx("c", "PA", 201002.0, ESTD, "the data continues at c+1001 (new bytes): 800 bytes",
         n=800)
    k.tx("s", "A", 201004.0, ESTD, "server acks c+1801")
    _close(k, 201010.0, None)
    return cap


CASES = [case_checksum_damaged, case_sender_checksum, case_syn_no_mss, case_ip_duplicate]
