"""tdl_check.py - what tshark (without tcpdiag) sees in a freshly recorded lab capture.

SPDX-License-Identifier: GPL-2.0-or-later

The lab stores this beside the kernel's counters (truth.json "tshark_check") and prints it
in the scenario README, so a reader can compare Wireshark's own TCP analysis (e.g.
tcp.analysis.retransmission at the sender-side capture) with the sender's TcpRetransSegs.
It is a cross-check written at recording time, never the expected value of a test.
"""
import subprocess

CLIENT_ADDRS = ("10.77.1.2", "fd77:1::2")

# Wireshark's per-segment TCP analysis flags that matter for retransmission work
ANALYSIS = ["retransmission", "fast_retransmission", "spurious_retransmission",
            "lost_segment", "ack_lost_segment", "duplicate_ack", "out_of_order",
            "zero_window_probe", "keep_alive"]
FIELDS = (["frame.number", "frame.time_relative", "frame.len", "tcp.seq", "tcp.flags.fin", "ip.src", "ipv6.src", "ip.flags.df", "ip.flags.mf",
           "ip.frag_offset", "ipv6.fraghdr.offset", "tcp.len", "tcp.flags.syn",
           "tcp.options.mss_val", "tcp.checksum.status", "icmp.type", "icmp.code",
           "icmp.mtu", "icmpv6.type", "icmpv6.mtu"] +
          ["tcp.analysis." + a for a in ANALYSIS])


def _rows(path):
    cmd = ["tshark", "-n", "-r", path, "-o", "tcp.check_checksum:TRUE",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if out.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (path, out.stderr))
    return [dict(zip(FIELDS, line.split("\t"))) for line in out.stdout.splitlines()]


def check_capture(path):
    """Counts per capture: TCP analysis flags per sender, SYN MSS values, fragments, ICMP."""
    res = {"frames": 0, "max_frame_len": 0, "ip_fragments": 0, "ipv4_df_clear_tcp_data": 0,
           "icmp_frag_needed": [], "icmpv6_packet_too_big": [], "bad_tcp_checksum": 0,
           "by_sender": {}}
    sent = {}
    for r in _rows(path):
        res["frames"] += 1
        res["max_frame_len"] = max(res["max_frame_len"], int(r["frame.len"]))
        if r["ip.flags.mf"] == "1" or r["ip.frag_offset"] not in ("", "0") or \
                r["ipv6.fraghdr.offset"] != "":
            res["ip_fragments"] += 1
        if r["icmp.type"] == "3" and r["icmp.code"] == "4":
            res["icmp_frag_needed"].append({"frame": int(r["frame.number"]),
                                            "mtu": int(r["icmp.mtu"] or 0)})
            continue
        if r["icmpv6.type"] == "2":
            res["icmpv6_packet_too_big"].append({"frame": int(r["frame.number"]),
                                                 "mtu": int(r["icmpv6.mtu"] or 0)})
            continue
        if r["icmp.type"] or r["icmpv6.type"] or r["tcp.len"] == "":
            continue
        src = r["ip.src"] or r["ipv6.src"]
        who = "client" if src in CLIENT_ADDRS else "server"
        s = res["by_sender"].setdefault(who, dict(
            {"segments": 0, "data_segments": 0, "max_tcp_len": 0, "syn_mss": []},
            **{a: 0 for a in ANALYSIS}))
        s["segments"] += 1
        n = int(r["tcp.len"])
        if n or r["tcp.flags.fin"] == "1":
            sent.setdefault(who, []).append((int(r["frame.number"]),
                                             float(r["frame.time_relative"]),
                                             int(r["tcp.seq"]), n))
        if n:
            s["data_segments"] += 1
            if r["ip.src"] and r["ip.flags.df"] == "0":
                res["ipv4_df_clear_tcp_data"] += 1
        s["max_tcp_len"] = max(s["max_tcp_len"], n)
        if r["tcp.flags.syn"] == "1":
            s["syn_mss"].append(int(r["tcp.options.mss_val"]) if r["tcp.options.mss_val"]
                                else None)
        if r["tcp.checksum.status"] == "0":
            res["bad_tcp_checksum"] += 1
        for a in ANALYSIS:
            if r["tcp.analysis." + a]:
                s[a] += 1
    for who, segs in sent.items():
        res["by_sender"][who]["resends"] = resends(segs)
    return res


RESENDS_LISTED = 12


def resends(segs):
    """Segments (or FINs) starting below the highest sequence number sent before: every
    re-send with its attempt number and the time since the previous send of that seq."""
    top, last, attempts, out = None, {}, {}, []
    for frame, t, seq, n in segs:
        if top is not None and seq < top:
            attempts[seq] = attempts.get(seq, 0) + 1
            prev = last.get(seq)
            out.append({"frame": frame, "seq": seq, "len": n, "attempt": attempts[seq],
                        "since_previous_s": round(t - prev, 6) if prev is not None else None})
        last[seq] = t
        top = max(top or 0, seq + max(n, 1))
    return {"count": len(out), "max_attempt": max(attempts.values(), default=0),
            "first": out[:RESENDS_LISTED]}


