"""Adversarial captures: sensible verdicts, one pass = two passes, hidden tree = visible tree.

SPDX-License-Identifier: GPL-2.0-or-later

The captures are generated at test time by tests/adversarial/make-adversarial
(a SYN flood, sequence numbers wrapping mid-transfer, a reused 4-tuple,
duplicated and time-disordered frames, snaplen cuts, a capture starting
mid-connection, TCP quoted in ICMP errors, tunnels, IPv6 extension headers,
IP fragments, malformed options, zero- and maximum-length segments). Each
comes with the verdict after every frame, reasoned by hand in
tests/adversarial/advcases.py. The SYN flood has TCPDIAG_FLOOD_COUNT SYNs
(20000 by default; the long mode runs 1000000).
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import tdharness as h
from test_passes import tcpdiag_fields

GENERATOR = os.path.join(h.SOURCE_DIR, "tests", "adversarial", "make-adversarial")
FLOOD_COUNT = int(os.environ.get("TCPDIAG_FLOOD_COUNT", "20000"))
VERDICT = ["tcpdiag.handshake", "tcpdiag.state.client", "tcpdiag.state.server"]
KEYS = ["handshake", "state.client", "state.server"]

_cases = None


def cases():
    """[(name, pcap path, truth)] generated once per test run."""
    global _cases
    if _cases is None:
        out = tempfile.mkdtemp(prefix="tcpdiag-adversarial-")
        subprocess.run([sys.executable, GENERATOR, out, "--syn-flood-count", str(FLOOD_COUNT)],
                       check=True, stdout=subprocess.DEVNULL)
        _cases = []
        for name in sorted(f[:-len(".truth.json")] for f in os.listdir(out) if f.endswith(".truth.json")):
            with open(os.path.join(out, name + ".truth.json")) as f:
                _cases.append((name, os.path.join(out, name + ".pcap"), json.load(f)))
    return _cases


def tearDownModule():
    if _cases:
        shutil.rmtree(os.path.dirname(_cases[0][1]), ignore_errors=True)


def summary_counts(report):
    """{'conversations': n, 'handshakes': {...}} from the report's header line."""
    m = re.search(r"^Conversations: (\d+)(.*)$", report, re.M)
    if not m:
        return None
    hs = {k: int(v) for k, v in re.findall(r", (\w+): (\d+)", m.group(2))}
    return {"conversations": int(m.group(1)), "handshakes": hs}


def dropped_by_cap(report):
    m = re.search(r"^Conversations dropped by the cap .*?: (\d+)", report, re.M)
    return int(m.group(1)) if m else 0


