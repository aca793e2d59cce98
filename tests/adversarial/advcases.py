"""The adversarial cases: captures a dissector must survive and still judge sensibly.

SPDX-License-Identifier: GPL-2.0-or-later

Each case builds its frames and says, next to every frame, what tcpdiag must
show after it: handshake verdict, client state, server state. These are hand
reasoning from the rules in README.md ("How states are inferred"): what an
endpoint sends is certain, what it receives is presumed delivered; a SYN
makes the server LISTEN (presumed), its SYN-ACK SYN_RECEIVED; an RST closes
both ends; a FIN is presumed delivered until the receiver's ACK number shows
otherwise; without a SYN the lower port is taken as the server; a header
quoted in an ICMP error is not a transmission, and only a destination
unreachable quoting the SYN of a connection still opening rejects it.
Documentation addresses only (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32); 10.0.0.0/8 for the flood's spoofed sources.
"""
import json
import os
import struct

import pktlib as P
from advcase import (CLIENT, SERVER, CLOSED, CLOSE_WAIT, COMPLETE, EST, FW1, FW2, LAST_ACK,
                     LISTEN, NOT_SEEN, REJECTED, SYN_ONLY, SYN_RCVD, SYN_SENT, SYN_SYNACK,
                     TIME_WAIT, UNKNOWN, T0_US, Case, Flow,
                     close_by_client, open_connection, plain, whole_connection)

M32 = 0xFFFFFFFF


# ---- SYN flood ---------------------------------------------------------------

def flood_source(i):
    """Spoofed source i: 10.0.0.0 + i + 1, port 1024 + (7i mod 64000), ISN by a hash."""
    return 0x0A000001 + i, 1024 + (i * 7) % 64000, (i * 2654435761) & M32


