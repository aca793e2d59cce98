"""One adversarial case being written: frames, expected verdicts, connections.

SPDX-License-Identifier: GPL-2.0-or-later

A Case collects frames and, for each, what tcpdiag must say after it (hand
reasoning, written by the case next to the packet). A Flow is one TCP
connection as the tap sees it: it keeps both sides' next sequence numbers
and IP IDs and frames its packets (plain Ethernet or a tunnel).
"""
import json
import os

import pktlib as P

T0_US = 1700000000 * 1000000   # 2023-11-14 22:13:20 UTC; every case starts here

# Verdict vocabulary, as tcpdiag prints it.
NOT_SEEN, SYN_ONLY, SYN_SYNACK, COMPLETE, REJECTED = (
    "not_seen", "syn_only", "syn_synack", "complete", "rejected")
UNKNOWN, CLOSED, LISTEN, SYN_SENT, SYN_RCVD, EST = (
    "UNKNOWN", "CLOSED", "LISTEN", "SYN_SENT", "SYN_RECEIVED", "ESTABLISHED")
FW1, FW2, CLOSE_WAIT, LAST_ACK, TIME_WAIT = (
    "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT")

CLIENT, SERVER = "c", "s"


class Case:
    def __init__(self, name, title, story):
        self.name = name
        self.title = title
        self.story = story
        self.records = []       # (t_us, frame bytes, captured length or None)
        self.frames = {}        # "N" -> expectation
        self.t_us = T0_US
        self.snaplen = 262144
        self.summary = None

    def add(self, frame, exp, note, dt_us=1000, t_us=None, captured=None, quoted=False,
            optional=False, evidence=None):
        """Append a frame. exp = (handshake, client state, server state) after it,
        or None when the frame must carry no tcpdiag verdict at all."""
        self.t_us = t_us if t_us is not None else self.t_us + dt_us
        self.records.append((self.t_us, frame, captured))
        n = len(self.records)
        want = {"note": note}
        if exp is None:
            want["tcpdiag"] = False
        else:
            want.update({"handshake": exp[0], "state.client": exp[1], "state.server": exp[2]})
        if quoted:
            want["quoted"] = True
        if optional:
            want["optional"] = True     # Wireshark may or may not show TCP here
        if evidence:
            want["evidence"] = evidence
        self.frames[str(n)] = want
        return n

    def expect_summary(self, conversations, **handshakes):
        """What `-z tcpdiag,summary` counts: conversations and final handshakes."""
        self.summary = {"conversations": conversations, "handshakes": handshakes}

    def write(self, outdir):
        pcap = os.path.join(outdir, self.name + ".pcap")
        w = P.PcapWriter(pcap, self.snaplen)
        for t_us, frame, captured in self.records:
            w.write(t_us, frame, captured)
        w.close()
        truth = {"case": self.name, "title": self.title, "story": self.story,
                 "file": self.name + ".pcap", "frame_count": len(self.records),
                 "summary": self.summary, "frames": self.frames}
        with open(os.path.join(outdir, self.name + ".truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
            f.write("\n")
        return pcap


def plain(ip_packet, to_server):
    return P.ether(ip_packet, P.ethertype_of(ip_packet), to_server)


class Flow:
    """One TCP connection: client and server endpoints, ISNs, framing."""

    def __init__(self, case, client, cport, server, sport, cisn, sisn, framing=plain):
        self.case = case
        self.ends = {CLIENT: (client, cport), SERVER: (server, sport)}
        self.nxt = {CLIENT: cisn, SERVER: sisn}
        self.isn = {CLIENT: cisn, SERVER: sisn}
        self.ipid = {CLIENT: (cport * 31) & 0xFFFF, SERVER: (sport * 17 + 1000) & 0xFFFF}
        self.framing = framing
        self.sent = {}          # frame number -> IP packet (for ICMP quotes, duplicates)

    def peer(self, who):
        return SERVER if who == CLIENT else CLIENT

    def ip_packet(self, who, seg_bytes, ident=None):
        src, dst = self.ends[who][0], self.ends[self.peer(who)][0]
        if P.is_v6(src):
            return P.ipv6(src, dst, P.PROTO_TCP, seg_bytes)
        if ident is None:
            ident = self.ipid[who]
            self.ipid[who] = (ident + 1) & 0xFFFF
        return P.ipv4(src, dst, P.PROTO_TCP, seg_bytes, ident=ident)

    def segment(self, who, flags, data=0, seq=None, ack=None, options=None, **tcp_kw):
        """TCP bytes from `who`; advances its next sequence number."""
        payload = data if isinstance(data, bytes) else bytes((i * 7 + 13) & 0xFF for i in range(data))
        if seq is None:
            seq = self.nxt[who]
        if ack is None:
            ack = self.nxt[self.peer(who)] if flags & P.ACK else 0
        if options is None:
            options = P.SYN_OPTIONS if flags & P.SYN else b""
        end = (seq + len(payload) + (1 if flags & P.SYN else 0) + (1 if flags & P.FIN else 0)) & 0xFFFFFFFF
        if (end - self.nxt[who]) & 0xFFFFFFFF < 0x80000000:
            self.nxt[who] = end
        src, dst = self.ends[who][0], self.ends[self.peer(who)][0]
        return P.tcp(src, dst, self.ends[who][1], self.ends[self.peer(who)][1], seq, ack, flags,
                     payload, options, **tcp_kw)

    def send(self, who, flags, exp, note, data=0, seq=None, ack=None, options=None,
             dt_us=1000, t_us=None, captured=None, tcp_kw=None):
        ip = self.ip_packet(who, self.segment(who, flags, data, seq, ack, options, **(tcp_kw or {})))
        n = self.case.add(self.framing(ip, who == CLIENT), exp, note, dt_us=dt_us, t_us=t_us,
                          captured=captured)
        self.sent[n] = ip
        return n

    def send_ip(self, ip, who, exp, note, dt_us=1000, **kw):
        """A prepared IP packet (fragments, odd headers) framed like this flow's."""
        return self.case.add(self.framing(ip, who == CLIENT), exp, note, dt_us=dt_us, **kw)

    def endpoint(self, who):
        addr, port = self.ends[who]
        return ("[%s]:%d" % (addr, port)) if P.is_v6(addr) else ("%s:%d" % (addr, port))


# ---- the ordinary connection, reasoned once ----------------------------------

def open_connection(f, request=200, response=1000):
    """SYN, SYN-ACK, ACK, a request and a response, and the client's ACK."""
    f.send(CLIENT, P.SYN, (SYN_ONLY, SYN_SENT, LISTEN),
           "SYN: client SYN_SENT, server presumed LISTEN")
    f.send(SERVER, P.SYN | P.ACK, (SYN_SYNACK, EST, SYN_RCVD),
           "SYN-ACK acking ISN+1: client ESTABLISHED, server SYN_RECEIVED")
    f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "final ACK of server ISN+1: complete")
    if request:
        f.send(CLIENT, P.PSH | P.ACK, (COMPLETE, EST, EST), "request, %d bytes" % request,
               data=request)
    if response:
        f.send(SERVER, P.PSH | P.ACK, (COMPLETE, EST, EST), "response, %d bytes" % response,
               data=response)
        f.send(CLIENT, P.ACK, (COMPLETE, EST, EST), "client acks the response")


def close_by_client(f, hs=COMPLETE):
    """Client FIN, server FIN-ACK covering it, client's last ACK."""
    f.send(CLIENT, P.FIN | P.ACK, (hs, FW1, CLOSE_WAIT),
           "client FIN: FIN_WAIT_1; server presumed to have received it: CLOSE_WAIT")
    f.send(SERVER, P.FIN | P.ACK, (hs, TIME_WAIT, LAST_ACK),
           "server FIN acking the client's FIN: server LAST_ACK; client FIN_WAIT_2 then TIME_WAIT")
    f.send(CLIENT, P.ACK, (hs, TIME_WAIT, CLOSED), "last ACK: server LAST_ACK -> CLOSED")


def close_by_server(f, hs=COMPLETE):
    f.send(SERVER, P.FIN | P.ACK, (hs, CLOSE_WAIT, FW1),
           "server FIN: FIN_WAIT_1; client presumed CLOSE_WAIT")
    f.send(CLIENT, P.FIN | P.ACK, (hs, LAST_ACK, TIME_WAIT),
           "client FIN acking the server's: client LAST_ACK; server FIN_WAIT_2 then TIME_WAIT")
    f.send(SERVER, P.ACK, (hs, CLOSED, TIME_WAIT), "last ACK: client LAST_ACK -> CLOSED")


def reset_by_server(f, hs=COMPLETE):
    f.send(SERVER, P.RST | P.ACK, (hs, CLOSED, CLOSED),
           "server RST: both ends CLOSED (the handshake verdict stays)")


CLOSINGS = {"client": close_by_client, "server": close_by_server, "reset": reset_by_server}


def whole_connection(f, closing="client", request=200, response=1000):
    open_connection(f, request, response)
    CLOSINGS[closing](f)
