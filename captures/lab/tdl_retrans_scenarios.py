"""tdl_retrans_scenarios.py - lab scenarios 21-29: data retransmissions with a known cause.

SPDX-License-Identifier: GPL-2.0-or-later

Each scenario injects one impairment on the router (nft rules in the forward chain, so the
loss happens between the two capture points) and records in truth.json "expected_retrans"
what that impairment was: the cause a perfect analyzer should name for the re-sends.
Registered into tcpdiag-lab's scenario table on import.
"""
import time

from tdl_lab import CLI4, CLI6, SRV4, SRV6, Scenario, addr, scenario, simple

ORDER = ["drop-nth", "tail-drop", "blackout-rto", "loss-1pct", "loss-10pct", "ipv6-loss",
         "server-data-loss", "pmtu-blackhole", "give-up"]

C2S_LOST = "between client-side and server-side capture (router nft forward drop)"
S2C_LOST = "between server-side and client-side capture (router nft forward drop)"
MSS_V4, MSS_V6 = 1460, 1440


def counter_is(s, chain, handle, want, what):
    """post-check: the rule's packet counter must be exactly `want`."""
    key = s.counter_key(chain, handle)

    def check(truth):
        got = truth["nft_counters"].get(key, truth["nft_counters"].get(key + " (removed)"))
        if got is None or got["packets"] != want:
            raise RuntimeError("%s: nft counter %s = %s, wanted %d" % (s.name, key, got, want))
        return ["nft counter of the %s rule: exactly %d packet(s) dropped (checked)" % (what, want)]
    return check


def counter_seen(s, chain, handle, what):
    key = s.counter_key(chain, handle)

    def check(truth):
        got = truth["nft_counters"].get(key, truth["nft_counters"].get(key + " (removed)"))
        if not got or not got["packets"]:
            raise RuntimeError("%s: the %s rule dropped nothing" % (s.name, what))
        return ["the %s rule dropped %d packets (nft counter)" % (what, got["packets"])]
    return check


def random_loss(s, match, sender, pct, mss, tbf_dev=None):
    """nft numgen drop of ~pct% of the packets matching `match` (the sender's data)."""
    direction = "client->server" if sender == "client" else "server->client"
    h = s.nft("%s numgen random mod 100 < %d counter drop" % (match, pct), direction,
              "drop ~%d%% of the %s's data segments at random" % (pct, sender))
    s.post_checks.append(counter_seen(s, "forward", h, "random drop"))
    if tbf_dev:
        s.tbf(tbf_dev, "20mbit", "5000", "300000", direction,
              "20 Mbit/s (spreads the transfer; no tbf drops intended)")
    s.expect_retrans(sender, "segment_lost", C2S_LOST if sender == "client" else S2C_LOST,
                     "~%d%% of the %s's data segments dropped at random by the router"
                     % (pct, sender))
    s.expect_mss(mss, mss, [])


def _drop_one(name, port, desc, expect, nth, request, note):
    """Drop exactly the nth client->server packet of the connection (conntrack's count in
    the original direction includes SYN and the final ACK: data segment k is packet k+2)."""
    s = Scenario(name, desc, expect)
    s.start()
    s.sysctl("router", "net.netfilter.nf_conntrack_acct", 1)
    h = s.nft("ip saddr %s tcp sport 400%d tcp dport 50%d ct original packets %d counter drop"
              % (CLI4, port, port, nth), "client->server",
              "drop exactly the connection's packet #%d client->server (data segment #%d)"
              % (nth, nth - 2))
    s.post_checks.append(counter_is(s, "forward", h, 1, "ct original packets %d" % nth))
    s.expect_retrans("client", "segment_lost", C2S_LOST, note)
    s.expect_mss(MSS_V4, MSS_V4, [])
    simple(s, 5000 + port, 40000 + port, ["send:%d" % request, "recv:100", "close"],
           ["recv:%d" % request, "send:100", "eof", "close"])
    return s.finish()


@scenario
def drop_nth():
    return _drop_one(
        "drop-nth", 21,
        "Client sends a 30000-byte request (21 segments of 1448 bytes + 1016), reads a "
        "100-byte reply and closes first. The router drops exactly one packet: the "
        "connection's 8th client->server packet (nft `ct original packets 8`: SYN, final ACK, "
        "then data segment #6, seq 7241 relative). Everything else passes.",
        "Expect: handshake complete; one data segment present in client-side.pcapng and "
        "missing from server-side.pcapng; the segments behind it arrive (SACK blocks) and the "
        "client re-sends it once (SACK/RACK fast retransmit, no RTO): client TcpRetransSegs=1. "
        "ss at the end: client TIME-WAIT, server LISTEN only.",
        8, 30000,
        "one data segment (connection packet #8 = data segment #6) dropped by the router; "
        "later segments arrive and are SACKed, so the client re-sends it once")