def write_syn_flood(outdir, count):
    """`count` SYNs from distinct spoofed sources to 198.51.100.20:80, 10 us apart.

    Written from one template with the source address, port, IP ID, ISN and
    both checksums patched per packet (ones'-complement sums are additive),
    so a million SYNs take a few seconds. Nothing answers: the tap sits where
    the SYN-ACKs do not pass (or the server is overwhelmed). Every frame is a
    new conversation: handshake syn_only, client SYN_SENT, server LISTEN
    (presumed from a SYN addressed to it; SYN_RECEIVED only after a SYN-ACK).
    """
    dst = P.addr("198.51.100.20")
    options = P.tcp_options(P.opt_mss(1460))
    tcp_len = 20 + len(options)
    ip_base = P.ones_sum(struct.pack("!BBHHHBBH", 0x45, 0, 20 + tcp_len, 0, 0x4000, 64, 6, 0) + dst)
    tcp_base = P.ones_sum(dst + struct.pack("!BBH", 0, P.PROTO_TCP, tcp_len) +
                          struct.pack("!HIIBBHHH", 80, 0, 0, (tcp_len // 4) << 4, P.SYN, 64240, 0, 0) +
                          options)
    eth = P.MAC_B + P.MAC_A + struct.pack("!H", P.ETH_IPV4)
    frame_len = 14 + 20 + tcp_len

    def fold(s):
        s = (s & 0xFFFF) + (s >> 16)
        return (s & 0xFFFF) + (s >> 16)

    pcap = os.path.join(outdir, "syn-flood.pcap")
    out = bytearray(P.PcapWriter.HEADER.pack(0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
    be = struct.Struct("!BBHHHBBH4s4sHHIIBBHHH")
    head = struct.Struct("<IIII")
    t0 = T0_US
    for i in range(count):
        src, sport, isn = flood_source(i)
        ipid = i & 0xFFFF
        src_words = (src >> 16) + (src & 0xFFFF)
        ip_sum = (~fold(ip_base + ipid + src_words)) & 0xFFFF
        tcp_sum = (~fold(tcp_base + src_words + sport + (isn >> 16) + (isn & 0xFFFF))) & 0xFFFF
        sec, usec = divmod(t0 + i * 10, 1000000)
        out += head.pack(sec, usec, frame_len, frame_len)
        out += eth
        out += be.pack(0x45, 0, 20 + tcp_len, ipid, 0x4000, 64, 6, ip_sum, src.to_bytes(4, "big"),
                       dst, sport, 80, isn, 0, (tcp_len // 4) << 4, P.SYN, 64240, tcp_sum, 0)
        out += options
    with open(pcap, "wb") as f:
        f.write(out)
    truth = {"case": "syn-flood", "title": "SYN flood: %d half-open attempts" % count,
             "story": write_syn_flood.__doc__.strip(), "file": "syn-flood.pcap",
             "frame_count": count,
             "summary": {"conversations": count, "handshakes": {"syn_only": count}},
             "every_frame": {"handshake": SYN_ONLY, "state.client": SYN_SENT, "state.server": LISTEN},
             "frames": {}}
    with open(os.path.join(outdir, "syn-flood.truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
        f.write("\n")
    return pcap


# ---- sequence numbers wrapping mid-transfer ----------------------------------

def case_seq_wrap_transfer():
    c = Case("seq-wrap-transfer", "Sequence numbers wrap around 2^32 in the middle of a transfer",
             "The server's ISN is 2^32 - 150501, so its 300 KB response crosses 2^32 inside segment "
             "150 (which is also re-sent once). The client acks every second segment. Modular comparisons must keep the connection ESTABLISHED throughout and "
             "the FINs after the wrap must be recognized as acknowledged.")
    f = Flow(c, "192.0.2.30", 43000, "198.51.100.30", 80, 0x12345678, (1 << 32) - 150501)
    open_connection(f, request=300, response=0)
    for k in range(300):
        f.send(SERVER, P.ACK, (COMPLETE, EST, EST), "response segment %d (1000 bytes)" % k,
               data=1000, dt_us=100)
        if k == 150:
            seq = (f.isn[SERVER] + 1 + 150000) & M32
            f.send(SERVER, P.ACK, (COMPLETE, EST, EST),
                   "segment 150 (seq 0x%08x, crossing 2^32) sent again: no state change" % seq,
                   data=1000, seq=seq, dt_us=200000)
        if k % 2 == 1:
            f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "client acks up to segment %d" % k, dt_us=50)
    close_by_client(f)
    c.expect_summary(1, complete=1)
    return c


# ---- the same 4-tuple many times --------------------------------------------

def case_tuple_reuse():
    c = Case("tuple-reuse", "One 4-tuple reused by 32 connections with new ISNs",
             "192.0.2.40:40000 -> 198.51.100.40:8080 thirty times, each with a new ISN (some lower "
             "than the previous one), closed in turn by the client (client TIME_WAIT), the server "
             "(server TIME_WAIT) or a server reset. A SYN on a tuple whose two ends are both "
             "CLOSED or TIME_WAIT starts a new conversation. Then a connection is abandoned "
             "without a close (the client rebooted): its new SYN (other ISN) on the ESTABLISHED "
             "conversation changes nothing, the server's challenge ACK neither, the client's RST "
             "closes both ends, and its SYN retry (same new ISN) starts conversation 32. Between "
             "the RST and that retry the client shows CLOSED (its kernel keeps the new socket in "
             "SYN_SENT: a tap cannot tell).")
    closings = ["client", "server", "reset"]
    for k in range(30):
        isn_c = (k * 0x9E3779B9 + 12345) & M32
        isn_s = (k * 0x7F4A7C15 + 999) & M32
        f = Flow(c, "192.0.2.40", 40000, "198.51.100.40", 8080, isn_c, isn_s)
        c.t_us += 100000
        whole_connection(f, closings[k % 3], request=100, response=400)
    # The abandoned connection and the reboot.
    f = Flow(c, "192.0.2.40", 40000, "198.51.100.40", 8080, 0x50000000, 0x60000000)
    c.t_us += 100000
    open_connection(f, request=100, response=400)
    old_client_nxt = f.nxt[CLIENT]
    f.send(CLIENT, P.SYN, (COMPLETE, EST, EST),
           "rebooted client: SYN with another ISN on the ESTABLISHED conversation: no change",
           seq=0x0BAD0000, dt_us=5000000)
    f.send(SERVER, P.ACK, (COMPLETE, EST, EST), "server's challenge ACK (old numbers): no change",
           ack=old_client_nxt)
    f.send(CLIENT, P.RST, (COMPLETE, CLOSED, CLOSED),
           "client RST at the challenge ACK's number: both ends CLOSED", seq=old_client_nxt, ack=0)
    retry = Flow(c, "192.0.2.40", 40000, "198.51.100.40", 8080, 0x0BAD0000, 0x70000000)
    c.t_us += 1000000
    open_connection(retry, request=100, response=400)
    close_by_client(retry)
    c.expect_summary(32, complete=32)
    return c


# ---- frames the capture duplicated, frames out of time order -----------------

def case_capture_duplicates():
    c = Case("capture-duplicates", "Every frame captured twice (same bytes, same IP ID)",
             "A SPAN port that copies both directions of a VLAN shows each packet twice, 2 us "
             "apart. Every state event is idempotent, so each copy shows the same verdict as its "
             "original. A copy of a segment that carries sequence space (SYN, SYN-ACK, data, FIN) "
             "is the duplicate_capture look-alike of its original (same IP ID, TTL and "
             "timestamp, 2 us later), never a retransmission, and a copied SYN is not a second "
             "SYN sent.")
    original = Case("scratch", "", "")
    g = Flow(original, "192.0.2.50", 45000, "198.51.100.50", 443, 0x11110000, 0x22220000)
    whole_connection(g)
    for num in sorted(original.frames, key=int):
        t_us, frame, _ = original.records[int(num) - 1]
        want = original.frames[num]
        exp = (want["handshake"], want["state.client"], want["state.server"])
        c.add(frame, exp, want["note"], t_us=t_us)
        c.add(frame, exp, "the capture's copy of the previous frame: same verdict", t_us=t_us + 2)
    c.expect_summary(1, complete=1)
    return c


def case_time_disorder():
    c = Case("time-disorder", "Frames out of time order",
             "Two capture points merged without synchronized clocks: the SYN-ACK carries a "
             "timestamp 5 ms before the SYN, a data segment is stamped an hour in the past, and a "
             "second connection has every frame at the same instant. States follow the order of "
             "the frames in the file; a handshake time that would be negative is not reported.")
    f = Flow(c, "192.0.2.55", 46000, "198.51.100.55", 80, 0x33330000, 0x44440000)
    f.send(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN), "SYN", t_us=T0_US + 10000)
    f.send(SERVER, P.SYN | P.ACK, (SYN_SYNACK, EST, SYN_RCVD), "SYN-ACK stamped 5 ms before the SYN",
           t_us=T0_US + 5000)
    f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "final ACK", t_us=T0_US + 11000)
    f.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "request stamped one hour earlier",
           data=200, t_us=T0_US + 11000 - 3600 * 1000000)
    f.send(SERVER, P.PSH | P.ACK, (COMPLETE, EST, EST), "response", data=500, t_us=T0_US + 13000)
    f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "ack", t_us=T0_US + 14000)
    close_by_client(f)
    g = Flow(c, "192.0.2.56", 46001, "198.51.100.55", 80, 0x55550000, 0x66660000)
    first = len(c.records)
    c.t_us = T0_US + 20000000
    open_connection(g)
    close_by_client(g)
    for i in range(first, len(c.records)):     # every frame of the second connection at one instant
        _, frame, captured = c.records[i]
        c.records[i] = (T0_US + 20000000, frame, captured)
    c.expect_summary(2, complete=2)
    return c


# ---- cut by the snaplen ------------------------------------------------------

def case_snaplen_truncated():
    c = Case("snaplen-truncated", "Frames cut by a 54-byte snaplen, some shorter still",
             "Captured with -s 54: every frame keeps its Ethernet, IPv4 and 20-byte TCP header, no "
             "payload and no SYN options (so MSS and window scale are unknown: no MSS finding, "
             "windows unscaled, tcpdiag.syn_options_cut on both SYNs). Segment lengths come from "
             "the IP header: the server's "
             "FIN carries 700 bytes, the client's first ACK covers only those bytes (so the FIN "
             "is still in flight: client back to ESTABLISHED then CLOSE_WAIT again, server still "
             "FIN_WAIT_1), the second acks the FIN. One frame is cut before the TCP flags (46 "
             "bytes), one inside the sequence number (40 bytes): neither changes anything "
             "(tcpdiag.header_cut, no transmission). One is "
             "cut inside the IP header (24 bytes): no TCP header at all.")
    c.snaplen = 54
    f = Flow(c, "192.0.2.60", 47000, "198.51.100.60", 80, 0x01000000, 0x90000000)
    open_connection(f, request=500, response=1460)
    f.send(SERVER, P.ACK, (COMPLETE, EST, EST), "second response segment, 1460 bytes", data=1460)
    f.send(CLIENT, P.ACK, (COMPLETE, EST, EST),
           "client ACK cut at 46 bytes: seq and ack captured, flags not: no event", captured=46)
    f.send(SERVER, P.ACK, (COMPLETE, EST, EST),
           "server data cut at 40 bytes: only the ports and half the seq: no event", data=1000,
           captured=40)
    f.send(SERVER, P.PSH | P.ACK, None, "server data cut at 24 bytes, inside the IP header: no TCP",
           data=300, captured=24)
    fin_seq = (f.nxt[SERVER] + 700) & M32
    f.send(SERVER, P.FIN | P.PSH | P.ACK, (COMPLETE, CLOSE_WAIT, FW1),
           "server FIN with 700 bytes (cut): server FIN_WAIT_1, client presumed CLOSE_WAIT", data=700)
    f.send(CLIENT, P.ACK, (COMPLETE, CLOSE_WAIT, FW1),
           "client acks the 700 bytes but not the FIN (ack = FIN's seq): the FIN had not arrived; "
           "it is still on its way, so the client is CLOSE_WAIT again after it, server FIN_WAIT_1",
           ack=fin_seq)
    f.send(CLIENT, P.ACK, (COMPLETE, CLOSE_WAIT, FW2), "client acks the FIN: server FIN_WAIT_2")
    f.send(CLIENT, P.FIN | P.ACK, (COMPLETE, LAST_ACK, TIME_WAIT),
           "client FIN: client LAST_ACK, server TIME_WAIT")
    f.send(SERVER, P.ACK, (COMPLETE, CLOSED, TIME_WAIT), "last ACK: client CLOSED")
    c.expect_summary(1, complete=1)
    return c


# ---- capture starts mid-connection ------------------------------------------

def case_midstream_start():
    c = Case("midstream-start", "The capture starts in the middle of five connections",
             "No SYN is captured: handshake not_seen, both ends UNKNOWN until each sends "
             "(sending a synchronized segment proves ESTABLISHED). The lower port is taken as "
             "the server; with equal ports, the first sender is the client. A: server data "
             "first, then a server-initiated close. B: a client ACK first, then a client reset. "
             "C: equal ports 5060. D: the first frame is a server RST (both CLOSED). E: the first "
             "frame is the client's FIN (its peer stays UNKNOWN until it answers).")
    a = Flow(c, "192.0.2.65", 51000, "198.51.100.65", 443, 0x0A000000, 0x0B000000)
    a.send(SERVER, P.PSH | P.ACK, (NOT_SEEN, UNKNOWN, EST),
           "A: server data: server ESTABLISHED (it sends synchronized data), client UNKNOWN",
           data=1000)
    a.send(CLIENT, P.ACK, (NOT_SEEN, EST, EST), "A: client ACK: client ESTABLISHED")
    a.send(SERVER, P.PSH | P.ACK, (NOT_SEEN, EST, EST), "A: server data", data=1000)
    a.send(CLIENT, P.PSH | P.ACK, (NOT_SEEN, EST, EST), "A: client data", data=100)
    a.send(SERVER, P.FIN | P.ACK, (NOT_SEEN, CLOSE_WAIT, FW1), "A: server FIN: FIN_WAIT_1 / CLOSE_WAIT")
    a.send(CLIENT, P.FIN | P.ACK, (NOT_SEEN, LAST_ACK, TIME_WAIT),
           "A: client FIN acking it: LAST_ACK; server FIN_WAIT_2 then TIME_WAIT")
    a.send(SERVER, P.ACK, (NOT_SEEN, CLOSED, TIME_WAIT), "A: last ACK: client CLOSED")
    b = Flow(c, "192.0.2.66", 52000, "198.51.100.65", 22, 0x0C000000, 0x0D000000)
    b.send(CLIENT, P.ACK, (NOT_SEEN, EST, UNKNOWN), "B: client ACK (high port): client ESTABLISHED")
    b.send(SERVER, P.PSH | P.ACK, (NOT_SEEN, EST, EST), "B: server data: server ESTABLISHED", data=48)
    b.send(CLIENT, P.RST | P.ACK, (NOT_SEEN, CLOSED, CLOSED), "B: client RST: both CLOSED")
    cc = Flow(c, "198.51.100.67", 5060, "192.0.2.67", 5060, 0x0E000000, 0x0F000000)
    cc.send(CLIENT, P.PSH | P.ACK, (NOT_SEEN, EST, UNKNOWN),
            "C: equal ports: the first sender is the client", data=400)
    cc.send(SERVER, P.ACK, (NOT_SEEN, EST, EST), "C: the peer acks: ESTABLISHED")
    d = Flow(c, "192.0.2.68", 40000, "198.51.100.68", 80, 0x10000000, 0x11000000)
    d.send(SERVER, P.RST, (NOT_SEEN, CLOSED, CLOSED), "D: a lone server RST: both CLOSED")
    e = Flow(c, "192.0.2.69", 40001, "198.51.100.69", 80, 0x12000000, 0x13000000)
    e.send(CLIENT, P.FIN | P.ACK, (NOT_SEEN, FW1, UNKNOWN),
           "E: client FIN first: FIN_WAIT_1; the server has not sent: UNKNOWN")
    e.send(SERVER, P.FIN | P.ACK, (NOT_SEEN, TIME_WAIT, LAST_ACK),
           "E: server FIN acking it: server CLOSE_WAIT then LAST_ACK; client FIN_WAIT_2 then TIME_WAIT")
    e.send(CLIENT, P.ACK, (NOT_SEEN, TIME_WAIT, CLOSED), "E: last ACK: server CLOSED")
    c.expect_summary(5, not_seen=5)
    return c


# ---- TCP quoted in ICMP errors -----------------------------------------------

ROUTER4, ROUTER6 = "203.0.113.1", "2001:db8:ffff::1"


def icmp_frame(flow, ip, icmp_type, code, length=None, rest=b"\0\0\0\0", toward=CLIENT):
    """An ICMP(v6) error from the router to `toward`, quoting an IP packet (its first `length` bytes)."""
    quote = ip if length is None else ip[:length]
    dst = flow.ends[toward][0]
    if P.is_v6(dst):
        pkt = P.ipv6(ROUTER6, dst, P.PROTO_ICMPV6, P.icmp6(ROUTER6, dst, icmp_type, code, quote, rest))
    else:
        pkt = P.ipv4(ROUTER4, dst, P.PROTO_ICMP, P.icmp4(icmp_type, code, quote, rest), ident=777)
    return flow.framing(pkt, toward == SERVER)


def case_icmp_quoted():
    c = Case("icmp-quoted", "TCP headers quoted in ICMP and ICMPv6 errors",
             "Quoted headers are not transmissions: a quoted SYN, data segment, RST or FIN never "
             "changes a state, never opens a conversation and is never a retransmission. The one "
             "ICMP event that counts is a destination unreachable quoting the SYN of a connection "
             "still opening (handshake syn_only): that rejects it (B, D; Linux drops a SYN_SENT "
             "socket on any destination unreachable). A time exceeded for a SYN, an unreachable "
             "for a SYN-ACK or for the SYN of a completed handshake change nothing.")
    a = Flow(c, "192.0.2.70", 41000, "198.51.100.70", 80, 0x20000000, 0x21000000)
    syn = a.send(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN), "A: SYN")
    c.add(icmp_frame(a, a.sent[syn], 11, 0), (SYN_ONLY, SYN_SENT, LISTEN),
          "A: time exceeded quoting the SYN: not a rejection, no change", quoted=True)
    synack = a.send(SERVER, P.SYN | P.ACK, (SYN_SYNACK, EST, SYN_RCVD), "A: SYN-ACK")
    c.add(icmp_frame(a, a.sent[synack], 3, 3, toward=SERVER), (SYN_SYNACK, EST, SYN_RCVD),
          "A: port unreachable quoting the SYN-ACK (server direction): no change", quoted=True)
    a.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "A: final ACK")
    data = a.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "A: 1200 bytes", data=1200)
    c.add(icmp_frame(a, a.sent[data], 3, 4, length=548, rest=struct.pack("!HH", 0, 1000)),
          (COMPLETE, EST, EST), "A: fragmentation needed (MTU 1000) quoting it: no change", quoted=True)
    seq = a.isn[CLIENT] + 1
    a.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "A: the data again in 952 bytes",
           data=952, seq=seq)
    a.send(SERVER, P.ACK, (COMPLETE, EST, EST), "A: server acks 952 bytes", ack=seq + 952)
    rst = a.ip_packet(CLIENT, a.segment(CLIENT, P.RST, seq=seq + 952, ack=0))
    c.add(icmp_frame(a, rst, 3, 1), (COMPLETE, EST, EST),
          "A: host unreachable quoting an RST: a quoted RST closes nothing", quoted=True)
    c.add(icmp_frame(a, a.sent[syn], 3, 3), (COMPLETE, EST, EST),
          "A: port unreachable quoting the original SYN after the handshake completed: no change",
          quoted=True)
    fin = a.send(CLIENT, P.FIN | P.ACK, (COMPLETE, FW1, CLOSE_WAIT), "A: client FIN",
                 seq=seq + 1200)
    c.add(icmp_frame(a, a.sent[fin], 3, 13, length=28), (COMPLETE, FW1, CLOSE_WAIT),
          "A: admin prohibited quoting the FIN's first 8 bytes (flags not quoted): no change",
          quoted=True)
    a.send(SERVER, P.FIN | P.ACK, (COMPLETE, TIME_WAIT, LAST_ACK), "A: server FIN")
    a.send(CLIENT, P.ACK, (COMPLETE, TIME_WAIT, CLOSED), "A: last ACK")
    stray = Flow(c, "192.0.2.71", 42000, "198.51.100.70", 81, 0x22000000, 0)
    stray_syn = stray.ip_packet(CLIENT, stray.segment(CLIENT, P.SYN))
    c.add(icmp_frame(stray, stray_syn, 3, 3), None,
          "port unreachable quoting a SYN never captured: no conversation, no verdict", quoted=True)

    b = Flow(c, "192.0.2.72", 43000, "198.51.100.70", 25, 0x23000000, 0)
    bsyn = b.send(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN), "B: SYN")
    c.add(icmp_frame(b, b.sent[bsyn], 3, 3, length=28), (REJECTED, CLOSED, CLOSED),
          "B: port unreachable quoting the SYN's first 8 bytes (its ISN): rejected, both CLOSED",
          quoted=True, evidence=bsyn)

    v6 = Flow(c, "2001:db8:1::10", 44000, "2001:db8:2::20", 443, 0x24000000, 0x25000000)
    syn6 = v6.send(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN), "C: IPv6 SYN")
    c.add(icmp_frame(v6, v6.sent[syn6], 3, 0), (SYN_ONLY, SYN_SENT, LISTEN),
          "C: ICMPv6 time exceeded quoting the SYN: no change", quoted=True)
    v6.send(SERVER, P.SYN | P.ACK, (SYN_SYNACK, EST, SYN_RCVD), "C: SYN-ACK")
    v6.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "C: final ACK")
    d6 = v6.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "C: 1400 bytes", data=1400)
    c.add(icmp_frame(v6, v6.sent[d6], 2, 0, length=1232, rest=struct.pack("!I", 1280)), (COMPLETE, EST, EST),
          "C: packet too big (MTU 1280) quoting it: no change", quoted=True)
    c.add(icmp_frame(v6, v6.sent[d6], 1, 4, length=1232), (COMPLETE, EST, EST),
          "C: ICMPv6 port unreachable quoting data, not a SYN: no change", quoted=True)
    v6.send(CLIENT, P.RST | P.ACK, (COMPLETE, CLOSED, CLOSED), "C: client RST")

    def in_gre(ip, to_server):
        outer = P.ipv4("203.0.113.50", "203.0.113.60", P.PROTO_GRE, P.gre(ip, P.ETH_IPV4), ident=5)
        return plain(outer, to_server)
    d = Flow(c, "192.0.2.73", 45000, "198.51.100.73", 80, 0x26000000, 0x27000000, framing=in_gre)
    dsyn = d.send(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN), "D: SYN inside GRE")
    c.add(icmp_frame(d, d.sent[dsyn], 3, 0), (REJECTED, CLOSED, CLOSED),
          "D: net unreachable (soft) inside GRE quoting the SYN: rejected (Linux aborts SYN_SENT)",
          quoted=True, evidence=dsyn)
    d.send(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN),
           "D: the SYN retried with the same ISN: the same attempt, open again", seq=d.isn[CLIENT],
           dt_us=1000000)
    d.send(SERVER, P.SYN | P.ACK, (SYN_SYNACK, EST, SYN_RCVD), "D: SYN-ACK")
    d.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "D: final ACK")
    c.expect_summary(4, complete=3, rejected=1)
    return c