class AdversarialVerdicts(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_every_case_generated(self):
        names = {name for name, _, _ in cases()}
        for want in ("syn-flood", "seq-wrap-transfer", "tuple-reuse", "capture-duplicates",
                     "time-disorder", "snaplen-truncated", "midstream-start", "icmp-quoted",
                     "tunnels", "ipv6-extension-headers", "ipv4-fragments",
                     "malformed-tcp-options", "segment-sizes"):
            self.assertIn(want, names)

    def test_frames_match_hand_reasoning(self):
        for name, pcap, truth in cases():
            rows = h.fields(pcap, ["frame.number"] + VERDICT + ["tcpdiag.quoted", "tcpdiag.evidence"])
            self.assertEqual(len(rows), truth["frame_count"], name)
            every = truth.get("every_frame")
            if every:
                bad = [r[0] for r in rows if [r[1 + i].split("|")[-1] for i in range(3)] !=
                       [every[k] for k in KEYS]]
                self.assertEqual(bad[:10], [], "%s: frames not %s" % (name, every))
            for frame, want in sorted(truth["frames"].items(), key=lambda kv: int(kv[0])):
                row = rows[int(frame) - 1]
                got = [row[1 + i].split("|")[-1] for i in range(3)]
                with self.subTest(case=name, frame=frame, note=want["note"]):
                    if want.get("tcpdiag") is False:
                        self.assertEqual(got, ["", "", ""], "this frame must carry no verdict")
                    elif not (want.get("optional") and got == ["", "", ""]):
                        self.assertEqual(got, [want[k] for k in KEYS])
                    self.assertEqual(row[4] != "", bool(want.get("quoted")), "tcpdiag.quoted")
                    if "evidence" in want:
                        self.assertEqual(row[5], str(want["evidence"]), "tcpdiag.evidence")

    def test_summary_counts(self):
        for name, pcap, truth in cases():
            with self.subTest(case=name):
                report = h.tshark(["-q", "-z", "tcpdiag,summary"], pcap)
                self.assertEqual(summary_counts(report), truth["summary"])
                self.assertEqual(dropped_by_cap(report), max(0, FLOOD_COUNT - 500000)
                                 if name == "syn-flood" else 0)

    def test_snaplen_cut_invents_nothing(self):
        """snaplen-truncated: every frame is cut at 54 bytes or less.

        Hand reasoning (advcases.case_snaplen_truncated): the SYN (frame 1)
        and SYN-ACK (frame 2) had 12 bytes of options that the snaplen cut,
        so their MSS and window scale are unknown: no MSS reason may fire
        (not even mss_absent, nor a 1460-byte segment "above 536"), and
        both get tcpdiag.syn_options_cut. Frames 8 (cut at 46 bytes, before
        the flags) and 9 (cut at 40 bytes, inside the sequence number) get
        tcpdiag.header_cut and are no transmission. Nothing in the capture
        is re-sent, so no frame is a retransmission or a look-alike.
        """
        pcap = next(p for n, p, _ in cases() if n == "snaplen-truncated")
        self.assertEqual(h.frame_numbers(pcap, "tcpdiag.syn_options_cut"), [1, 2])
        self.assertEqual(h.frame_numbers(pcap, "tcpdiag.header_cut"), [8, 9])
        self.assertEqual(h.frame_numbers(pcap, "tcpdiag.retrans || tcpdiag.not_retrans"), [])
        self.assertEqual(h.frame_numbers(pcap, "tcpdiag.mss.reason || tcpdiag.mss.assumed"), [])
        self.assertEqual(h.frame_numbers(pcap, "tcpdiag.mss.client || tcpdiag.mss.server"), [])

    def test_capture_copies_are_not_retransmissions(self):
        """capture-duplicates: frame 2k is the capture's copy of frame 2k-1.

        Hand reasoning: a copy has the same IP ID, TTL and timestamp 2 us
        after its original, so every copy of a segment that carries sequence
        space (SYN, SYN-ACK, data, FIN: chosen by Wireshark alone, on the
        originals) is the duplicate_capture look-alike of the frame before
        it; a copy of a pure ACK is nothing; nothing is a retransmission and
        the client never sent more than one SYN.
        """
        pcap = next(p for n, p, _ in cases() if n == "capture-duplicates")
        originals = [n for n in h.frame_numbers(pcap, "tcp.len > 0 || tcp.flags.syn == 1 || tcp.flags.fin == 1",
                                                plugin=False) if n % 2]
        self.assertGreater(len(originals), 4)
        rows = h.fields(pcap, ["frame.number", "tcpdiag.not_retrans", "tcpdiag.not_retrans.frame",
                               "tcpdiag.retrans", "tcpdiag.handshake.syn_count"])
        copies = {int(r[0]): r for r in rows if r[1]}
        self.assertEqual(sorted(copies), [n + 1 for n in originals])
        for n, r in copies.items():
            self.assertEqual((r[1], r[2]), ("duplicate_capture", str(n - 1)))
        self.assertEqual([r[0] for r in rows if r[3]], [])
        self.assertEqual({r[4] for r in rows}, {"1"})

    def test_no_negative_times(self):
        # Out-of-order timestamps must not produce a negative handshake time.
        names = ["tcpdiag.handshake.rtt", "tcpdiag.handshake.rtt.server",
                 "tcpdiag.handshake.rtt.client", "tcpdiag.state.close_wait_time"]
        for name, pcap, _ in cases():
            for row in h.fields(pcap, ["frame.number"] + names):
                for col, value in zip(names, row[1:]):
                    for v in filter(None, value.split("|")):
                        with self.subTest(case=name, frame=row[0], field=col):
                            self.assertGreaterEqual(float(v), 0.0)


class CutShortFiles(unittest.TestCase):
    """A capture file that ends in the middle of a packet (a copy interrupted,
    a capture killed): Wireshark says so and exits 2; tcpdiag must still
    report every frame read before the cut.

    Hand reasoning: each cut keeps whole frames of the demo capture (TCP
    segments, and three TCP headers quoted in ICMP errors, which are not
    transmissions), so the summary's Frames column, summed, must equal the
    number of TCP frames outside ICMP errors that Wireshark alone reads from
    the same cut file, and the netstat report must be printed.
    """

    def setUp(self):
        h.require_plugin_loaded(self)

    def run_cut(self, path, args):
        cmd, env = h.command(["-r", path] + args)
        proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=h.TIMEOUT, cwd=os.path.dirname(path))
        return proc.returncode, proc.stdout.decode(), proc.stderr.decode()

    def test_cut_in_the_middle_of_a_packet(self):
        demo = os.path.join(h.CAPTURES_DIR, "demo.pcapng")
        with open(demo, "rb") as f:
            data = f.read()
        work = h.work_dir("cut")
        for fraction in (0.25, 0.5, 0.9):
            path = os.path.join(work, "cut-%d.pcapng" % int(fraction * 100))
            with open(path, "wb") as f:
                f.write(data[:int(len(data) * fraction)])
            os.chmod(path, 0o644)
            with self.subTest(cut=fraction):
                rc, out, err = self.run_cut(path, ["-q", "-z", "tcpdiag,summary", "-z", "tcpdiag,netstat"])
                self.assertEqual(rc, h.read_error_exit_status(), err)
                self.assertIn("cut short in the middle of a packet", err)
                for bad in ("Dissector bug", "CRITICAL", "Segmentation fault") + h.SANITIZER_REPORTS:
                    self.assertNotIn(bad, out + err)
                self.assertIn("netstat -s -p tcp for each host", out)
                frames = sum(int(m) for m in re.findall(r"^\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+(\d+)\s",
                                                        out, re.M))
                alone = h.frame_numbers(path, "tcp and not icmp and not icmpv6", check=False, plugin=False)
                self.assertGreater(len(alone), 0)
                self.assertEqual(frames, len(alone))


