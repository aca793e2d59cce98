"""tdl_mss_scenarios.py - lab scenarios 30-35: MSS, PMTU discovery, IP fragments, offloads.

SPDX-License-Identifier: GPL-2.0-or-later

The router's server-facing interface rtr-s gets a smaller MTU while the server's own srv0
keeps 1500, so the server still announces MSS 1460 (1440 over IPv6), as a server behind a
smaller-MTU hop does; the client's full-size packets then do not fit the rtr-s link.
Server replies stay below the small MTU (srv0 -> rtr-s frames above rtr-s's MTU would be
dropped by the veth). truth.json "path" records every MTU and offload setting,
"expected_mss" what a perfect analyzer reports. Registered into tcpdiag-lab on import.
"""
import time

from tdl_lab import CLI4, SRV4, SRV6, Scenario, addr, scenario, simple

ORDER = ["pmtu-icmp", "ipv6-ptb", "ipv4-fragments", "fragment-loss", "mss-clamp",
         "offload-on"]

C2S_ROUTER = ("between client-side and server-side capture (router: too big for rtr-s, "
              "dropped with an ICMP error to the client)")
SMALL_MTU_NOTE = ("rtr-s MTU %d < srv0 MTU 1500: packets from the client larger than %d "
                  "bytes do not fit the router's server-facing link")


def _pmtu(name, port, mtu, v6):
    fam, icmp = ("IPv6", "ICMPv6 packet-too-big") if v6 else ("IPv4", "ICMP frag-needed")
    mss = 1440 if v6 else 1460
    s = Scenario(
        name,
        "%s. The router's server-facing interface rtr-s has MTU %d (srv0 keeps 1500, so the "
        "server announces MSS %d). The client sends a 20000-byte request with full-size "
        "segments (%sDF), the router cannot forward them and answers with %s (MTU %d), "
        "which reaches the client. The server replies 1000 bytes; the client closes first."
        % (fam, mtu, mss, "" if v6 else "IPv4 ", icmp, mtu),
        "Expect: handshake complete; the first full-size segments are in client-side.pcapng "
        "only, each answered (up to the router's ICMP rate limit) by an %s from the router "
        "(%s) in client-side.pcapng; the client lowers its segment size at once (PMTU "
        "discovery works) and re-sends the dropped data in smaller segments, which reach "
        "server-side.pcapng. ss at the end: client TIME-WAIT, server LISTEN only."
        % (icmp, "fd77:1::1" if v6 else "10.77.1.1"))
    s.start()
    s.mtu("router", "rtr-s", mtu)
    s.set_path(icmp_frag_needed="delivered", notes=[SMALL_MTU_NOTE % (mtu, mtu)])
    s.expect_retrans("client", "segment_lost", C2S_ROUTER,
                     "full-size segments too big for the rtr-s link (MTU %d): dropped with %s; "
                     "the client re-sends that data at once in segments that fit" % (mtu, icmp))
    s.expect_mss(mss, mss, ["mss_above_link", "icmp_frag_needed"],
                 by_capture={"client-side": ["mss_above_link", "icmp_frag_needed"],
                             "server-side": []},
                 note="the %s (with MTU %d) is only in client-side.pcapng; server-side.pcapng "
                      "only ever sees segments that fit" % (icmp, mtu))
    simple(s, 5000 + port, 40000 + port, ["send:20000", "recv:1000", "close"],
           ["recv:20000", "send:1000", "eof", "close"],
           dst=SRV6 if v6 else SRV4, listen="::" if v6 else "0.0.0.0")
    return s.finish()


@scenario
def pmtu_icmp():
    return _pmtu("pmtu-icmp", 30, 1400, False)


@scenario
def ipv6_ptb():
    return _pmtu("ipv6-ptb", 31, 1280, True)