# ---- tunnels -----------------------------------------------------------------

def outer4(proto, payload, to_server, ident=9):
    src, dst = ("203.0.113.10", "203.0.113.20") if to_server else ("203.0.113.20", "203.0.113.10")
    return P.ipv4(src, dst, proto, payload, ident=ident)


def tunnel_framings():
    """name -> framing function (inner IP packet, direction) -> Ethernet frame."""
    def ipip(ip, up):
        proto = P.PROTO_IPV6 if ip[0] >> 4 == 6 else P.PROTO_IPIP
        return plain(outer4(proto, ip, up), up)

    def gre_keyed(ip, up):
        return plain(outer4(P.PROTO_GRE, P.gre(ip, P.ethertype_of(ip), key=42, sequence=7), up), up)

    def vlan(ip, up):
        return P.ether(ip, P.ethertype_of(ip), up, vlans=[(P.ETH_VLAN, 100)])

    def qinq(ip, up):
        return P.ether(ip, P.ethertype_of(ip), up, vlans=[(P.ETH_QINQ, 200), (P.ETH_VLAN, 100)])

    def vxlan_with(vni):
        def frame(ip, up):
            inner = P.ether(ip, P.ethertype_of(ip), up, vlans=[(P.ETH_VLAN, 30)])
            src, dst = ("203.0.113.30", "203.0.113.40") if up else ("203.0.113.40", "203.0.113.30")
            return plain(P.ipv4(src, dst, P.PROTO_UDP, P.udp(src, dst, 49152, 4789, P.vxlan(vni, inner))), up)
        return frame

    def nested(ip, up):
        inner = P.ether(ip, P.ethertype_of(ip), up)
        src, dst = ("203.0.113.70", "203.0.113.80") if up else ("203.0.113.80", "203.0.113.70")
        vx = P.ipv4(src, dst, P.PROTO_UDP, P.udp(src, dst, 49153, 4789, P.vxlan(9, inner)))
        outer = outer4(P.PROTO_GRE, P.gre(vx, P.ETH_IPV4), up)
        return P.ether(outer, P.ETH_IPV4, up, vlans=[(P.ETH_VLAN, 10)])

    return [("IPv4 in IPv4", ipip, "4"), ("IPv6 in IPv4 (6in4)", ipip, "6"),
            ("GRE with key and sequence number", gre_keyed, "4"), ("IPv6 in GRE", gre_keyed, "6"),
            ("802.1Q VLAN 100", vlan, "4"), ("802.1ad QinQ 200/100", qinq, "4"),
            ("VXLAN VNI 5001 with an inner VLAN", vxlan_with(5001), "4"),
            ("VLAN / IPv4 / GRE / IPv4 / VXLAN / IPv6", nested, "6"),
            ("tenant 1: VXLAN VNI 7001", vxlan_with(7001), "4-same"),
            ("tenant 2: VXLAN VNI 7002, the same inner 4-tuple", vxlan_with(7002), "4-same")]


