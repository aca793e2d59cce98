"""What a new user tripped over first: each case fails on the code before its fix.

SPDX-License-Identifier: GPL-2.0-or-later

Expected values are reasoned by hand from the packets, written beside each test.
"""
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import unittest

import tdharness as h

LAB = os.path.join(h.CAPTURES_DIR, "lab")
# captures/lab/filtered: the router drops every SYN to 10.77.2.2:5007. The
# client-side capture holds the client's SYN (frame 8) and its two re-sends
# (frames 9, 10), nothing else of TCP.
FILTERED = os.path.join(LAB, "filtered", "client-side.pcapng")
# captures/lab/tbf-congestion: one complete connection 10.77.1.2:40019 ->
# 10.77.2.2:5019 with an active close by the client.
CONGESTION = os.path.join(LAB, "tbf-congestion", "client-side.pcapng")


def conns_csv(capture):
    return h.tshark(["-q", "-z", "tcpdiag,conns,csv"], capture)


def netstat_csv(capture, extra=()):
    out = h.tshark(list(extra) + ["-q", "-z", "tcpdiag,netstat,csv,host=10.77.1.2"], capture)
    return list(csv.DictReader(io.StringIO(out)))


class ConnsCsv(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_note_with_comma_is_quoted(self):
        """filtered: at the end the client socket is SYN_SENT (3 SYNs sent, 2 of them
        re-sends) and the server's port is a listener presumed from the unanswered SYN,
        whose note "presumed: a SYN came, no answer captured" holds a comma. Every row
        must still have the header's 11 fields."""
        rows = list(csv.reader(io.StringIO(conns_csv(FILTERED))))
        header, body = rows[0], rows[1:]
        self.assertEqual(len(header), 11)
        self.assertEqual(len(body), 2)
        for row in body:
            self.assertEqual(len(row), len(header), row)
        by_role = {dict(zip(header, r))["role"]: dict(zip(header, r)) for r in body}
        self.assertEqual(by_role["listener"]["local"], "10.77.2.2:5007")
        self.assertEqual(by_role["listener"]["note"], "presumed: a SYN came, no answer captured")
        self.assertEqual(by_role["client"]["state"], "SYN_SENT")
        self.assertEqual((by_role["client"]["segs_sent"], by_role["client"]["retrans_segs"]), ("3", "2"))


class NetstatMinSegments(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_no_over_before_min_segments(self):
        """filtered: 10.77.1.2 sent 1 SYN and re-sent it twice: Segments Sent 1,
        Retransmitted 2 (200%), 3 segments on the wire. Far above 1%, but below the
        default retrans_rate_min_segments (100) no OVER verdict; with the preference
        at 3 it is over, at 4 not yet."""
        row = netstat_csv(FILTERED)[0]
        self.assertEqual((row["out_segs"], row["retrans_segs"]), ("1", "2"))
        self.assertEqual(row["verdict"], "too_few_segments")
        self.assertEqual(netstat_csv(FILTERED, ["-o", "tcpdiag.retrans_rate_min_segments:3"])[0]["verdict"],
                         "over_threshold")
        self.assertEqual(netstat_csv(FILTERED, ["-o", "tcpdiag.retrans_rate_min_segments:4"])[0]["verdict"],
                         "too_few_segments")
        text = h.tshark(["-q", "-z", "tcpdiag,netstat,host=10.77.1.2"], FILTERED)
        self.assertNotIn("OVER", text)
        self.assertIn("too few segments to judge", text)
        # The stats tree uses the same rule: no host over the threshold.
        tree = h.tshark(["-q", "-z", "tcpdiag,tree"], FILTERED)
        self.assertNotIn("10.77.1.2", tree)


class IcmpRejectionStream(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_rejecting_error_carries_stream(self):
        """Adversarial case icmp-quoted (tests/adversarial/advcases.py): conversation B's
        SYN is answered by an ICMP port unreachable that quotes only 8 bytes of TCP, so
        Wireshark gives the quote no tcp.stream. That error ends B (handshake rejected,
        evidence = B's SYN) and must carry B's tcpdiag.stream, so that
        `tcpdiag.stream == N` shows the packet that ended stream N."""
        out = h.work_dir("paper-cuts")
        try:
            subprocess.run([sys.executable, os.path.join(h.SOURCE_DIR, "tests", "adversarial", "make-adversarial"),
                            out, "--only", "icmp-quoted"], check=True, stdout=subprocess.DEVNULL)
            pcap = os.path.join(out, "icmp-quoted.pcap")
            names = ["frame.number", "tcp.stream", "tcpdiag.stream", "tcpdiag.quoted", "tcpdiag.state.change",
                     "tcpdiag.evidence"]
            rows = [dict(zip(names, r)) for r in h.fields(pcap, names)]
            stream_of = {r["frame.number"]: r["tcpdiag.stream"] for r in rows}
            ending = [r for r in rows if r["tcpdiag.quoted"] and r["tcpdiag.state.change"]
                      and r["tcp.stream"] == ""]
            self.assertTrue(ending, "no rejecting ICMP error with an 8-byte quote in the case")
            for r in ending:
                with self.subTest(frame=r["frame.number"]):
                    self.assertNotEqual(r["tcpdiag.stream"], "")
                    self.assertEqual(r["tcpdiag.stream"], stream_of[r["tcpdiag.evidence"]])
                    shown = h.frame_numbers(pcap, "tcpdiag.stream == %s" % r["tcpdiag.stream"])
                    self.assertIn(int(r["frame.number"]), shown)
        finally:
            shutil.rmtree(out, ignore_errors=True)


class OneDirection(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def one_way_copy(self):
        """tbf-congestion with only what 10.77.1.2 sent: frame 1 its SYN, frame 2 its
        final handshake ACK (the SYN-ACK it acknowledges is not in the file), then its
        data, ACK-less of nothing the server sent."""
        out = h.work_dir("paper-cuts")
        self.addCleanup(shutil.rmtree, out, True)
        dest = os.path.join(out, "one-way.pcapng")
        cmd, env = h.command(["-r", h._readable_copy(CONGESTION), "-Y", "tcp && ip.src == 10.77.1.2",
                              "-w", "-", "-F", "pcapng"], plugin=False)
        with open(dest, "wb") as f:
            subprocess.run(cmd, env=env, stdout=f, check=True, timeout=h.TIMEOUT, cwd=out)
        return dest

    def test_note_and_summary(self):
        """By hand: the client's ACK in frame 2 acknowledges the server's ISN + 1, a
        SYN-ACK sent after the client's SYN (frame 1), so after the capture began, and
        the capture never saw it: the note is on frame 2 and only there; from frame 2 on
        every segment says one direction; the summary counts 1 such conversation. The
        two-way capture of the same connection has neither."""
        one_way = self.one_way_copy()
        noted = h.frame_numbers(one_way, "tcpdiag.one_direction_only")
        self.assertEqual(noted, [2])
        flagged = h.frame_numbers(one_way, "tcpdiag.one_direction")
        every = h.frame_numbers(one_way, "tcp")
        self.assertEqual(flagged, every[1:])
        summary = h.tshark(["-q", "-z", "tcpdiag,summary"], one_way)
        self.assertIn("Seen in one direction only: 1 ", summary)
        self.assertRegex(summary, r"10\.77\.1\.2:40019 .*\(one direction only\)")
        self.assertEqual(h.frame_numbers(CONGESTION, "tcpdiag.one_direction || tcpdiag.one_direction_only"), [])
        self.assertNotIn("one direction", h.tshark(["-q", "-z", "tcpdiag,summary"], CONGESTION))


class StatsTreeOccurred(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_only_states_that_occurred(self):
        """tbf-congestion: the client opened and closed actively, so it went through
        SYN_SENT, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT; the server (as the
        client-side capture shows it) through LISTEN, SYN_RECEIVED, ESTABLISHED,
        CLOSE_WAIT, LAST_ACK, CLOSED; the handshake through syn_only, syn_synack to
        complete. Nothing else may be listed (before: all 11 states and 7 outcomes)."""
        out = h.tshark(["-q", "-z", "tcpdiag,tree"], CONGESTION)
        listed, parent = {}, None
        for line in out.splitlines():
            cols = re.split(r"\s{2,}", line)
            if len(cols) < 2 or not cols[1].isdigit():
                continue
            if line.startswith(" "):
                listed.setdefault(parent, set()).add(cols[0].strip())
            else:
                parent = cols[0]
        self.assertLessEqual(listed["Client endpoints by state"],
                             {"SYN_SENT", "ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "TIME_WAIT"})
        self.assertIn("TIME_WAIT", listed["Client endpoints by state"])
        self.assertLessEqual(listed["Server endpoints by state"],
                             {"LISTEN", "SYN_RECEIVED", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSED"})
        self.assertLessEqual(listed["Connections by handshake outcome"], {"syn_only", "syn_synack", "complete"})
        self.assertIn("complete", listed["Connections by handshake outcome"])


class TestHelpers(unittest.TestCase):
    def test_gui_smoke_skips_without_tools(self):
        """Without wireshark/Xvfb/xdotool on PATH the GUI test exits 77, which ctest
        is told (SKIP_RETURN_CODE) to report as skipped, not passed."""
        here = os.path.dirname(os.path.abspath(__file__))
        empty = h.work_dir("no-tools")
        try:
            env = dict(os.environ, PATH=empty)
            proc = subprocess.run([sys.executable, "test_gui_smoke.py"], cwd=here, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        finally:
            shutil.rmtree(empty, ignore_errors=True)
        self.assertEqual(proc.returncode, 77, proc.stdout.decode("utf-8", "replace"))
        self.assertIn(b"Skipped", proc.stdout)
        build = os.path.dirname(h.BUILD_PLUGINS)
        if shutil.which("ctest") and os.path.exists(os.path.join(build, "CTestTestfile.cmake")):
            shown = subprocess.run(["ctest", "--show-only=json-v1", "-R", "^integration.gui_smoke$"], cwd=build,
                                   stdout=subprocess.PIPE, check=True, timeout=60)
            # ctest also lists the fixture that sets up the shared tshark cache.
            tests = [t for t in json.loads(shown.stdout)["tests"] if t["name"] == "integration.gui_smoke"]
            self.assertEqual(len(tests), 1)
            props = {p["name"]: p["value"] for p in tests[0]["properties"]}
            self.assertEqual(str(props.get("SKIP_RETURN_CODE")), "77")

    def test_harness_removes_its_folder(self):
        """The harness's private folder (plugin copy, capture copies, HOME) is gone
        once the Python process that made it ends."""
        here = os.path.dirname(os.path.abspath(__file__))
        proc = subprocess.run([sys.executable, "-c", "import tdharness as h; print(h._private_dir())"],
                              cwd=here, stdout=subprocess.PIPE, check=True, timeout=120)
        folder = proc.stdout.decode().strip()
        self.assertTrue(folder.startswith("/"), folder)
        self.assertFalse(os.path.exists(folder), "left behind: " + folder)


if __name__ == "__main__":
    unittest.main()
