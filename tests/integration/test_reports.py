"""The netstat reports and the stats tree against the kernel's own counters and sockets.

SPDX-License-Identifier: GPL-2.0-or-later

Ground truth: captures/lab/<scenario>/truth.json, recorded by the lab in the
hosts' network namespaces over the same period as the captures: `nstat`
deltas (the host's TCP MIB, what `netstat -s` prints) and `ss` at the end.

Which capture for which host: both captures are taken on the router. The
client-side one (router interface facing the client) holds exactly the
segments the client sent and the segments that reached it; the server-side
one the same for the server. Segments lost inside the router make the far
side's numbers differ, so each host is compared with the capture next to it.

Counter definitions (RFC 1213 tcp group; Linux keeps the same ones):
Segments Sent excludes segments that only re-send data (`filtered`: three
SYNs give OutSegs 1 and RetransSegs 2) and includes RSTs (`refused`: the
server's only segment is its RST, OutSegs 1).

Where a tap cannot match the kernel exactly, the bound checked and why:
  * Failed Connection Attempts, silent give-up: a client whose SYNs go
    unanswered gives up on a timer, with nothing on the wire (`filtered`,
    `filtered-linear`: the capture's last packet is the last SYN). The
    report then still shows SYN_SENT and one attempt fewer. Bound:
    kernel - (unanswered connections the client no longer has in ss)
    <= report <= kernel.
  * Failed Connection Attempts, ICMP error on a busy socket: Linux handles
    an ICMP error that arrives while the application holds the socket
    (inside connect() on a fast local path) as a soft error and does not
    count a failed attempt when the connect then fails
    (TcpExtLockDroppedIcmps counts those ICMPs; `reject-icmp`: 2, of which
    the IPv6 one was followed by a SYN retry, which the report recognises).
    The wire shows a refused connection either way. Bound:
    kernel <= report <= kernel + TcpExtLockDroppedIcmps.
  * `ss` LISTEN sockets: a listener is visible only when it answers a SYN
    with a SYN-ACK in the capture next to it. Checked: every LISTEN the
    report shows exists in ss (same family and port), and every ss listener
    whose port sent a SYN-ACK in that capture (found with tshark's own TCP
    fields) is in the report.
  * SYN_SENT after a silent give-up (above): accepted only for a connection
    the lab expected to stay unanswered and that ss no longer lists.
  * Segments on a host with TSO/GSO/GRO on (`offload-on`, client): the
    kernel counts a GSO super-segment as the wire segments it becomes
    (OutSegs) and a GRO-merged receive as one (InSegs), while the capture
    at the router shows the frames as the veth passed them. Bound:
    report <= kernel for Segments Sent, report >= kernel for Segments
    Received.
"""
import collections
import csv
import io
import json
import os
import re
import time
import unittest

import tdharness as h
import truthlib

# (report CSV column, nstat counter)
COUNTERS = [
    ("active_opens", "TcpActiveOpens"),
    ("passive_opens", "TcpPassiveOpens"),
    ("attempt_fails", "TcpAttemptFails"),
    ("estab_resets", "TcpEstabResets"),
    ("curr_estab", "TcpCurrEstab"),
    ("in_segs", "TcpInSegs"),
    ("out_segs", "TcpOutSegs"),
    ("retrans_segs", "TcpRetransSegs"),
]

NEAREST = {"client": "client-side", "server": "server-side"}


def report_csv(capture, report, options=()):
    if not options:
        return csv_reports(capture)[report]
    arg = ",".join(["tcpdiag", report, "csv"] + list(options))
    return list(csv.DictReader(io.StringIO(h.tshark(["-q", "-z", arg], capture))))