def case_tunnels():
    c = Case("tunnels", "TCP in IP-in-IP, 6in4, GRE, VLAN, QinQ, VXLAN and nested tunnels",
             "One whole connection (handshake, request, response, client close) in each "
             "encapsulation; the innermost IP and TCP headers are the connection. The last two "
             "are two tenants whose VXLAN networks use the same inner addresses and ports: one "
             "after the other, so the second SYN (new ISN, both ends of the first CLOSED or "
             "TIME_WAIT) starts a new conversation. tcpdiag, like Wireshark's tcp.stream, keys "
             "conversations by addresses and ports only: overlapping tenants at the same moment "
             "would be merged.")
    for i, (label, framing, family) in enumerate(tunnel_framings()):
        if family == "6":
            cli, srv = "2001:db8:1::%x" % (0x80 + i), "2001:db8:2::%x" % (0x80 + i)
        elif family == "4-same":
            cli, srv = "192.0.2.99", "198.51.100.99"
        else:
            cli, srv = "192.0.2.%d" % (80 + i), "198.51.100.%d" % (80 + i)
        cport = 40099 if family == "4-same" else 40080 + i
        f = Flow(c, cli, cport, srv, 80, (0x30000000 + i * 0x01000000) & M32, 0x40000000 + i, framing)
        c.t_us += 100000
        whole_connection(f)
    c.expect_summary(10, complete=10)
    return c