def _fragments(name, port, lossy):
    desc = ("The client host has net.ipv4.ip_no_pmtu_disc=1 (PMTU discovery off, DF clear on "
            "its packets). The router's server-facing interface rtr-s has MTU 1400 (srv0 "
            "keeps 1500, the server announces MSS 1460). The client sends %d bytes in "
            "full-size segments (1500-byte packets); the router fragments each into a "
            "1396-byte and a 124-byte IP fragment on rtr-s. The server replies 1000 bytes; "
            "the client closes first." % (60000 if lossy else 20000))
    exp = ("Expect: handshake complete; client-side.pcapng has whole 1500-byte packets with "
           "DF clear, server-side.pcapng has them as IP fragments (tshark reassembles them); "
           "no ICMP, no change of segment size.")
    if lossy:
        desc += (" An nft rule in the router's netdev egress hook on rtr-s (after "
                 "fragmentation, before the server-side capture point) drops ~25% of the "
                 "non-first fragments at random; the server (net.ipv4.ipfrag_time=3) discards "
                 "the incomplete datagrams after 3 s. The lab waits 3.5 s before its snapshot "
                 "so the reassembly timeouts are counted.")
        exp += (" Some first fragments in server-side.pcapng never get their second part "
                "(reassembly fails, server IpReasmTimeout/IpReasmFails); the client re-sends "
                "those segments (SACK/RACK fast retransmits, RTO if a re-send loses a "
                "fragment too).")
    exp += " ss at the end: client TIME-WAIT, server LISTEN only."
    s = Scenario(name, desc, exp)
    s.start()
    s.mtu("router", "rtr-s", 1400)
    s.sysctl("client", "net.ipv4.ip_no_pmtu_disc", 1)
    notes = [SMALL_MTU_NOTE % (1400, 1400),
             "client PMTU discovery off: DF clear, the router fragments instead of "
             "answering with ICMP"]
    reasons_ss = ["mss_above_link", "df_clear", "ip_fragments"]
    if lossy:
        s.sysctl("server", "net.ipv4.ipfrag_time", 3)
        h = s.nft("ip frag-off & 0x1fff != 0 numgen random mod 100 < 25 counter drop",
                  "client->server", "drop ~25% of non-first IP fragments leaving rtr-s",
                  chain="egress_s")
        s.post_checks.append(lambda t: _frag_drops(s, t, h))
        notes.append("fragments dropped in the router's netdev egress hook on rtr-s: after "
                     "fragmentation, before the server-side capture point")
        s.expect_retrans("client", "ip_fragment_lost",
                         "between client-side and server-side capture (router: non-first "
                         "fragment dropped after fragmentation on rtr-s)",
                         "a segment whose second fragment was dropped never reassembles at the "
                         "server; the client re-sends the whole segment")
        reasons_ss.append("fragment_reassembly_failed")
    s.set_path(icmp_frag_needed="not_sent (DF clear: the router fragments)", notes=notes)
    s.expect_mss(1460, 1460, reasons_ss,
                 by_capture={"client-side": ["df_clear"], "server-side": reasons_ss},
                 note="client-side shows only whole DF-clear packets; the fragments (and the "
                      "1400-byte link they reveal) are only in server-side.pcapng")
    s.counters_before()
    s.capture()
    n = 60000 if lossy else 20000
    srv = s.server("0.0.0.0", 5000 + port, ["recv:%d" % n, "send:1000", "eof", "close"])
    cli = s.client(SRV4, 5000 + port, ["send:%d" % n, "recv:1000", "close"],
                   bind_port=40000 + port)
    cli.wait_ev("done", 60)
    srv.wait_ev("done", 30)
    if lossy:
        time.sleep(3.5)
        s.ss_when = ("4.3 s after the programs finished, so that reassembly timeouts are "
                     "counted")
    s.conv(addr(CLI4, 40000 + port), addr(SRV4, 5000 + port), "complete")
    return s.finish()


def _frag_drops(s, truth, handle):
    got = truth["nft_counters"].get(s.counter_key("egress_s", handle))
    if not got or not got["packets"]:
        raise RuntimeError("fragment-loss: no fragment dropped")
    srv = truth["nstat"]["server"]
    return ["the egress rule dropped %d non-first fragments; server IpReasmReqds=%d "
            "IpReasmOKs=%d IpReasmFails=%d IpReasmTimeout=%d" % (
                got["packets"], srv.get("IpReasmReqds", 0), srv.get("IpReasmOKs", 0),
                srv.get("IpReasmFails", 0), srv.get("IpReasmTimeout", 0))]


@scenario
def ipv4_fragments():
    return _fragments("ipv4-fragments", 32, False)


@scenario
def fragment_loss():
    return _fragments("fragment-loss", 33, True)


@scenario
def mss_clamp():
    s = Scenario(
        "mss-clamp",
        "The router rewrites the MSS option of every SYN and SYN-ACK it forwards to 1200 "
        "(nft `tcp flags syn tcp option maxseg size set 1200`, as MSS clamping on a "
        "tunnel router does). Client sends 5000 bytes, server replies 20000, client closes "
        "first.",
        "Expect: handshake complete; client-side.pcapng: client SYN MSS 1460, server "
        "SYN-ACK MSS 1200; server-side.pcapng: client SYN MSS 1200, SYN-ACK MSS 1460. "
        "Both sides then send at most 1188 payload bytes per segment (1200 - 12 bytes of "
        "timestamps option). ss at the end: client TIME-WAIT, server LISTEN only.")
    s.start()
    s.nft("tcp flags syn tcp option maxseg size set 1200", "both",
          "clamp the MSS option of SYN and SYN-ACK to 1200")
    s.set_path(mss_clamp={"where": "router forward chain", "value": 1200,
                          "applies_to": "SYN and SYN-ACK, both directions"})
    s.expect_mss({"client-side": 1460, "server-side": 1200},
                 {"client-side": 1200, "server-side": 1460}, ["mss_clamped"],
                 by_capture={"client-side": [], "server-side": []},
                 note="a single capture shows an ordinary handshake with one side announcing "
                      "1200; the clamp is proven only by comparing the two capture points "
                      "(the same SYN carries 1460 on one side of the router and 1200 on the "
                      "other)")
    simple(s, 5034, 40034, ["send:5000", "recv:20000", "close"],
           ["recv:5000", "send:20000", "eof", "close"])
    return s.finish()