def csv_reports(capture):
    """{"netstat": rows, "conns": rows} of a capture, both reports from one run.

    Each report is a header line, the only kind of line that starts with
    "host," (a row starts with an address), then its rows; netstat's header
    names the counters, conns' the socket state."""
    out = h.tshark(["-q", "-z", "tcpdiag,netstat,csv", "-z", "tcpdiag,conns,csv"], capture)
    blocks = []
    for line in out.splitlines():
        if line.startswith("host,"):
            blocks.append([line])
        elif blocks and line:
            blocks[-1].append(line)
    reports = {("netstat" if "active_opens" in b[0].split(",") else "conns"): list(csv.DictReader(b))
               for b in blocks}
    if sorted(reports) != ["conns", "netstat"] or len(blocks) != 2:
        raise AssertionError("expected a netstat and a conns CSV report:\n" + out)
    return reports


def capture_of(folder, truth, role):
    return os.path.join(folder, truth["captures"][NEAREST[role]]["file"])


def silent_giveups(truth, role):
    """Connections the lab left unanswered that the client's ss no longer lists."""
    if role != "client":
        return 0
    ss = truth["ss_end"].get("client", [])
    return sum(1 for c in truth["conversations"]
               if c.get("expected_handshake") == "syn_only"
               and truthlib.ss_state(ss, c["client"], c["server"]) is None)


def socket_key(state, local, peer):
    """Listeners by family and port (ss shows the wildcard address)."""
    if state == "LISTEN":
        return ("LISTEN", "6" if local.startswith("[") else "4", local.rsplit(":", 1)[1])
    return (state, local, peer)


def synack_ports(capture, addrs):
    """(family, port) of every SYN-ACK sent from addrs, by tshark's own TCP fields."""
    out = set()
    # The frames -Y "tcp.flags.syn == 1 && tcp.flags.ack == 1 && !icmp && !icmpv6" selects
    # (== holds when any occurrence equals; a protocol present prints a non-empty value).
    rows = [r[:3] for r in h.fields(capture, ["ip.src", "ipv6.src", "tcp.srcport", "tcp.flags.syn",
                                              "tcp.flags.ack", "icmp", "icmpv6"])
            if "1" in r[3].split("|") and "1" in r[4].split("|") and not r[5] and not r[6]]
    for v4, v6, port in rows:
        if v4 in addrs:
            out.add(("LISTEN", "4", port))
        if v6 in addrs:
            out.add(("LISTEN", "6", port))
    return out


def host_offloads_on(truth, role):
    """Whether the host's own interface had segmentation / receive offloads on."""
    offloads = truth.get("path", {}).get("offloads", {})
    iface = {"client": "cli0", "server": "srv0"}[role]
    return any(offloads.get(iface, {}).get(k) == "on" for k in ("tso", "gso", "gro"))