# ---- IPv6 extension headers and fragments -------------------------------------

def case_ipv6_extension_headers():
    c = Case("ipv6-extension-headers", "IPv6 with hop-by-hop, destination options, routing and "
             "fragment headers",
             "Every packet of one connection carries other extension headers before TCP; one "
             "response is split into two fragments, another into two fragments sent in reverse "
             "order. Wireshark reassembles them: the frame of the first fragment to arrive shows "
             "no TCP, the frame that completes the datagram shows the segment. The verdicts are "
             "those of an ordinary connection.")
    cli, srv = "2001:db8:1::90", "2001:db8:2::90"
    f = Flow(c, cli, 46000, srv, 80, 0x50000000, 0x51000000)
    hbh = lambda nh: P.ext_options(nh, bytes([5, 2, 0, 0]))            # router alert
    dst = lambda nh: P.ext_options(nh, bytes([0x1E, 4, 1, 2, 3, 4]))   # an unknown, skippable option

    def send_ext(who, flags, exp, note, chain, data=0, **kw):
        seg = f.segment(who, flags, data, **kw)
        ext, nh = b"", P.PROTO_TCP
        for build in reversed(chain):
            ext = build(nh) + ext
            nh = {hbh: P.EXT_HOP, dst: P.EXT_DSTOPTS}.get(build, getattr(build, "code", None))
        src, dest = f.ends[who][0], f.ends[f.peer(who)][0]
        return f.send_ip(P.ipv6(src, dest, nh, ext + seg), who, exp, note)

    def srh(nh):
        return P.ext_routing_srh(nh, ["2001:db8:3::1", srv])
    srh.code = P.EXT_ROUTING

    def atomic(nh):
        return P.ext_fragment(nh, 0, False, 0x1234)
    atomic.code = P.EXT_FRAGMENT

    send_ext(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN), "SYN with hop-by-hop (router alert)", [hbh])
    send_ext(SERVER, P.SYN | P.ACK, (SYN_SYNACK, EST, SYN_RCVD), "SYN-ACK with destination options", [dst])
    send_ext(CLIENT, P.ACK, (COMPLETE, EST, EST),
             "final ACK with hop-by-hop, destination options, segment routing header", [hbh, dst, srh])
    send_ext(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "request in an atomic fragment", [atomic], data=300)

    def fragmented(ident, size, reverse):
        seg = f.segment(SERVER, P.PSH | P.ACK, size)
        cut = 1448
        parts = [(0, True, seg[:cut]), (cut, False, seg[cut:])]
        if reverse:
            parts.reverse()
        nums = []
        for i, (off, more, chunk) in enumerate(parts):
            pkt = P.ipv6(srv, cli, P.EXT_FRAGMENT, P.ext_fragment(P.PROTO_TCP, off, more, ident) + chunk)
            last = i == len(parts) - 1
            nums.append(f.send_ip(pkt, SERVER, (COMPLETE, EST, EST) if last else None,
                                  "fragment %s of a %d-byte response%s" % (
                                      "2/2" if off else "1/2", size,
                                      ": datagram complete, the segment is analysed" if last
                                      else ": no TCP yet")))
        return nums
    fragmented(0xA1, 2500, False)
    send_ext(CLIENT, P.ACK, (COMPLETE, EST, EST), "client ACK", [])
    fragmented(0xA2, 2000, True)
    send_ext(CLIENT, P.ACK, (COMPLETE, EST, EST),
             "client ACK with destination options before hop-by-hop (out of order)", [dst, hbh])
    send_ext(CLIENT, P.FIN | P.ACK, (COMPLETE, FW1, CLOSE_WAIT), "client FIN with hop-by-hop", [hbh])
    send_ext(SERVER, P.FIN | P.ACK, (COMPLETE, TIME_WAIT, LAST_ACK), "server FIN", [dst])
    send_ext(CLIENT, P.ACK, (COMPLETE, TIME_WAIT, CLOSED), "last ACK in an atomic fragment", [atomic])
    c.expect_summary(1, complete=1)
    return c