class AdversarialPasses(unittest.TestCase):
    """The checks test_passes makes on captures/, on the adversarial set."""

    def setUp(self):
        h.require_plugin_loaded(self)

    def test_one_pass_equals_two(self):
        names = ["frame.number"] + tcpdiag_fields()
        for name, pcap, _ in cases():
            with self.subTest(case=name):
                one = h.fields(pcap, names)
                two = h.fields(pcap, names, extra=["-2"])
                self.assertEqual(one, two)

    def test_conversation_cap(self):
        """The SYN flood read with a cap far below its size.

        Hand reasoning: the flood's SYNs come from distinct sources and nothing
        answers, so every SYN opens a conversation. With the cap at CAP, SYN
        number CAP + 1 and every later one must drop the idlest conversation
        first: FLOOD_COUNT - CAP drops, one on each of those frames, none
        before. The dropped conversations keep their endpoints' names, so a
        second pass, the netstat view and the summary see the same as one
        pass: FLOOD_COUNT conversations, each client SYN_SENT.
        """
        cap = FLOOD_COUNT // 4
        pcap = next(p for n, p, _ in cases() if n == "syn-flood")
        opt = ["-o", "tcpdiag.max_conversations:%d" % cap]
        names = ["frame.number"] + tcpdiag_fields()
        one = h.fields(pcap, names, extra=opt)
        self.assertEqual(one, h.fields(pcap, names, extra=opt + ["-2"]))
        col = {n: i for i, n in enumerate(names)}
        self.assertEqual(len(one), FLOOD_COUNT)
        self.assertNotIn("", [r[col["tcpdiag.client"]] for r in one], "every frame names its client")
        self.assertEqual(h.frame_numbers(pcap, "tcpdiag.conversation_dropped", extra=opt),
                         list(range(cap + 1, FLOOD_COUNT + 1)))
        report = h.tshark(opt + ["-q", "-z", "tcpdiag,summary"], pcap)
        self.assertEqual(dropped_by_cap(report), FLOOD_COUNT - cap)
        self.assertEqual(summary_counts(report)["conversations"], FLOOD_COUNT)
        reports = {z: h.tshark(opt + ["-q", "-z", z], pcap) for z in ("tcpdiag,conns,csv", "tcpdiag,netstat,csv")}
        for z, first in reports.items():
            with self.subTest(report=z):
                self.assertEqual(first, h.tshark(opt + ["-2", "-q", "-z", z], pcap))
        self.assertEqual(reports["tcpdiag,conns,csv"].count("SYN_SENT"), FLOOD_COUNT)

    def test_filter_counts(self):
        for name, pcap, _ in cases():
            rows = h.fields(pcap, VERDICT + ["tcpdiag.quoted"])
            for i, field in enumerate(VERDICT):
                counts = collections.Counter(v for r in rows for v in set(filter(None, r[i].split("|"))))
                for value, expected in counts.items():
                    with self.subTest(case=name, field=field, value=value):
                        out = h.tshark(["-Y", '%s == "%s"' % (field, value)], pcap)
                        self.assertEqual(len(out.splitlines()), expected)
            with self.subTest(case=name, field="tcpdiag.quoted"):
                out = h.tshark(["-Y", "tcpdiag.quoted"], pcap)
                self.assertEqual(len(out.splitlines()), sum(1 for r in rows if r[3]))