def check_all(caps):
    """caps: [(name, path)] -> {name: check_capture(path)}"""
    return {name: check_capture(path) for name, path in caps}


def cross_check(truth):
    """The announced MSS values written from the setup must be those in the captures (raises
    otherwise); returns notes comparing Wireshark's retransmission count at the sender-side
    capture with the sender's TcpRetransSegs."""
    chk = truth["tshark_check"]
    mss = truth["expected_mss"]
    for side in ("client", "server"):
        for cap, want in mss[side + "_announced"].items():
            got = chk.get(cap, {}).get("by_sender", {}).get(side, {}).get("syn_mss") or [None]
            if got[0] != want:
                raise RuntimeError("%s: %s SYN MSS at %s is %s, truth says %s"
                                   % (truth["scenario"], side, cap, got[0], want))
    notes = []
    for side in sorted({e["sender"] for e in truth["expected_retrans"]}):
        cap = "%s-side" % side
        s = chk[cap]["by_sender"].get(side, {})
        n = truth["nstat"][side]
        notes.append("sender %s: tshark at %s counts %d tcp.analysis.retransmission (%d fast, "
                     "%d spurious) and %d out_of_order, %d re-sends by sequence number; "
                     "kernel TcpRetransSegs=%d" % (
                         side, cap, s.get("retransmission", 0),
                         s.get("fast_retransmission", 0), s.get("spurious_retransmission", 0),
                         s.get("out_of_order", 0), s.get("resends", {}).get("count", 0),
                         n["TcpRetransSegs"]))
    return notes


def readme_section(truth):
    """Markdown: the tshark cross-check against the senders' kernel counters."""
    chk = truth.get("tshark_check", {})
    out = ["", "## tshark check (Wireshark 4.0's own TCP analysis, recorded with the capture)",
           "", "| capture | sender | data segs | tcp.analysis.retransmission | fast | spurious |"
           " out_of_order | lost_segment (prev. not captured) | dup ACKs | max TCP len |"
           " SYN MSS |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for cap, c in chk.items():
        for who, s in sorted(c["by_sender"].items()):
            out.append("| %s | %s | %d | %d | %d | %d | %d | %d | %d | %d | %s |" % (
                cap, who, s["data_segments"], s["retransmission"], s["fast_retransmission"],
                s["spurious_retransmission"], s["out_of_order"], s["lost_segment"],
                s["duplicate_ack"],
                s["max_tcp_len"], ",".join(str(m) for m in s["syn_mss"]) or "-"))
    out += ["", "Per capture: " + "; ".join(
        "%s %d frames (max %d bytes), %d IP fragments, %d ICMP frag-needed, "
        "%d ICMPv6 packet-too-big, %d bad TCP checksums" % (
            cap, c["frames"], c["max_frame_len"], c["ip_fragments"], len(c["icmp_frag_needed"]),
            len(c["icmpv6_packet_too_big"]), c["bad_tcp_checksum"]) for cap, c in chk.items())
        + "."]
    for cap, c in chk.items():
        for who, s in sorted(c["by_sender"].items()):
            rs = s.get("resends", {})
            if not rs.get("count"):
                continue
            out.append("")
            out.append("%s, sent by the %s: %d re-sends of sequence space already sent "
                       "(relative seq), highest attempt %d%s:" % (
                           cap, who, rs["count"], rs["max_attempt"],
                           ", the first %d" % RESENDS_LISTED if rs["count"] > RESENDS_LISTED
                           else ""))
            out.append("")
            out.append("; ".join("frame %d seq %d len %d attempt %d%s" % (
                e["frame"], e["seq"], e["len"], e["attempt"],
                " (+%.3f s)" % e["since_previous_s"] if e["since_previous_s"] is not None
                else " (no earlier segment here starts at this seq)") for e in rs["first"])
                + ".")
    keys = ("TcpRetransSegs", "TCPFastRetrans", "TCPLossProbes", "TCPLossProbeRecovery",
            "TCPTimeouts", "TCPSynRetrans", "TCPSpuriousRTOs", "TCPSackRecovery",
            "TCPRenoRecovery", "TCPDSACKRecv", "TCPDSACKOldSent", "TCPAbortOnTimeout")
    out += ["", "Kernel counters (nstat deltas):", ""]
    for h in ("client", "server"):
        n = truth["nstat"][h]
        out.append("- %s: %s" % (h, ", ".join("%s=%d" % (k, n.get(k, 0)) for k in keys)))
    return "\n".join(out) + "\n"
