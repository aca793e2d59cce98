"""Crafted captures: tcpdiag's verdict after every frame equals the hand reasoning.

SPDX-License-Identifier: GPL-2.0-or-later

captures/crafted/<case>/truth.json holds, for every frame, the handshake
verdict and both endpoint states worked out by hand packet by packet
(README.md beside it gives the reasoning), and whether it is a
retransmission (of which frame, which attempt, which kind and first cause)
and whether its TCP checksum is bad. These are cases a kernel will
not produce on demand: crossing SYNs, invalid acknowledgment numbers,
ICMP errors quoting TCP, tunnels.
"""
import os
import unittest

import tdharness as h

KEYS = ("handshake", "state.client", "state.server")
RETRANS = ("tcpdiag.retrans", "tcpdiag.retrans.original", "tcpdiag.retrans.attempt",
           "tcpdiag.retrans.kind", "tcpdiag.retrans.cause", "tcpdiag.checksum")


class CraftedFramesMatchHandReasoning(unittest.TestCase):
    def setUp(self):
        h.require_plugin_loaded(self)

    def test_cases(self):
        cases = h.truth_files("crafted")
        self.assertGreaterEqual(len(cases), 8, "the crafted set is missing")
        for folder, truth in cases:
            cap = os.path.join(folder, truth.get("file", "capture.pcap"))
            rows = h.fields(cap, ["frame.number"] + ["tcpdiag." + k for k in KEYS] + ["tcpdiag.quoted"])
            by_frame = {r[0]: r for r in rows}
            rows = h.fields(cap, ["frame.number"] + list(RETRANS))
            retrans = {r[0]: dict(zip(RETRANS, r[1:])) for r in rows}
            for frame, want in sorted(truth["frames"].items(), key=lambda kv: int(kv[0])):
                with self.subTest(case=truth["case"], frame=frame):
                    row = by_frame.get(frame)
                    self.assertIsNotNone(row, "frame %s missing" % frame)
                    # In a frame with several TCP headers, the last one is the innermost.
                    got = {k: row[1 + i].split("|")[-1] for i, k in enumerate(KEYS)}
                    exp = {k: want[k] for k in KEYS if k in want}
                    self.assertEqual({k: got[k] for k in exp}, exp, want.get("note", ""))
                    if want.get("quoted"):
                        self.assertNotEqual(row[-1], "", "frame %s should be marked quoted" % frame)
                    self.check_retrans(retrans.get(frame, {}), want)

    def check_retrans(self, got, want):
        if "retrans" in want:
            r = want["retrans"]
            self.assertEqual(got.get("tcpdiag.retrans", "") != "", bool(r), want.get("note", ""))
            if isinstance(r, dict):
                for key in ("original", "attempt", "kind"):
                    if key in r:
                        self.assertEqual(got["tcpdiag.retrans." + key], str(r[key]), r.get("note", ""))
                if "cause" in r:
                    self.assertEqual(got["tcpdiag.retrans.cause"].split("|")[0], r["cause"][0], r.get("note", ""))
        if "bad_checksum" in want:
            self.assertEqual(got.get("tcpdiag.checksum", "") == "bad", want["bad_checksum"])


if __name__ == "__main__":
    unittest.main()