class QuotedHeadersMakeNoEvent(unittest.TestCase):
    """A TCP header quoted in an ICMP error is not a transmission: it changes no
    state, is no retransmission and no handshake step. The only ICMP event is
    the rejection of an opening connection by a destination unreachable that
    quotes its SYN, marked by the evidence link to that SYN."""

    def setUp(self):
        h.require_plugin_loaded(self)

    def test_quoted_headers(self):
        registered = set(tcpdiag_fields())
        extra = [f for f in ("tcpdiag.retrans", "tcpdiag.retrans.kind") if f in registered]
        names = ["frame.number", "tcpdiag.quoted", "tcpdiag.handshake", "tcpdiag.state.change",
                 "tcpdiag.evidence", "tcpdiag.handshake.syn_count", "tcpdiag.stream"] + extra
        captures = [(n, p) for n, p, _ in cases() if n != "syn-flood"]
        captures += [(os.path.relpath(c, h.SOURCE_DIR), c) for c in h.all_captures()]
        quoted_seen = 0
        for name, pcap in captures:
            syn_counts = {}
            for row in h.fields(pcap, names):
                layer = dict(zip(names, row))
                if "|" in layer["tcpdiag.handshake"]:
                    continue        # several TCP headers: columns do not line up per header
                stream = layer["tcpdiag.stream"]
                if not layer["tcpdiag.quoted"]:
                    syn_counts[stream] = layer["tcpdiag.handshake.syn_count"]
                    continue
                quoted_seen += 1
                with self.subTest(capture=name, frame=row[0]):
                    for f in extra:
                        self.assertEqual(layer[f], "", f)
                    if layer["tcpdiag.state.change"]:
                        self.assertEqual(layer["tcpdiag.handshake"], "rejected")
                        self.assertNotEqual(layer["tcpdiag.evidence"], "")
                    if stream in syn_counts:
                        self.assertEqual(layer["tcpdiag.handshake.syn_count"], syn_counts[stream],
                                         "a quoted SYN is not a SYN sent")
        self.assertGreater(quoted_seen, 10)


if __name__ == "__main__":
    unittest.main()