class NetstatMatchesKernel(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_counters_per_scenario(self):
        scenarios = h.truth_files("lab")
        self.assertGreaterEqual(len(scenarios), 12, "the curated lab set is missing")
        table = []
        for folder, truth in scenarios:
            for role in ("client", "server"):
                addrs = truth["hosts"][role]["addrs"]
                rows = [r for r in report_csv(capture_of(folder, truth, role), "netstat") if r["host"] in addrs]
                ours = {col: sum(int(r[col]) for r in rows) for col, _ in COUNTERS}
                kernel = truth["nstat"][role]
                for col, counter in COUNTERS:
                    with self.subTest(scenario=truth["scenario"], host=role, counter=counter):
                        want = kernel[counter]
                        got = ours[col]
                        table.append((truth["scenario"], role, counter, want, got))
                        offload = host_offloads_on(truth, role)
                        if offload and counter == "TcpOutSegs":
                            self.assertLessEqual(got, want, "GSO: the kernel counts wire segments")
                        elif offload and counter == "TcpInSegs":
                            self.assertGreaterEqual(got, want, "GRO: the kernel counts merged receives")
                        elif counter == "TcpAttemptFails":
                            low = want - silent_giveups(truth, role)
                            high = want + kernel.get("TcpExtLockDroppedIcmps", 0)
                            self.assertTrue(low <= got <= high, "%s: report %d, kernel %d, allowed %d..%d"
                                            % (counter, got, want, low, high))
                        else:
                            self.assertEqual(got, want, "%s: report %d, kernel %d" % (counter, got, want))
        if os.environ.get("TCPDIAG_PRINT_COMPARISON"):
            for row in table:
                print("%-22s %-6s %-16s kernel %6d  report %6d" % row)

    def test_retransmission_verdict(self):
        """The percentage and verdict follow the threshold (default 1%): retransmitted per segment sent."""
        folder = os.path.join(h.CAPTURES_DIR, "lab", "tbf-congestion")
        with open(os.path.join(folder, "truth.json")) as f:
            truth = json.load(f)
        kernel = truth["nstat"]["client"]
        rows = report_csv(capture_of(folder, truth, "client"), "netstat", ["host=10.77.1.2"])
        self.assertEqual([r["host"] for r in rows], ["10.77.1.2"])
        pct = 100.0 * kernel["TcpRetransSegs"] / kernel["TcpOutSegs"]
        self.assertAlmostEqual(float(rows[0]["retrans_pct"]), pct, places=3)
        self.assertEqual(rows[0]["verdict"], "over_threshold")
        rows = report_csv(capture_of(folder, truth, "server"), "netstat", ["host=10.77.2.2"])
        self.assertEqual(rows[0]["verdict"], "under_threshold")
        self.assertEqual(rows[0]["threshold_pct"], "1")


class ConnsMatchSs(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_sockets_at_end(self):
        checked = 0
        for folder, truth in h.truth_files("lab"):
            for role in ("client", "server"):
                with self.subTest(scenario=truth["scenario"], host=role):
                    addrs = truth["hosts"][role]["addrs"]
                    cap = capture_of(folder, truth, role)
                    ours = collections.Counter(socket_key(r["state"], r["local"], r["foreign"])
                                               for r in report_csv(cap, "conns") if r["host"] in addrs)
                    ss = collections.Counter(socket_key(truthlib.SS_TO_NETSTAT[e["state"]], e["local"], e["peer"])
                                             for e in truth["ss_end"].get(role, []))
                    listeners_ours = {k for k in ours if k[0] == "LISTEN"}
                    listeners_ss = {k for k in ss if k[0] == "LISTEN"}
                    self.assertLessEqual(listeners_ours, listeners_ss, "a listener ss did not have")
                    self.assertLessEqual(listeners_ss & synack_ports(cap, addrs), listeners_ours,
                                         "a listener that answered a SYN is missing")
                    conns_ours = collections.Counter({k: n for k, n in ours.items() if k[0] != "LISTEN"})
                    conns_ss = collections.Counter({k: n for k, n in ss.items() if k[0] != "LISTEN"})
                    extra = conns_ours - conns_ss
                    gave_up = [k for k in extra if k[0] == "SYN_SENT"]
                    self.assertLessEqual(len(gave_up), silent_giveups(truth, role))
                    for k in gave_up:
                        del extra[k]
                    self.assertEqual((dict(extra), dict(conns_ss - conns_ours)), ({}, {}),
                                     "(report only, ss only)")
                    checked += 1
        self.assertGreaterEqual(checked, 24)


def frames_where(capture, display_filter):
    return [int(r[0]) for r in h.fields(capture, ["frame.number"], ["-Y", display_filter])]


class ChosenMoment(unittest.TestCase):
    """`server-never-closes`: handshake, a request, the client's FIN, no FIN from the server.

    Hand reasoning, with the frames found by tshark's own TCP fields: just
    before the client's first SYN nothing is open; after the final ACK of the
    handshake both ends are ESTABLISHED and the server's listener is proven
    by its SYN-ACK; after the client's FIN the client is FIN_WAIT_1 and the
    server CLOSE_WAIT (the FIN is taken as delivered; ss at the end shows
    FIN_WAIT_2 / CLOSE_WAIT)."""

    CAP = os.path.join(h.CAPTURES_DIR, "lab", "server-never-closes", "client-side.pcapng")

    def setUp(self):
        h.require_plugin_loaded(self)

    def states(self, option):
        rows = report_csv(self.CAP, "conns", [option])
        return sorted((r["local"], r["state"]) for r in rows)

    def test_frames(self):
        syn = frames_where(self.CAP, "tcp.flags.syn == 1 && tcp.flags.ack == 0")[0]
        synack = frames_where(self.CAP, "tcp.flags.syn == 1 && tcp.flags.ack == 1")[0]
        final_ack = frames_where(self.CAP, "tcp.flags.syn == 0 && tcp.ack_raw > 0 && frame.number > %d" % synack)[0]
        fin = frames_where(self.CAP, "tcp.flags.fin == 1")[0]
        self.assertEqual(self.states("frame=%d" % (syn - 1)), [])
        self.assertEqual(self.states("frame=%d" % final_ack),
                         [("10.77.1.2:40012", "ESTABLISHED"), ("10.77.2.2:5012", "ESTABLISHED"),
                          ("10.77.2.2:5012", "LISTEN")])
        self.assertEqual(self.states("frame=%d" % fin),
                         [("10.77.1.2:40012", "FIN_WAIT_1"), ("10.77.2.2:5012", "CLOSE_WAIT"),
                          ("10.77.2.2:5012", "LISTEN")])

    def test_time_forms_agree_with_frame(self):
        fin = frames_where(self.CAP, "tcp.flags.fin == 1")[0]
        rows = h.fields(self.CAP, ["frame.number", "frame.time_epoch", "frame.time_relative"])
        epoch = {int(r[0]): r[1] for r in rows}
        rel = {int(r[0]): r[2] for r in rows}
        want = self.states("frame=%d" % fin)
        # tshark prints local time (no TZ in its environment): do the same here.
        saved = os.environ.pop("TZ", None)
        time.tzset()
        try:
            secs, frac = epoch[fin].split(".")
            clock = time.strftime("%H:%M:%S", time.localtime(int(secs))) + "." + frac
            date = time.strftime("%Y-%m-%dT", time.localtime(int(secs)))
        finally:
            if saved is not None:
                os.environ["TZ"] = saved
                time.tzset()
        # to the nanosecond, as the capture has it
        self.assertEqual(self.states("time=" + clock), want)
        self.assertEqual(self.states("time=" + date + clock), want)
        self.assertEqual(self.states("time=+" + rel[fin]), want)


class FormatsAndSelection(unittest.TestCase):
    CAP = os.path.join(h.CAPTURES_DIR, "lab", "many-short", "client-side.pcapng")

    def setUp(self):
        h.require_plugin_loaded(self)

    def test_json_equals_csv(self):
        for report, member in (("netstat", "hosts"), ("conns", "sockets")):
            rows = report_csv(self.CAP, report)
            doc = json.loads(h.tshark(["-q", "-z", "tcpdiag,%s,json" % report], self.CAP))
            self.assertEqual(len(doc[member]), len(rows))
            for r, j in zip(rows, doc[member]):
                self.assertEqual(r["host"], j["host"])
                for k in ("in_segs", "out_segs", "state", "local", "foreign"):
                    if k in r:
                        self.assertEqual(str(r[k]), str(j[k]))

    def test_many_short_by_truth(self):
        """30 connections client-closed: 30 TIME_WAIT on the client, the listener on the server."""
        rows = report_csv(self.CAP, "conns", ["wide"])
        client = [r for r in rows if r["host"] == "10.77.1.2"]
        self.assertEqual(len(client), 30)
        self.assertEqual({r["state"] for r in client}, {"TIME_WAIT"})
        self.assertEqual({r["handshake"] for r in client}, {"complete"})
        self.assertEqual([(r["state"], r["local"]) for r in rows if r["host"] == "10.77.2.2"],
                         [("LISTEN", "10.77.2.2:5010")])

    def test_host_and_filter_select(self):
        only = report_csv(self.CAP, "conns", ["host=10.77.1.2"])
        self.assertEqual({r["host"] for r in only}, {"10.77.1.2"})
        one = report_csv(self.CAP, "conns", ["tcp.port == 40105"])
        self.assertEqual(sorted((r["host"], r["state"]) for r in one),
                         [("10.77.1.2", "TIME_WAIT"), ("10.77.2.2", "LISTEN")])

    def test_bad_option_is_refused(self):
        with self.assertRaises(h.TsharkError):
            h.tshark(["-q", "-z", "tcpdiag,conns,time=25:00:00"], self.CAP)
        with self.assertRaises(h.TsharkError):
            h.tshark(["-q", "-z", "tcpdiag,netstat,host=10.0.0"], self.CAP)


class PassesAndTree(unittest.TestCase):
    REPORTS = ["-z", "tcpdiag,netstat", "-z", "tcpdiag,conns,wide", "-z", "tcpdiag,tree"]

    def setUp(self):
        h.require_plugin_loaded(self)

    def test_every_capture_one_and_two_passes(self):
        """Same reports with one pass, `-2`, and a visible tree (-V), on every committed capture."""
        for cap in h.all_captures():
            with self.subTest(capture=os.path.relpath(cap, h.CAPTURES_DIR)):
                one = h.tshark(["-q"] + self.REPORTS, cap)
                two = h.tshark(["-q", "-2"] + self.REPORTS, cap)
                self.assertIn("netstat -s -p tcp for each host", one)
                self.assertEqual(one, two)
                visible = h.tshark(["-V"] + self.REPORTS, cap, share=False)
                self.assertTrue(visible.endswith(one), "reports differ when a tree is shown")

    def tree(self, scenario, side):
        out = h.tshark(["-q", "-z", "tcpdiag,tree"],
                       os.path.join(h.CAPTURES_DIR, "lab", scenario, side + "-side.pcapng"))
        counts = {}
        parent = None
        for line in out.splitlines():
            cols = re.split(r"\s{2,}", line)
            if len(cols) < 2 or not cols[1].isdigit():
                continue
            if not cols[0].startswith(" "):
                parent = cols[0]
                counts[parent] = int(cols[1])
            else:
                counts[(parent, cols[0].strip())] = int(cols[1])
        return counts

    def test_tree_by_truth(self):
        with open(os.path.join(h.CAPTURES_DIR, "lab", "tbf-congestion", "truth.json")) as f:
            kernel = json.load(f)["nstat"]["client"]
        t = self.tree("tbf-congestion", "client")
        self.assertEqual(t["Retransmitted segments by kind"], kernel["TcpRetransSegs"])
        self.assertEqual(t["Retransmitted segments by most probable cause"], kernel["TcpRetransSegs"])
        # 49 of 74 is far above 1%: the client is listed with its retransmissions.
        self.assertEqual(t[("Hosts over the retransmission threshold (retransmitted segments)", "10.77.1.2")],
                         kernel["TcpRetransSegs"])
        self.assertEqual(t[("Connections by handshake outcome", "complete")], 1)
        t = self.tree("many-short", "client")
        self.assertEqual(t[("Connections by handshake outcome", "complete")], 30)
        self.assertEqual(t[("Client endpoints by state", "TIME_WAIT")], 30)
        self.assertEqual(t["Hosts over the retransmission threshold (retransmitted segments)"], 0)
        t = self.tree("server-never-closes", "client")
        self.assertEqual(t[("Client endpoints by state", "FIN_WAIT_2")], 1)
        self.assertEqual(t[("Server endpoints by state", "CLOSE_WAIT")], 1)


if __name__ == "__main__":
    unittest.main()