@scenario
def tail_drop():
    return _drop_one(
        "tail-drop", 22,
        "Client sends an 11584-byte request (exactly 8 segments of 1448 bytes, all in the "
        "initial window) and waits for a 100-byte reply; the router drops the LAST data "
        "segment (connection packet #10: SYN, ACK, data 1..8). No data follows it, so no "
        "duplicate ACK / SACK can signal the loss.",
        "Expect: handshake complete; the last data segment is missing from "
        "server-side.pcapng; the client re-sends it as a tail loss probe (TLP: client "
        "TCPLossProbes=1, TCPLossProbeRecovery=1, no RTO). With only that one segment "
        "outstanding Linux adds a 200 ms delayed-ACK allowance to the probe timeout, so the "
        "probe comes ~0.2 s after the original, not ~2 RTT. The server's ACKs before the "
        "re-send acknowledge only segments 1..7. ss at the end: client TIME-WAIT, server "
        "LISTEN only.",
        10, 11584,
        "the last segment of the burst (connection packet #10) dropped by the router; nothing "
        "behind it draws SACKs, so only a probe timeout (TLP) or an RTO re-sends it")


@scenario
def blackout_rto():
    s = Scenario(
        "blackout-rto",
        "Client writes 60000 bytes in 2000-byte pieces every 20 ms, then SHUT_WR, reads a "
        "100-byte reply and closes. 0.2 s after connect() the router starts dropping EVERY "
        "client->server packet of the connection (nft rule on the client port) and removes "
        "the rule 3.5 s later (lab_events has both times).",
        "Expect: handshake complete; during the blackout the client re-sends the same "
        "(first unacknowledged) segment on RTO with exponential backoff (intervals ~0.2, 0.4, "
        "0.8, 1.6 s ... doubling), none of them in server-side.pcapng until the rule is "
        "removed; the first re-send after the blackout gets through and the transfer "
        "finishes. Client TCPTimeouts > 1. ss at the end: client TIME-WAIT, server LISTEN "
        "only.")
    s.start()
    s.expect_retrans("client", "segment_lost", C2S_LOST,
                     "every client->server packet dropped for 3.5 s mid-transfer: RTO "
                     "re-sends of the same segment with exponential backoff until the "
                     "blackout ends")
    s.expect_mss(MSS_V4, MSS_V4, [])
    s.counters_before()
    s.capture()
    srv = s.server("0.0.0.0", 5023, ["eof", "send:100", "close"])
    cli = s.client(SRV4, 5023, ["sendslow:60000:2000:0.02", "shutwr", "recv:100", "close"],
                   bind_port=40023)
    cli.wait_ev("connected", 10)
    time.sleep(0.2)
    h = s.nft("ip saddr %s tcp sport 40023 counter drop" % CLI4, "client->server",
              "drop every client->server packet of the connection for 3.5 s (rule removed "
              "afterwards)")
    s.events.append({"t": round(time.time(), 6), "what": "blackout rule added"})
    time.sleep(3.5)
    s.nft_remove("forward", h, "blackout rule removed")
    s.post_checks.append(counter_seen(s, "forward", h, "blackout"))
    cli.wait_ev("done", 60)
    srv.wait_ev("done", 30)
    s.conv(addr(CLI4, 40023), addr(SRV4, 5023), "complete")
    return s.finish()


def _loss_small(name, port, pct):
    s = Scenario(
        name,
        "Client (TCP_NODELAY) writes 57600 bytes as 1800 writes of 32 bytes, one every "
        "~1 ms, so each write is its own 32-byte segment; then SHUT_WR, reads a 100-byte "
        "reply, closes. The server reads what has arrived every 5 ms (so it ACKs every few "
        "segments, not each one). The router drops ~%d%% of client->server data segments at "
        "random (nft numgen). Small segments and sparse ACKs give many segments, hence "
        "many losses, in a small capture." % pct,
        "Expect: handshake complete; retransmissions (SACK/RACK fast retransmits; RTOs when "
        "a re-send is lost too) whose originals are in client-side.pcapng and missing from "
        "server-side.pcapng. While the client recovers, new 32-byte writes queue up and "
        "leave as larger segments, and re-sends may merge several lost segments. Wireshark "
        "labels most re-sends that come within ~1-3 ms 'Out-Of-Order', not "
        "'Retransmission'. ss at the end: client TIME-WAIT, server LISTEN only.")
    s.start()
    random_loss(s, "ip saddr %s tcp dport 50%d ip length > 60" % (CLI4, port), "client", pct,
                MSS_V4)
    simple(s, 5000 + port, 40000 + port,
           ["nodelay", "sendslow:57600:32:0.001", "shutwr", "recv:100", "close"],
           ["slowread:57600:4096:0.005", "eof", "send:100", "close"])
    return s.finish()