def case_ipv4_fragments():
    c = Case("ipv4-fragments", "TCP segments in IPv4 fragments: reassembled, lost, overlapping",
             "A 2000-byte request goes in two fragments (reassembled: the second frame shows the "
             "segment; tcpdiag already analyses the TCP header in the first fragment). The next one "
             "loses its second fragment: Wireshark never shows TCP for it, tcpdiag counts its first "
             "fragment as the transmission, and the client resends the bytes in two unfragmented "
             "segments. A third datagram has "
             "overlapping fragments with conflicting bytes (a classic evasion); whether Wireshark "
             "shows the segment or not, nothing changes state. Then an ordinary close.")
    f = Flow(c, "192.0.2.95", 47500, "198.51.100.95", 80, 0x60000000, 0x61000000)
    open_connection(f, request=0, response=0)

    def frags(seg, pieces, ident, exps):
        for (off, more, lo, hi), (exp, note, optional) in zip(pieces, exps):
            pkt = P.ipv4("192.0.2.95", "198.51.100.95", P.PROTO_TCP, seg[lo:hi], ident=ident,
                         dont_fragment=False, frag_offset=off, more_fragments=more)
            f.send_ip(pkt, CLIENT, exp, note, optional=optional)
    first = f.segment(CLIENT, P.PSH | P.ACK, 2000)
    frags(first, [(0, True, 0, 1480), (1480, False, 1480, len(first))], 0x0101,
          [((COMPLETE, EST, EST), "fragment 1/2: Wireshark shows no TCP yet, tcpdiag analyses the TCP "
                                  "header it carries (the transmission); no state change", False),
           ((COMPLETE, EST, EST), "fragment 2/2: the 2000-byte request", False)])
    f.send(SERVER, P.ACK, (COMPLETE, EST, EST), "server acks it")
    start = f.nxt[CLIENT]
    lost = f.segment(CLIENT, P.PSH | P.ACK, 2000)
    frags(lost, [(0, True, 0, 1480)], 0x0102,
          [((COMPLETE, EST, EST), "fragment 1/2 (2/2 never comes): its TCP header is the transmission; "
                                  "the re-sent bytes below are retransmissions (ip_fragment_lost)", False)])
    f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "the bytes again: 1000", data=1000, seq=start,
           dt_us=300000)
    f.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "and 1000 more", data=1000, seq=start + 1000)
    f.send(SERVER, P.ACK, (COMPLETE, EST, EST), "server acks them")
    bad = f.segment(CLIENT, P.PSH | P.ACK, 1000)
    clash = bad[:1000] + bytes(b ^ 0xFF for b in bad[1000:])
    frags(clash, [(0, True, 0, 1008), (1000, False, 1000, len(clash))], 0x0103,
          [((COMPLETE, EST, EST), "overlapping fragment 1/2: its TCP header is analysed, no state change", False),
           ((COMPLETE, EST, EST), "overlapping fragment 2/2 with other bytes in the overlap", True)])
    f.send(SERVER, P.ACK, (COMPLETE, EST, EST), "server acks")
    close_by_client(f)
    c.expect_summary(1, complete=1)
    return c