OFFLOAD_DESC = ("Same traffic as close-by-client (2000-byte request, 5000-byte reply, client "
                "closes first) with an extra capture on the client host itself "
                "(namespace tdlab-cli, interface cli0).")


def _offload_run(on, keep=()):
    s = Scenario("offload-on", OFFLOAD_DESC, "")
    s.start(keep=keep)
    host_cap = "client-host" if on else "client-host-offload-off"
    if on:
        s.offload("client", "cli0", True)
    else:
        s.router_caps = False
        s.capture_names = []
    s.capture_on_host(host_cap, "client", "cli0")
    return s


@scenario
def offload_on():
    # run 1: offloads off everywhere, only the on-host capture is kept
    off = _offload_run(False)
    simple(off, 5035, 40035, ["send:2000", "recv:5000", "sleep:0.2", "close"],
           ["recv:2000", "send:5000", "eof", "sleep:0.2", "close"])
    t_off = off.finish(write=False)
    # run 2: TSO/GSO/GRO and checksum offload on cli0
    s = _offload_run(True, keep=("client-host-offload-off.pcapng",))
    s.expect = (
        "Two runs of the same programs in fresh namespaces. Run 2 (the main run: "
        "client-side.pcapng, server-side.pcapng, client-host.pcapng, nstat, ss_end) has "
        "TSO, GSO, GRO and tx/rx checksum offload ON on the client's cli0 (ethtool -K); run 1 "
        "had every offload off and kept only client-host-offload-off.pcapng (its counters "
        "and ss are under truth \"offload_off_run\").\n\n"
        "Expect: in client-host.pcapng the 2000-byte request is one frame above the MTU "
        "(a TSO super-segment the veth never splits) with a TCP checksum that is only the "
        "pseudo-header sum (filled in by 'hardware' that does not exist), and the 5000-byte "
        "reply arrives as one GRO-merged 5066-byte frame (GRO on cli0 turns on the veth's "
        "NAPI receive path). The veth hands the unsplit super-segment to "
        "the router, so client-side.pcapng (rtr-c) shows it too; the router splits it when "
        "it forwards out rtr-s (offloads off), so server-side.pcapng has wire-size segments "
        "with correct checksums. client-host-offload-off.pcapng shows ordinary segments. "
        "None of this is a retransmission or a real MSS violation. ss at the end: client "
        "TIME-WAIT, server LISTEN only.")
    s.set_path(notes=["offloads ON on cli0 only (tso, gso, gro, tx/rx checksum); rtr-c, "
                      "rtr-s, srv0 off"])
    s.capture_names.append("client-host-offload-off")
    s.expect_mss(1460, 1460, ["offload_artefact"],
                 by_capture={"client-side": ["offload_artefact"], "server-side": [],
                             "client-host": ["offload_artefact"],
                             "client-host-offload-off": []},
                 note="frames above the MTU and bad TCP checksums on the client side are "
                      "TSO/GRO/checksum-offload artefacts, not segments above the peer's MSS "
                      "nor damage; client-host-offload-off.pcapng (run 1) is clean")
    s.truth_extra = {
        "captures": {"client-host-offload-off": {
            "file": "client-host-offload-off.pcapng", "iface": "cli0", "netns": "tdlab-cli",
            "faces": "client host itself (cli0 in tdlab-cli), run 1 with offloads off",
            "run": "offload_off_run"}},
        "offload_off_run": {k: t_off[k] for k in (
            "nstat", "ss_end", "ss_end_raw", "path", "programs", "program_events",
            "tshark_check", "recorded")},
        "tshark_check": {"client-host-offload-off":
                         t_off["tshark_check"]["client-host-offload-off"]},
    }
    s.truth_extra["offload_off_run"]["expected_mss_reasons"] = []
    simple(s, 5035, 40035, ["send:2000", "recv:5000", "sleep:0.2", "close"],
           ["recv:2000", "send:5000", "eof", "sleep:0.2", "close"])
    return s.finish()