@scenario
def loss_1pct():
    return _loss_small("loss-1pct", 24, 1)


@scenario
def loss_10pct():
    return _loss_small("loss-10pct", 25, 10)


@scenario
def ipv6_loss():
    s = Scenario(
        "ipv6-loss",
        "IPv6 version of loss-random: client [fd77:1::2]:40026 sends 160 KB to "
        "[fd77:2::2]:5026 (then SHUT_WR); the router drops ~4% of client->server data "
        "segments at random (nft numgen on ip6 length). Server reads to EOF, replies 100 "
        "bytes and closes after the client.",
        "Expect: handshake complete over IPv6 (MSS 1440); fast retransmissions (SACK), "
        "maybe RTO / TLP, whose originals are in client-side.pcapng but missing from "
        "server-side.pcapng. ss at the end: client TIME-WAIT, server LISTEN only.")
    s.start()
    random_loss(s, "ip6 saddr %s tcp dport 5026 ip6 length > 100" % CLI6, "client", 4, MSS_V6,
                tbf_dev="rtr-s")
    simple(s, 5026, 40026, ["send:160000", "shutwr", "recv:100", "close"],
           ["eof", "send:100", "close"], dst=SRV6, listen="::")
    return s.finish()


@scenario
def server_data_loss():
    s = Scenario(
        "server-data-loss",
        "Client sends a 1000-byte request; the server answers with 160 KB; the router drops "
        "~4% of the SERVER's data segments at random (server->client). The client reads "
        "everything and closes first; the server reads EOF and closes.",
        "Expect: handshake complete; the server is the sender: its originals are in "
        "server-side.pcapng and missing from client-side.pcapng (lost after the server-side "
        "capture point); the re-sends appear in both. Server TcpRetransSegs > 0, client 0. "
        "ss at the end: client TIME-WAIT, server LISTEN only.")
    s.start()
    random_loss(s, "ip saddr %s tcp sport 5027 ip length > 100" % SRV4, "server", 4, MSS_V4,
                tbf_dev="rtr-c")
    simple(s, 5027, 40027, ["send:1000", "recv:160000", "close"],
           ["recv:1000", "send:160000", "eof", "close"])
    return s.finish()


@scenario
def pmtu_blackhole():
    s = Scenario(
        "pmtu-blackhole",
        "The router's server-facing interface rtr-s has MTU 1400 (the server's own srv0 "
        "keeps 1500, so the server announces MSS 1460, as a server behind a smaller-MTU hop "
        "does). The router's ICMP fragmentation-needed messages are dropped in its own "
        "output chain. The client (DF set, PMTU discovery on, tcp_mtu_probing=0) sends a "
        "500-byte request (passes), reads a 500-byte reply, then sends 6000 bytes: 4 "
        "full-size segments (1500-byte packets) and one of 208 bytes. The lab takes the "
        "ss snapshot ~9 s later with the connection still stuck, stops the captures, and "
        "only then lets the client abort (SO_LINGER 0 close).",
        "Expect: handshake complete; the 1500-byte DF packets are in client-side.pcapng, "
        "never in server-side.pcapng, and no ICMP comes back; the small 208-byte segment "
        "gets through (SACKed). The client re-sends the first full-size segment again and "
        "again with exponential backoff (RTO) at the same size. ss at the snapshot: client "
        "ESTAB with ~5792 bytes in Send-Q and a retransmission timer (backoff), server ESTAB "
        "(plus LISTEN).")
    s.start()
    s.mtu("router", "rtr-s", 1400)
    h = s.nft("icmp type destination-unreachable icmp code frag-needed counter drop",
              "router->client", "drop the router's own ICMP frag-needed (PMTU black hole)",
              chain="output")
    s.post_checks.append(counter_seen(s, "output", h, "ICMP frag-needed drop"))
    s.post_checks.append(lambda t: [
        "router IpFragFails=%d, IcmpOutDestUnreachs=%d: the router refused every too-big DF "
        "packet and generated an ICMP for it (counted before its own output chain dropped "
        "the ICMP)" % (t["nstat"]["router"]["IpFragFails"],
                       t["nstat"]["router"]["IcmpOutDestUnreachs"])])
    s.set_path(icmp_frag_needed="dropped",
               notes=["rtr-s MTU 1400 < srv0 MTU 1500: the router cannot forward 1500-byte "
                      "DF packets to the server; its ICMP frag-needed is dropped in its "
                      "output chain (nft inet tdlab output)"])
    s.expect_retrans("client", "pmtu_blackhole",
                     "router: 1500-byte DF packets dropped at rtr-s (MTU 1400), after the "
                     "client-side capture point, before the server-side one; the ICMP "
                     "frag-needed is dropped by the router itself",
                     "full-size segments re-sent at the same size with exponential backoff; "
                     "smaller segments get through")
    s.expect_mss(MSS_V4, MSS_V4, ["mss_above_link", "pmtu_blackhole"],
                 by_capture={"client-side": ["pmtu_blackhole"], "server-side": []},
                 note="client-side shows full-size segments re-sent with backoff while a "
                      "small one behind them is SACKed and no ICMP arrives; server-side "
                      "never sees a full-size segment, and the link MTU is visible nowhere")
    s.counters_before()
    s.capture()
    s.server("0.0.0.0", 5028, ["recv:500", "send:500", "recv:6000", "eof", "close"])
    cli = s.client(SRV4, 5028, ["send:500", "recv:500", "send:6000", "wait", "linger0",
                                "close"], bind_port=40028)
    cli.wait_ev("waiting", 20)
    time.sleep(8.2)
    s.ss_when = ("~9 s after the 6000-byte send, while the connection was stuck; the client "
                 "was released (RST by SO_LINGER 0) only after the captures stopped")
    s.conv(addr(CLI4, 40028), addr(SRV4, 5028), "complete")
    return s.finish(after_snapshot=lambda: cli.say())