# ---- malformed TCP options and header lengths --------------------------------

def case_malformed_tcp_options():
    c = Case("malformed-tcp-options", "Malformed TCP options and header lengths",
             "One connection whose segments carry broken options: an MSS option of length 3, an "
             "option of length 0 (a parser that does not stop loops forever), an option running "
             "past the header, 40 bytes of NOPs, a data offset of 15 words in a 20-byte header, "
             "a data offset of 3 words (below the minimum of 5) on a pure ACK, unknown kinds, "
             "a window scale of 255, an MSS of 0 and an MSS on a FIN. The flags, sequence and "
             "acknowledgment numbers are intact, so the verdicts are an ordinary connection's.")
    f = Flow(c, "192.0.2.100", 48000, "198.51.100.100", 80, 0x70000000, 0x71000000)
    f.send(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN), "SYN, MSS option of length 3",
           options=bytes([2, 3, 5, 1]))
    f.send(SERVER, P.SYN | P.ACK, (SYN_SYNACK, EST, SYN_RCVD), "SYN-ACK, option of length 0",
           options=bytes([8, 0, 1, 1, 2, 4, 5, 0xB4]))
    f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "final ACK, SACK option of length 30 in 12 bytes",
           options=bytes([1, 1, 5, 30]) + bytes(8))
    f.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "request with 40 bytes of NOPs",
           data=200, options=bytes([1]) * 40)
    f.send(SERVER, P.PSH | P.ACK, (COMPLETE, EST, EST),
           "response with data offset 15 (60 bytes) but a 20-byte header and 400 bytes of data",
           data=400, tcp_kw={"data_offset": 15})
    f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "pure ACK with data offset 3 (12 bytes, bogus)",
           tcp_kw={"data_offset": 3})
    f.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST),
           "data with kind 253 len 2, timestamps of length 9, window scale 255, EOL then junk",
           data=100, options=P.tcp_options(bytes([253, 2, 8, 9]) + bytes(7) + bytes([3, 3, 255, 0, 0xDE, 0xAD])))
    f.send(SERVER, P.FIN | P.ACK, (COMPLETE, CLOSE_WAIT, FW1), "server FIN, SACK of length 11",
           options=bytes([5, 11]) + bytes(9) + bytes([1]))
    f.send(CLIENT, P.FIN | P.ACK, (COMPLETE, LAST_ACK, TIME_WAIT), "client FIN with MSS 0",
           options=P.tcp_options(P.opt_mss(0)))
    f.send(SERVER, P.ACK, (COMPLETE, CLOSED, TIME_WAIT), "last ACK")
    c.expect_summary(1, complete=1)
    return c


# ---- zero-length and maximum-length segments ---------------------------------

def case_segment_sizes():
    c = Case("segment-sizes", "Zero-length and maximum-length segments",
             "IPv4: zero-length PSH and URG segments, then the largest IPv4 segment (total "
             "length 65535: 65495 bytes of TCP payload). IPv6: the largest segment without a "
             "jumbogram (payload length 65535) and a 70000-byte jumbogram (payload length 0, "
             "hop-by-hop jumbo option). Then an IPv4 packet with protocol TCP and no TCP bytes "
             "at all (total length 20, Ethernet padding after it): there is no TCP header, so "
             "no verdict and no conversation.")
    f = Flow(c, "192.0.2.110", 49000, "198.51.100.110", 80, 0x72000000, 0x73000000)
    open_connection(f, request=0, response=0)
    f.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "zero-length PSH")
    f.send(SERVER, P.ACK, (COMPLETE, EST, EST), "65495 bytes: IPv4 total length 65535", data=65495)
    f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "client acks them")
    f.send(CLIENT, P.URG | P.ACK, (COMPLETE, EST, EST), "zero-length URG")
    close_by_client(f)
    g = Flow(c, "2001:db8:1::110", 49001, "2001:db8:2::110", 80, 0x74000000, 0x75000000)
    open_connection(g, request=0, response=0)
    g.send(SERVER, P.ACK, (COMPLETE, EST, EST), "65515 bytes: IPv6 payload length 65535", data=65515)
    seg = g.segment(SERVER, P.ACK, 70000)
    jumbo = P.ext_options(P.PROTO_TCP, bytes([0xC2, 4]) + struct.pack("!I", 8 + len(seg)))
    g.send_ip(P.ipv6("2001:db8:2::110", "2001:db8:1::110", P.EXT_HOP, jumbo + seg, payload_length=0),
              SERVER, (COMPLETE, EST, EST), "a 70000-byte jumbogram")
    g.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "client acks everything")
    g.send(SERVER, P.RST | P.ACK, (COMPLETE, CLOSED, CLOSED), "server RST")
    empty = P.ipv4("192.0.2.111", "198.51.100.111", P.PROTO_TCP, b"", ident=1)
    c.add(P.ether(empty + bytes(26), P.ETH_IPV4), None,
          "IPv4 protocol 6 with no TCP bytes, 26 bytes of Ethernet padding: no TCP header")
    short = P.tcp("192.0.2.112", "198.51.100.112", 40000, 80, 1, 0, P.SYN)
    cut = P.ipv4("192.0.2.112", "198.51.100.112", P.PROTO_TCP, short, ident=2, total_length=30)
    c.add(P.ether(cut, P.ETH_IPV4), None,
          "IPv4 total length 30: 10 bytes of TCP (the flags lie beyond the datagram): no verdict",
          optional=True)
    c.expect_summary(2, complete=2)
    return c


CASES = {
    "seq-wrap-transfer": case_seq_wrap_transfer,
    "tuple-reuse": case_tuple_reuse,
    "capture-duplicates": case_capture_duplicates,
    "time-disorder": case_time_disorder,
    "snaplen-truncated": case_snaplen_truncated,
    "midstream-start": case_midstream_start,
    "icmp-quoted": case_icmp_quoted,
    "tunnels": case_tunnels,
    "ipv6-extension-headers": case_ipv6_extension_headers,
    "ipv4-fragments": case_ipv4_fragments,
    "malformed-tcp-options": case_malformed_tcp_options,
    "segment-sizes": case_segment_sizes,
}
ALL = ["syn-flood"] + list(CASES)