@scenario
def give_up():
    s = Scenario(
        "give-up",
        "Client (net.ipv4.tcp_retries2=3) sends 20000 bytes which the server reads; 0.5 s "
        "later the router starts dropping every client->server data segment (ip length > "
        "52; pure ACKs and RSTs still pass) and the client sends 30000 more bytes and waits "
        "for a reply. The client re-sends with backoff until tcp_retries2 is exhausted and "
        "the kernel aborts the connection (recv() -> ETIMEDOUT); the client application "
        "then closes. Afterwards the server (which never got the 30000 bytes) sends 100 "
        "bytes: the client host has no socket any more and answers with RST.",
        "Expect: handshake complete; the first 30000-byte flight lost, then RTO re-sends of "
        "the same segment with exponential backoff (~0.2, 0.4, 0.8 ... s), then silence: "
        "the abort sends nothing (no FIN, no RST; client TCPAbortOnTimeout=1). The only "
        "RST is the client host's answer to the server's later data (server recv -> "
        "ECONNRESET). ss at the end: nothing on the client, server LISTEN only.")
    s.start()
    s.sysctl("client", "net.ipv4.tcp_retries2", 3)
    s.expect_retrans("client", "segment_lost", C2S_LOST,
                     "every client data segment dropped after the first 20000 bytes; the "
                     "client re-sends with backoff until tcp_retries2=3 is exhausted, then "
                     "its kernel aborts silently (ETIMEDOUT)")
    s.expect_mss(MSS_V4, MSS_V4, [])
    s.counters_before()
    s.capture()
    srv = s.server("0.0.0.0", 5029, ["recv:20000", "wait", "send:100", "eof", "close"])
    cli = s.client(SRV4, 5029, ["send:20000", "wait", "send:30000", "eof", "close"],
                   bind_port=40029)
    cli.wait_ev("waiting", 20)
    srv.wait_ev("waiting", 20)
    time.sleep(0.5)
    h = s.nft("ip saddr %s tcp sport 40029 ip length > 52 counter drop" % CLI4,
              "client->server", "drop every client->server data segment from now on")
    s.post_checks.append(counter_seen(s, "forward", h, "data drop"))
    s.events.append({"t": round(time.time(), 6), "what": "data drop rule added"})
    cli.say()
    cli.wait_ev("done", 60)
    s.events.append({"t": round(time.time(), 6), "what": "client gave up; server told to send"})
    srv.say()
    srv.wait_ev("done", 30)
    for e in cli.events:
        if e["ev"] == "error":
            s.notes.append("client %s failed with %s (kernel abort after tcp_retries2)"
                           % (e["op"], e["errno"]))
    for e in srv.events:
        if e["ev"] == "error":
            s.notes.append("server %s failed with %s (the client host's RST)"
                           % (e["op"], e["errno"]))
    s.conv(addr(CLI4, 40029), addr(SRV4, 5029), "complete")
    return s.finish()
